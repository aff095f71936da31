"""Forms of issued certificates, paper copies and verification: input parsing only, no rules."""

from django import forms
from django.utils.translation import gettext_lazy as _


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), widget=forms.Textarea(attrs={"rows": 3}), max_length=500,
                             help_text=_("将在公开查验结果中显示，并记入审计日志。"))


class ReissueForm(forms.Form):
    holder_name = forms.CharField(label=_("更正后的姓名"), max_length=64)
    reason = forms.CharField(label=_("更正原因"), max_length=200,
                             help_text=_("同一编号换发新版本，旧版本显示为“已被新版本取代”。"))


class PaperOrderForm(forms.Form):
    recipient = forms.CharField(label=_("收件人"), max_length=64, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = forms.CharField(label=_("联系电话"), max_length=20,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))
    address = forms.CharField(label=_("邮寄地址"), max_length=200,
                              widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "street-address"}))
    postcode = forms.CharField(label=_("邮政编码"), max_length=6, required=False,
                               widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}))


class PaperOfferForm(forms.Form):
    price = forms.DecimalField(label=_("纸质证书价格（元，含邮费）"), max_digits=6, decimal_places=2, min_value=0,
                               help_text=_("含打印和邮寄费用，不得超过 40 元。"))


class MailForm(forms.Form):
    carrier = forms.CharField(label=_("快递公司"), max_length=32)
    tracking_number = forms.CharField(label=_("快递单号"), max_length=40)


class VerifyForm(forms.Form):
    number = forms.CharField(label=_("证书编号"), max_length=32,
                             widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    name = forms.CharField(label=_("持证人姓名"), max_length=64, required=False,
                           help_text=_("填写姓名或证件号码后四位之一。"))
    id_last4 = forms.CharField(label=_("证件号码后四位"), max_length=4, required=False,
                               widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def clean(self):
        data = super().clean()
        if not (data.get("name") or data.get("id_last4")):
            raise forms.ValidationError(_("请填写持证人姓名或证件号码后四位。仅凭证书编号不显示任何信息。"))
        return data


class VerifyPdfForm(forms.Form):
    pdf = forms.FileField(label=_("电子证书 PDF 文件"), widget=forms.ClearableFileInput(attrs={"accept": ".pdf"}))


class ImportForm(forms.Form):
    xlsx = forms.FileField(label=_("证书数据（XLSX）"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
                           help_text=_("第一行为表头：证书编号、姓名、证件类型、证件号码、证书代码、等级、省份代码、发证日期。"))
