from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Province
from certificates.catalog.models import Certificate, Level
from core import form_fields
from core.choices import searchable
from fees.models import CostItem


class ItemsForm(forms.Form):
    """One amount and one basis note per cost item. Empty rows are items not claimed."""

    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, initial_items: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        initial_items = initial_items or {}
        for key, label in CostItem.choices:
            amount, basis = initial_items.get(key, ("", ""))
            self.fields[f"amount_{key}"] = forms.CharField(label=label, required=False, initial=amount,
                                                           widget=forms.TextInput(attrs={"inputmode": "decimal",
                                                                                         "class": "money"}))
            self.fields[f"basis_{key}"] = forms.CharField(label=_("测算依据"), required=False, initial=basis,
                                                          max_length=300)

    def rows(self):
        for key, label in CostItem.choices:
            yield {"key": key, "label": label, "amount": self[f"amount_{key}"], "basis": self[f"basis_{key}"]}

    def items(self) -> dict:
        return {key: (self.cleaned_data[f"amount_{key}"], self.cleaned_data[f"basis_{key}"])
                for key in CostItem.values if (self.cleaned_data.get(f"amount_{key}") or "").strip()}


class ProposalForm(ItemsForm):
    certificate = forms.ModelChoiceField(label=_("证书"), queryset=Certificate.objects.none())
    level = forms.ChoiceField(label=_("等级"), required=False,
                              choices=[("", _("各等级统一"))] + list(Level.choices),
                              help_text=_("各等级考核方式不同时，按等级分别提出。"))
    province = forms.ModelChoiceField(label=_("省份"), queryset=Province.objects.all())

    field_order = ["certificate", "level", "province"]

    def __init__(self, *args, certificates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["certificate"].queryset = certificates if certificates is not None else Certificate.objects.none()
        searchable(self, "certificate")


class VerifyForm(forms.Form):
    version = form_fields.IntegerField(widget=forms.HiddenInput)
    effective_from = forms.DateField(label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"}))


class PaymentForm(forms.Form):
    session = form_fields.IntegerField(widget=forms.HiddenInput)
    institution = form_fields.IntegerField(widget=forms.HiddenInput, required=False)
    person = form_fields.IntegerField(widget=forms.HiddenInput, required=False)
    amount = forms.CharField(label=_("支付金额（元）"), max_length=16)
    paid_on = forms.DateField(label=_("支付日期"), widget=forms.DateInput(attrs={"type": "date"}),
                              error_messages={"invalid": _("请填写有效的支付日期。"), "required": _("请填写支付日期。")})
    reference = forms.CharField(label=_("凭证号"), max_length=64, error_messages={"required": _("请填写支付凭证号。")})
