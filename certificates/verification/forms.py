from django import forms
from django.utils.translation import gettext_lazy as _

from core import form_fields


class VerifyForm(forms.Form):
    number = form_fields.CodeField(label=_("证书编号"), max_length=32,
                                   widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    name = forms.CharField(label=_("持证人姓名"), max_length=64, required=False,
                           help_text=_("填写姓名或证件号码后四位之一。"))
    id_last4 = form_fields.IdNumberField(label=_("证件号码后四位"), max_length=4, required=False,
                                         widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def clean(self):
        data = super().clean()
        if not (data.get("name") or data.get("id_last4")):
            raise forms.ValidationError(_("请填写持证人姓名或证件号码后四位。仅凭证书编号不显示任何信息。"))
        return data


class VerifyFileForm(forms.Form):
    # One field for both formats: a citizen need not know which one they were sent.
    # Named pdf since the page took PDFs only: forms and clients already post under that name.
    pdf = forms.FileField(label=_("电子证书文件（PDF 或 OFD）"),
                          help_text=_("支持平台签发的 PDF 电子证书和 OFD 版式电子证书。"),
                          widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.ofd,application/pdf,application/ofd"}))
