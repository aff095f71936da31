"""Forms of the organizations app: they parse input; the rules live in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core import form_fields
from organizations.orgs.models import Org


def _with_empty(choices, label=_("全部")):
    return [("", label), *choices]


class OrgFilterForm(forms.Form):
    q = forms.CharField(label=_("名称、信用代码或组织编码"), required=False)
    org_type = forms.ChoiceField(label=_("类型"), required=False, choices=_with_empty(Org.OrgType.choices))
    status = forms.ChoiceField(label=_("状态"), required=False, choices=_with_empty(Org.Status.choices))
    batch_number = form_fields.IntegerField(label=_("遴选批次"), required=False, min_value=1, max_value=99)
    seal = forms.ChoiceField(label=_("电子公章"), required=False,
                             choices=[("", _("全部")), ("yes", _("已上传")), ("no", _("未上传"))])

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value not in ("", None)}


class OrgForm(forms.Form):
    """The registry facts of an org. Status is not here: supervision actions change it."""

    name = forms.CharField(label=_("组织名称"), max_length=128)
    credit_code = form_fields.CodeField(label=_("统一社会信用代码"), max_length=24,
                                        help_text=_("18 位，按 GB 32100 校验最后一位。"))
    org_type = forms.ChoiceField(label=_("类型"), choices=Org.OrgType.choices)
    batch_number = form_fields.IntegerField(label=_("遴选批次"), required=False, min_value=1, max_value=99,
                                            help_text=_("选中该组织的遴选批次，如 1、2、3、4。"))
    contact_name = forms.CharField(label=_("联系人"), max_length=64, required=False)
    contact_phone = form_fields.PhoneField(label=_("联系电话"), max_length=32, required=False)
    contact_email = forms.EmailField(label=_("联系邮箱"), required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    website = forms.CharField(label=_("网站"), max_length=200, required=False, help_text=_("以 http:// 或 https:// 开头。"))

    @classmethod
    def for_org(cls, org: Org, data=None):
        initial = {name: getattr(org, name) for name in cls.base_fields}
        return cls(data, initial=initial)


class OrgAccountForm(forms.Form):
    """An account for a member of the org's staff, created by the ministry."""

    username = forms.RegexField(label=_("用户名"), max_length=64, regex=r"^[A-Za-z0-9_.@-]+$",
                                error_messages={"invalid": _("用户名只能包含字母、数字和 _ . @ -。")})
    full_name = forms.CharField(label=_("姓名"), max_length=64)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    phone = form_fields.MobileField(label=_("手机号码"), required=False)
