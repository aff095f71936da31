from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.audit_display import action_choices
from accounts.models import Province, Role
from core import form_fields
from core.errors import AppError, Throttled


def add_app_error(form: forms.Form, error: AppError) -> None:
    """Show a refused action on the form: on its field when the form has it, else on top; every
    field a ``field_errors`` refusal names, each on its own field."""
    details = [d for d in error.details if isinstance(d, dict) and "message" in d and "row" not in d]
    for detail in details or [{"field": error.field, "message": str(error.message)}]:
        field = detail.get("field") if detail.get("field") in form.fields else None
        form.add_error(field, detail["message"])


def render_form(request, template_name: str, context: dict, *, refusal: AppError | None = None,
                status: int = 200) -> HttpResponse:
    """A form page shown again after ``refusal``: a throttled one answers 429 with its Retry-After."""
    if isinstance(refusal, Throttled):
        status = refusal.status
    response = render(request, template_name, context, status=status)
    for name, value in (refusal.headers if refusal is not None else {}).items():
        response[name] = value
    return response


class LoginForm(forms.Form):
    username = forms.CharField(label=_("用户名或手机号"), max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label=_("密码"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class OtpForm(forms.Form):
    token = forms.RegexField(label=_("动态验证码"), regex=r"^\s*\d{6}\s*$", max_length=12,
                             error_messages={"invalid": _("请输入 6 位数字验证码。")},
                             widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                           "autofocus": True}))


class ActivateForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    code = forms.CharField(label=_("一次性代码"), max_length=20, help_text=_("形如 ABCD-EFGH-JKLM，由创建账户的单位提供。"))
    password = forms.CharField(label=_("新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("确认新密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(label=_("电子邮箱"))


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("原密码"), strip=False, widget=forms.PasswordInput)
    new_password = forms.CharField(label=_("新密码"), strip=False, widget=forms.PasswordInput)
    new_password2 = forms.CharField(label=_("确认新密码"), strip=False, widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的密码不一致。"))
        return data


class StaffAccountForm(forms.Form):
    """An account the ministry creates directly: its colleagues and the provincial departments and
    agencies. (Org and institution accounts are created from the org's or institution's page.)"""

    username = forms.RegexField(label=_("用户名"), max_length=64, regex=r"^[A-Za-z0-9_.@-]+$",
                                error_messages={"invalid": _("用户名只能包含字母、数字和 _ . @ -。")})
    full_name = forms.CharField(label=_("姓名"), max_length=64)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    phone = form_fields.MobileField(label=_("手机号码"), required=False)
    role = forms.ChoiceField(label=_("角色"), choices=[(Role.MINISTRY, Role.MINISTRY.label),
                                                     (Role.PROVINCE, Role.PROVINCE.label),
                                                     (Role.PROVINCE_AGENCY, Role.PROVINCE_AGENCY.label)])
    province = forms.ModelChoiceField(label=_("省份"), queryset=Province.objects.all(), required=False,
                                      empty_label=_("（教育部账户不选）"))

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role in (Role.PROVINCE, Role.PROVINCE_AGENCY) and not data.get("province"):
            self.add_error("province", _("省级账户必须选择省份。"))
        if role == Role.MINISTRY:
            data["province"] = None
        return data


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("操作"), required=False)
    q = forms.CharField(label=_("搜索"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("操作名称、对象或说明")}))
    actor_name = forms.CharField(label=_("操作人"), required=False)
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    province = forms.ModelChoiceField(label=_("省份"), queryset=Province.objects.all(), required=False,
                                      empty_label=_("全部"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per request: the actions' names in the reader's language, in their order.
        self.fields["action"].choices = [("", _("全部")), *action_choices()]

