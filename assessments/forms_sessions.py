"""Forms and list filters of sites, sessions, registrations and results: they parse input; the rules
live in the services."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import IdType, Province
from assessments.forms import CertificateChoiceField
from assessments.models import AssessmentSession, Registration, ScoreReview, Site
from certificates.models import Certificate, Level
from organizations.models import Institution

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
        self.fields["site"].label_from_instance = lambda s: f"{s.name}（{s.code}，{s.province.name}）"
        if editing:
            del self.fields["certificate"]
            del self.fields["level"]


class SessionCancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class UploadForm(forms.Form):
    file = forms.FileField(label=_("文件"), help_text=_("Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码），不超过 20 MB。"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))


class RegistrationForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices, initial=IdType.RESIDENT_ID)
    id_number = forms.CharField(label=_("证件号码"), max_length=32, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    major_name = forms.CharField(label=_("专业名称"), max_length=64)
    major_code = forms.CharField(label=_("专业代码"), max_length=16, required=False)


class NameConfirmForm(forms.Form):
    choice = forms.ChoiceField(label=_("以哪个姓名为准"), widget=forms.RadioSelect, choices=[
        ("record", _("平台已有记录的姓名正确（报名时填错）")), ("given", _("报名填写的姓名正确（更正平台记录）"))])
    reason = forms.CharField(label=_("说明"), max_length=200, required=False,
                             help_text=_("更正平台记录时必填，如：已核对身份证原件。"))


class ResultForm(forms.Form):
    score = forms.CharField(label=_("成绩"), max_length=10, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    absent = forms.BooleanField(label=_("缺考"), required=False)


class AmendForm(forms.Form):
    score = forms.CharField(label=_("更正后的成绩"), max_length=10, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    reason = forms.CharField(label=_("更正原因"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class ReviewRequestForm(forms.Form):
    reason = forms.CharField(label=_("复核理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class ReviewAnswerForm(forms.Form):
    outcome = forms.ChoiceField(label=_("复核结论"), widget=forms.RadioSelect, choices=[
        ("maintained", ScoreReview.Status.MAINTAINED.label), ("amended", _("更正成绩"))])
    score = forms.CharField(label=_("更正后的成绩"), max_length=10, required=False,
                            help_text=_("选择“更正成绩”时填写。"), widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    answer = forms.CharField(label=_("复核结果说明"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


# --- list filters (pages and API) ----------------------------------------------------------------------

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


class RegistrationFilter(django_filters.FilterSet):
    session = django_filters.NumberFilter(field_name="session_id", widget=forms.HiddenInput)
    certificate = django_filters.ModelChoiceFilter(label=_("证书"), queryset=Certificate.objects.order_by("name"),
                                                   empty_label=_("全部证书"))
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Registration.Status.choices,
                                         empty_label=_("全部状态"))
    name_mismatch = django_filters.BooleanFilter(label=_("姓名待确认"), widget=forms.CheckboxInput)
    q = django_filters.CharFilter(label=_("姓名"), field_name="person__name", lookup_expr="startswith")

    class Meta:
        model = Registration
        fields = ["session", "certificate", "status", "name_mismatch", "q"]

    def filter_queryset(self, queryset):
        # An unticked checkbox means "any", not "no mismatch".
        if not self.form.cleaned_data.get("name_mismatch"):
            self.form.cleaned_data["name_mismatch"] = None
        return super().filter_queryset(queryset)


class ReviewFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ScoreReview.Status.choices, empty_label=_("全部"))

    class Meta:
        model = ScoreReview
        fields = ["status"]
