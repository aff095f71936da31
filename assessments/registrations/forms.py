import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import IdType
from assessments.models import Registration
from certificates.catalog.models import Certificate
from core import form_fields


class RegistrationForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices, initial=IdType.RESIDENT_ID)
    id_number = form_fields.IdNumberField(label=_("证件号码"), max_length=32,
                                          widget=forms.TextInput(attrs={"autocomplete": "off"}))
    major_name = forms.CharField(label=_("专业名称"), max_length=64)
    major_code = form_fields.CodeField(label=_("专业代码"), max_length=16, required=False)


class NameConfirmForm(forms.Form):
    choice = forms.ChoiceField(label=_("以哪个姓名为准"), widget=forms.RadioSelect, choices=[
        ("record", _("平台已有记录的姓名正确（报名时填错）")), ("given", _("报名填写的姓名正确（更正平台记录）"))])
    reason = forms.CharField(label=_("说明"), max_length=200, required=False,
                             help_text=_("更正平台记录时必填，如：已核对身份证原件。"))


class ReviewRequestForm(forms.Form):
    """A candidate asks, on their registration page, for a review of their score."""

    reason = forms.CharField(label=_("复核理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


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
