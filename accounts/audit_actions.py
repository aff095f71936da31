"""The audit actions of accounts, named for the audit log (accounts.audit_labels; issue #16)."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.audit_labels import (
    register_audit_actions,
    register_audit_fields,
    register_audit_formatter,
    register_audit_object,
    register_audit_object_names,
    register_audit_references,
    register_audit_values,
)
from accounts.models import Role, SignUp

register_audit_actions("accounts.user", {
    "account.created": _("创建账户"),
    "account.role_granted": _("授予角色"),
    "account.code_issued.activate": _("签发激活码"),
    "account.code_issued.reset": _("签发重置密码验证码"),
    "account.activated": _("激活账户"),
    "account.password_reset": _("重置密码"),
    "account.password_changed": _("修改密码"),
    "account.enabled": _("启用账户"),
    "account.disabled": _("停用账户"),
    "account.unlocked": _("解锁账户"),
    "account.locked": _("账户因多次登录失败被锁定"),
    "account.2fa_enrolled": _("启用动态验证码"),
})
register_audit_actions("accounts.person", {"person.renamed": _("更正姓名")})
register_audit_object("accounts.activationcode", _("激活码"))
register_audit_fields({
    "role": _("角色"),
    "scope_id": _("管辖范围编号"),
    "activation_code": _("激活码"),
    "users": _("账户"),
    "person": _("人员"),
    "name": _("名称"),
    "rows": _("行数"),
    "version": _("版本"),
    "month": _("月份"),
    "trigger": _("触发方式"),
    "status": _("状态"),
    "count": _("数量"),
    "size": _("文件大小（字节）"),
})
register_audit_fields({"name": _("姓名")}, model="accounts.person")
register_audit_values("role", dict(Role.choices))
register_audit_values("activation_code", {"issued": _("已签发")})
register_audit_values("trigger", {"schedule": _("每月定时"), "manual": _("手动")})
register_audit_references({"person": "accounts.person"})


def _account(pair) -> str:
    """A bulk creation lists its accounts as [id, username]."""
    return str(pair[1]) if isinstance(pair, list) and len(pair) == 2 else str(pair)


register_audit_formatter("accounts.user", "users", _account)
# Accounts created in bulk (accounts.bulk_people): one entry names them by their number. Only a list
# of accounts counts; an entry for one account keeps its username.
register_audit_object_names({"account.created": lambda changes: gettext("%(n)d 个学生账户") % {
    "n": len(changes["users"][1])}})

# Social learners' sign-up (accounts/signup): started (what proving the phone will do), then done.
register_audit_actions("accounts.user", {
    "account.signup_started": _("自助注册：提交注册信息"),
    "account.signed_up": _("自助注册：验证手机号，新建账户"),
    "account.claimed": _("自助注册：验证手机号，认领原有人员记录"),
})
register_audit_object("accounts.signup", _("自助注册"))
register_audit_fields({"outcome": _("结果"), "refusal": _("不建账户的原因"), "notice_version": _("隐私政策版本")})
register_audit_values("outcome", dict(SignUp.Outcome.choices))
register_audit_values("refusal", dict(SignUp.Refusal.choices))
