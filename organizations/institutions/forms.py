"""Forms of the institution registry: they parse input; the rules live in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Province
from core import form_fields
from organizations.institutions.models import Alliance, Institution


class InstitutionForm(forms.Form):
    name = forms.CharField(label=_("院校名称"), max_length=200)
    # Longer than 10 so that a wrong length reaches the service, which says precisely what is wrong.
    school_code = form_fields.CodeField(label=_("学校标识码"), max_length=32,
                                        help_text=_("教育部颁发的 10 位学校标识码。"),
                                        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    institution_type = forms.ChoiceField(label=_("院校类型"), choices=Institution.InstitutionType.choices)
    city = forms.CharField(label=_("所在城市"), max_length=64, required=False)
    alliance = forms.ModelChoiceField(label=_("所属院校联盟"), queryset=Alliance.objects.none(), required=False,
                                      empty_label=_("（不属于院校联盟）"))

    def __init__(self, *args, alliances=None, **kwargs):
        super().__init__(*args, **kwargs)
        if alliances is not None:
            self.fields["alliance"].queryset = alliances


class InstitutionAccountForm(forms.Form):
    username = forms.RegexField(label=_("用户名"), max_length=64, regex=r"^[A-Za-z0-9_.@-]+$",
                                error_messages={"invalid": _("用户名只能包含字母、数字和 _ . @ -。")})
    full_name = forms.CharField(label=_("姓名"), max_length=64)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    phone = form_fields.MobileField(label=_("手机号码"), required=False)


class InstitutionFilterForm(forms.Form):
    q = forms.CharField(label=_("查找"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("名称、学校标识码或城市")}))
    institution_type = forms.ChoiceField(label=_("类型"), required=False,
                                         choices=[("", _("全部"))] + list(Institution.InstitutionType.choices))
    province = forms.ModelChoiceField(label=_("省份"), queryset=Province.objects.all(), required=False,
                                      empty_label=_("全部"), to_field_name="code")
