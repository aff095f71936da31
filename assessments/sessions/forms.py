"""Forms and list filters of sites, sessions, registrations and results: they parse input; the rules
live in the services."""

import datetime

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Province
from assessments.filings.forms import CertificateChoiceField
from assessments.models import AssessmentSession, Site
from certificates.catalog.models import Certificate, Level
from certificates.catalog.selectors import LISTED_STATUSES
from core import form_fields
from core.choices import searchable
from organizations.institutions.models import Institution

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class SiteForm(forms.Form):
    code = form_fields.CodeField(label=_("考点代码"), max_length=8,
                                 help_text=_("4 到 8 位数字或大写字母，保存后不能修改（用于证书编号）。"))
    name = forms.CharField(label=_("考点名称"), max_length=128)
    province = forms.ModelChoiceField(label=_("省份"), queryset=Province.objects.all(), empty_label=_("请选择省份"))
    city = forms.CharField(label=_("城市"), max_length=64, required=False)
    address = forms.CharField(label=_("地址"), max_length=200)
    institution = forms.ModelChoiceField(label=_("所在院校"), queryset=Institution.objects.order_by("name"),
                                         required=False, empty_label=_("（不在院校内）"))
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]
        else:
            del self.fields["active"]
        searchable(self, "institution")


class SessionForm(forms.Form):
    certificate = CertificateChoiceField(label=_("证书"), queryset=Certificate.objects.none(),
                                         empty_label=_("请选择本组织已公布的证书"))
    level = forms.ChoiceField(label=_("等级"), choices=Level.choices,
                              help_text=_("考核方式按证书该等级的设定。"))
    site = forms.ModelChoiceField(label=_("考点"), queryset=Site.objects.none(), empty_label=_("请选择考点"))
    date = forms.DateField(label=_("考核日期"), widget=DATE)
    start_time = forms.TimeField(label=_("开始时间"), required=False, widget=TIME)
    capacity = form_fields.IntegerField(label=_("容量（人）"), min_value=1,
                                        widget=forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}))
    examiners = forms.CharField(label=_("考评员"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                help_text=_("考评员姓名及证书编号，每行一人。"))

    def __init__(self, *args, certificates, sites, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["certificate"].queryset = certificates
        # Certificates no longer published stay listed with their status: choosing one is answered
        # with the reason, not with an unexplained "invalid choice".
        self.fields["certificate"].label_from_instance = lambda c: (
            f"{c.name}（{c.code}，{c.org.name}）" if c.status == Certificate.Status.PUBLISHED
            else f"{c.name}（{c.code}，{c.get_status_display()}）")
        self.fields["site"].queryset = sites
        searchable(self, "certificate")
        self.fields["site"].label_from_instance = lambda s: f"{s.name}（{s.code}，{s.province.name}）"
        if editing:
            del self.fields["certificate"]
            del self.fields["level"]


class SessionCancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class UploadForm(forms.Form):
    file = forms.FileField(label=_("文件"), help_text=_("Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码），不超过 20 MB。"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))


class SessionFilter(django_filters.FilterSet):
    certificate = django_filters.ModelChoiceFilter(label=_("证书"), queryset=Certificate.objects.order_by("name"),
                                                   empty_label=_("全部证书"))
    level = django_filters.ChoiceFilter(label=_("等级"), choices=Level.choices, empty_label=_("全部等级"))
    province = django_filters.ModelChoiceFilter(label=_("省份"), queryset=Province.objects.all(),
                                                empty_label=_("全部省份"))
    status = django_filters.ChoiceFilter(label=_("状态"), choices=AssessmentSession.Status.choices,
                                         empty_label=_("全部状态"))
    date_from = django_filters.DateFilter(label=_("考核日期自"), field_name="date", lookup_expr="gte", widget=DATE)
    date_to = django_filters.DateFilter(label=_("至"), field_name="date", lookup_expr="lte", widget=DATE)

    class Meta:
        model = AssessmentSession
        fields = ["certificate", "level", "province", "status", "date_from", "date_to"]


def _months_ahead(count: int = 12) -> list[tuple[str, str]]:
    """This month and the next ones, as the month filter offers them ("2026-12", "2026年12月")."""
    today = timezone.localdate()
    months = []
    for offset in range(count):
        year, month = divmod(today.month - 1 + offset, 12)
        first = datetime.date(today.year + year, month + 1, 1)
        months.append((first.strftime("%Y-%m"), _("%(year)d年%(month)d月") % {"year": first.year, "month": first.month}))
    return months


class OpenSessionFilter(django_filters.FilterSet):
    """The public list of sessions open for registration: province, certificate, level, month, places."""

    province = django_filters.ModelChoiceFilter(label=_("省份"), queryset=Province.objects.all(),
                                                empty_label=_("全部省份"))
    certificate = django_filters.ModelChoiceFilter(
        label=_("证书"), empty_label=_("全部证书"),
        queryset=Certificate.objects.filter(status__in=LISTED_STATUSES).order_by("name"))
    level = django_filters.ChoiceFilter(label=_("等级"), choices=Level.choices, empty_label=_("全部等级"))
    month = django_filters.ChoiceFilter(label=_("考核月份"), choices=_months_ahead, empty_label=_("全部月份"),
                                        method="filter_month")
    seats = django_filters.NumberFilter(label=_("剩余名额不少于"), field_name="seats_left", lookup_expr="gte",
                                        min_value=1, max_value=100000)

    class Meta:
        model = AssessmentSession
        fields = ["province", "certificate", "level", "month", "seats"]

    def filter_month(self, queryset, name, value):
        year, month = (int(part) for part in value.split("-"))
        return queryset.filter(date__year=year, date__month=month)
