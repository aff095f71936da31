from django import forms
from django.utils.translation import gettext_lazy as _

from core import form_fields


class PaperOrderForm(forms.Form):
    recipient = forms.CharField(label=_("收件人"), max_length=64, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = form_fields.PhoneField(label=_("联系电话"), max_length=20,
                                   widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))
    address = forms.CharField(label=_("邮寄地址"), max_length=200,
                              widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "street-address"}))
    postcode = form_fields.CodeField(label=_("邮政编码"), max_length=6, required=False,
                                     widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}))


class PaperOfferForm(forms.Form):
    price = form_fields.DecimalField(label=_("纸质证书价格（元，含邮费）"), max_digits=6, decimal_places=2, min_value=0,
                                     help_text=_("含打印和邮寄费用，不得超过 40 元。"))


class MailForm(forms.Form):
    carrier = forms.CharField(label=_("快递公司"), max_length=32)
    tracking_number = form_fields.CodeField(label=_("快递单号"), max_length=40)
