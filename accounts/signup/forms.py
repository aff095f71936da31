"""The sign-up forms parse and check each field (all errors at once); the rules are in services."""

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.identity import normalize_name
from accounts.models import IdType, User
from accounts.services import id_number_normalize
from accounts.signup.services import phone_normalize
from core.errors import AppError


def _checked(normalize, value):
    try:
        return normalize(value)
    except AppError as error:
        raise ValidationError(str(error.message), code=error.code) from None


class SignUpForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64, help_text=_("与证件上的姓名一致。"),
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices, initial=IdType.RESIDENT_ID)
    id_number = forms.CharField(label=_("证件号码"), max_length=40,
                                help_text=_("居民身份证为 18 位，末位 X 大小写均可。"),
                                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    phone = forms.CharField(label=_("手机号码"), max_length=20, help_text=_("用于接收验证码，也是您的登录名。"),
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))
    password = forms.CharField(label=_("密码"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("确认密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    activation_code = forms.CharField(
        label=_("激活码（选填）"), max_length=20, required=False,
        help_text=_("院校已为您开通账户并给了激活码的，请填写：注册即认领该账户及其中的报名和证书。"))
    consent = forms.BooleanField(label=_("我已阅读并同意《个人信息保护政策》"), required=True,
                                 error_messages={"required": _("请阅读并同意《个人信息保护政策》后再注册。")})

    def clean_name(self):
        return _checked(normalize_name, self.cleaned_data["name"])

    def clean_phone(self):
        return _checked(phone_normalize, self.cleaned_data["phone"])

    def clean(self):
        data = super().clean()
        if data.get("id_type") and data.get("id_number"):
            try:
                data["id_number"] = id_number_normalize(id_type=data["id_type"], id_number=data["id_number"])
            except AppError as error:
                self.add_error("id_number", str(error.message))
        password = data.get("password")
        if password and password != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        elif password:
            try:
                password_validation.validate_password(password, User(username=data.get("phone") or "",
                                                                     full_name=data.get("name") or ""))
            except ValidationError as exc:
                self.add_error("password", exc)
        return data

    @property
    def notice_version(self) -> str:
        return settings.PRIVACY_NOTICE_VERSION


class SignUpCodeForm(forms.Form):
    code = forms.RegexField(label=_("短信验证码"), regex=r"^\s*\d{6}\s*$", max_length=12,
                            error_messages={"invalid": _("请输入短信中的 6 位数字验证码。")},
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                          "autofocus": True}))
