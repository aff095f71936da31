from django import forms
from django.utils.translation import gettext_lazy as _

from certificates.batches.models import ApplicationCertificate
from certificates.catalog.forms import _DATE
from certificates.catalog.models import AssessmentType
from certificates.catalog.services import LEVEL_ORDER
from core import form_fields
from organizations.orgs.models import Org


class BatchForm(forms.Form):
    number = form_fields.IntegerField(label=_("批次号"), min_value=1, max_value=99)
    name = forms.CharField(label=_("名称"), max_length=100, required=False,
                           help_text=_("留空则按批次号命名，如“第五批职业技能等级证书及培训评价组织遴选”。"))
    opened_on = forms.DateField(label=_("开始申报日期"), widget=_DATE)
    closes_on = forms.DateField(label=_("申报截止日期"), required=False, widget=_DATE)


class ApplicantForm(forms.Form):
    applicant_name = forms.CharField(label=_("申报单位"), max_length=128)
    credit_code = form_fields.CodeField(label=_("统一社会信用代码"), max_length=24,
                                        help_text=_("18 位，按 GB 32100 校验。与已有培训评价组织相同时自动关联该组织。"))
    org_type = forms.ChoiceField(label=_("单位类型"), choices=Org.OrgType.choices)


class ApplicationCertificateForm(forms.Form):
    _LEVEL_CHOICES = [("", _("不设此等级")), *AssessmentType.choices]

    name = forms.CharField(label=_("证书名称"), max_length=100)
    field = forms.CharField(label=_("领域"), max_length=32)
    junior = forms.ChoiceField(label=_("初级"), choices=_LEVEL_CHOICES, required=False)
    intermediate = forms.ChoiceField(label=_("中级"), choices=_LEVEL_CHOICES, required=False)
    senior = forms.ChoiceField(label=_("高级"), choices=_LEVEL_CHOICES, required=False)

    def as_item(self) -> dict:
        data = self.cleaned_data
        return {"name": data["name"], "field": data["field"],
                "levels": [{"level": level, "assessment_type": data[level]} for level in LEVEL_ORDER if data.get(level)]}


ApplicationCertificateFormSet = forms.formset_factory(ApplicationCertificateForm, extra=3, max_num=10,
                                                      validate_max=True)


def application_items(formset) -> list[dict]:
    """The certificates typed into the formset, blank rows skipped."""
    return [form.as_item() for form in formset.forms if form.has_changed() and form.is_valid()]


class ReviewForm(forms.Form):
    expert_score = form_fields.DecimalField(label=_("专家评审分"), required=False, help_text=_("0–100，最多两位小数。"))
    notice_from = forms.DateField(label=_("公示开始"), required=False, widget=_DATE)
    notice_until = forms.DateField(label=_("公示结束"), required=False, widget=_DATE,
                                   help_text=_("公示期满（结束日期之后）才能录入“通过”。"))
    outcome = forms.ChoiceField(label=_("评审结果"), choices=ApplicationCertificate.Outcome.choices)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("申报汇总表（XLSX 或 CSV）"),
                           help_text=_("每行一个申报证书，列为：申报单位、统一社会信用代码、单位类型、证书名称、领域、初级、中级、高级"
                                       "（等级列填考核方式，如“机考”，多个部分用“+”连接；不设此等级留空）。"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))


class ApplicationFilterForm(forms.Form):
    q = forms.CharField(label=_("单位或证书"), required=False)
    outcome = forms.ChoiceField(label=_("评审结果"), required=False,
                                choices=[("", _("全部")), *ApplicationCertificate.Outcome.choices])
