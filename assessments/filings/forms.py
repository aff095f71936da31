"""Forms of the assessments pages: they parse input; the rules live in the services."""

import datetime

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from certificates.catalog.models import Certificate
from core import form_fields
from core.choices import searchable
from core.tabular.validation import parse_phone
from organizations.institutions.models import Institution


class CertificateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.code}，{obj.org.name}）"


class FilingForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("院校"), queryset=Institution.objects.none(),
                                         empty_label=_("请选择本省院校"))
    certificate = CertificateChoiceField(label=_("证书"), queryset=Certificate.objects.none(),
                                         empty_label=_("请选择已公布的证书"))
    year = form_fields.IntegerField(label=_("年度"), initial=lambda: datetime.date.today().year)
    junior = form_fields.IntegerField(label=_("初级申报人数"), required=False,
                                      help_text=_("该证书未设的等级请留空。"))
    intermediate = form_fields.IntegerField(label=_("中级申报人数"), required=False)
    senior = form_fields.IntegerField(label=_("高级申报人数"), required=False)
    contact_name = forms.CharField(label=_("联系教师"), max_length=64)
    contact_phone = form_fields.PhoneField(label=_("联系电话"), max_length=32,
                                           help_text=_("11 位手机号码或带区号的固定电话。"))

    def __init__(self, *args, institutions, certificates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        self.fields["certificate"].queryset = certificates
        searchable(self, "institution", "certificate")
        for name in ("junior", "intermediate", "senior"):
            self.fields[name].widget.attrs.update({"min": 1, "inputmode": "numeric"})
            self.fields[name].validators.append(MinValueValidator(1, message=_("申报人数应为正整数。")))

    # Each field is checked on its own, so every wrong field is reported in one go.
    def clean_contact_phone(self):
        try:
            return parse_phone(self.cleaned_data["contact_phone"])
        except ValueError as exc:
            raise forms.ValidationError(exc.args[0]) from None

    def levels(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in ("junior", "intermediate", "senior")}


class FilingWithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因"), max_length=200, required=False)


class FilingImportForm(forms.Form):
    file = forms.FileField(label=_("备案文件"), help_text=_("Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码），不超过 20 MB、20 万行。"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))
