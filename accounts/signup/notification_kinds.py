"""What sign-up tells an account's holder, worded when read (accounts.notification_kinds)."""

from django.utils.translation import gettext_lazy as _

from accounts.notification_kinds import register_notification_kinds

register_notification_kinds({
    "account.signup_attempt": (
        _("有人尝试用您的证件号码或手机号注册新账户"),
        _("有人在平台注册页面填写了您的证件号码或手机号。您的账户不受影响；如非本人操作，"
          "请留意个人信息安全，必要时修改密码。"),
    ),
})
