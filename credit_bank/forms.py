"""Forms of the credit bank: they parse input; every rule (limits, majors, duplicates) is the
services' (credit_bank.services)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from certificates.catalog.models import Certificate, Level
from core import form_fields
from core.choices import searchable
from credit_bank.models import CourseType

CREDITS_WIDGET = {"inputmode": "decimal", "step": "0.5", "min": "0.5"}


class ConversionRequestForm(forms.Form):
    rule = forms.ChoiceField(label=_("转换为课程"), help_text=_("列出您所在院校和专业为该证书等级制定的转换规则。"))
    note = forms.CharField(label=_("申请说明（可选）"), max_length=200, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [("", _("请选择"))] + [
            (str(r.pk), f"{r.institution.name} · {r.major_name} · {r.course_code} {r.current.course_name}"
                        f"（{r.current.get_course_type_display()}，{r.current.course_credits} 学分）") for r in rules]


class RuleForm(forms.Form):
    major = forms.ChoiceField(label=_("专业"), help_text=_("本校在籍学生所在的专业。"))
    certificate = forms.ModelChoiceField(label=_("证书"), queryset=Certificate.objects.none(), empty_label=_("请选择"))
    level = forms.ChoiceField(label=_("等级"), choices=Level.choices)
    course_code = form_fields.CodeField(label=_("课程代码"), max_length=20)
    course_name = forms.CharField(label=_("课程名称"), max_length=64)
    course_credits = form_fields.DecimalField(label=_("课程学分"), max_digits=4, decimal_places=1,
                                              widget=forms.NumberInput(attrs=CREDITS_WIDGET))
    course_type = forms.ChoiceField(label=_("课程类型"), choices=CourseType.choices)
    note = forms.CharField(label=_("说明（可选）"), max_length=200, required=False)

    def __init__(self, *args, majors=(), **kwargs):
        super().__init__(*args, **kwargs)
        # An alliance writing for several members sees which institution runs each major.
        self.fields["major"].choices = [("", _("请选择"))] + [
            (f"{inst_id}|{name}", (f"{inst_name} · " if inst_name else "") + (f"{name}（{code}）" if code else name))
            for inst_id, inst_name, code, name in majors]
        self.fields["certificate"].queryset = (Certificate.objects.exclude(status=Certificate.Status.APPLIED)
                                               .order_by("name"))
        searchable(self, "certificate")

    def clean(self):
        data = super().clean()
        # The choice value is "institution id|major name"; the service checks that the institution runs it.
        institution_id, _sep, data["major_name"] = (data.get("major") or "").partition("|")
        data["institution"] = institution_id
        return data


class RuleChangeForm(forms.Form):
    course_name = forms.CharField(label=_("课程名称"), max_length=64)
    course_credits = form_fields.DecimalField(label=_("课程学分"), max_digits=4, decimal_places=1,
                                              widget=forms.NumberInput(attrs=CREDITS_WIDGET))
    course_type = forms.ChoiceField(label=_("课程类型"), choices=CourseType.choices)
    note = forms.CharField(label=_("修改说明"), max_length=200, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class ApproveForm(forms.Form):
    credits = form_fields.DecimalField(label=_("认定学分"), max_digits=4, decimal_places=1,
                                       widget=forms.NumberInput(attrs=CREDITS_WIDGET),
                                       help_text=_("默认为规则规定的课程学分，可酌情认定较少学分。"))


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("不予认定的原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class PolicyForm(forms.Form):
    institution = forms.ChoiceField(label=_("院校"))
    max_certificates_per_course = form_fields.IntegerField(label=_("每门课程最多可认定的证书数"))
    max_credits_per_certificate = form_fields.DecimalField(label=_("每个证书最多可转换的学分"), max_digits=4, decimal_places=1,
                                                           widget=forms.NumberInput(attrs=CREDITS_WIDGET))

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [(str(i.pk), i.name) for i in institutions]
        if len(self.fields["institution"].choices) == 1:
            self.fields["institution"].widget = forms.HiddenInput()


class CatalogForm(forms.Form):
    credits = form_fields.DecimalField(label=_("认定学分"), max_digits=4, decimal_places=1,
                                       widget=forms.NumberInput(attrs=CREDITS_WIDGET))
    reason = forms.CharField(label=_("调整说明"), max_length=200)
