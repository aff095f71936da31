"""Forms and list filters of sites, sessions, registrations and results: they parse input; the rules
live in the services."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Province
from assessments.filings.forms import CertificateChoiceField
from assessments.models import AssessmentSession, Site
from certificates.catalog.models import Certificate, Level
from core.choices import searchable
from organizations.institutions.models import Institution

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class SiteForm(forms.Form):
    code = forms.CharField(label=_("考点代码"), max_length=8,
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
    capacity = forms.IntegerField(label=_("容量（人）"), min_value=1,
                                  widget=forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}))
    examiners = forms.CharField(label=_("考评员"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                help_text=_("考评员姓名及证书编号，每行一人。"))

    def __init__(self, *args, certificates, sites, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["certificate"].queryset = certificates
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
