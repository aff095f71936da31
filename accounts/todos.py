"""The accounts app's part of the navigation and the workbench to-do list."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from accounts.selectors import users_manageable
from accounts.services import CREATABLE_ROLES
from core.navigation import Todo, register_nav, register_todo_provider


def _account_todos(actor) -> list[Todo]:

    todos = []
    unread = actor.user.notifications.filter(read_at__isnull=True).count()
    if unread:
        todos.append(Todo(title=_("未读消息"), url=reverse("accounts:notifications"), count=unread))
    if actor.role in CREATABLE_ROLES:
        pending = users_manageable(actor).filter(is_active=False, last_login__isnull=True).count()
        if pending:
            todos.append(Todo(title=_("已创建但尚未激活的账户"), url=reverse("accounts:users") + "?inactive=1",
                              count=pending))
        locked = sum(1 for u in users_manageable(actor).filter(locked_until__isnull=False) if u.is_locked)
        if locked:
            todos.append(Todo(title=_("因密码错误被锁定的账户"), url=reverse("accounts:users"), count=locked, urgent=True))
    return todos


def register() -> None:
    register_nav(gettext_lazy("消息中心"), "accounts:notifications", None, order=80, group="general")
    register_nav(gettext_lazy("账户管理"), "accounts:users", (Role.MINISTRY, Role.PROVINCE), order=85, group="account")
    register_nav(gettext_lazy("审计日志"), "accounts:audit_log", (Role.MINISTRY,), order=90, group="account")
    register_todo_provider(_account_todos)
