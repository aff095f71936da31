"""Menu entries and workbench to-dos of issued certificates (registered from CertificatesConfig.ready)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from certificates.issuance.selectors import STAFF, issuance_waiting
from core.navigation import Todo, register_nav, register_todo_provider


def issuance_todos(actor) -> list[Todo]:
    if actor.role not in (Role.ORG, Role.MINISTRY):
        return []
    blocked = issuance_waiting(actor=actor).filter(status__in=["blocked", "failed"]).count()
    if not blocked:
        return []
    return [Todo(title=_("合格考生的证书暂缓或发证失败，请处理"), url=reverse("issued:waiting") + "?status=blocked",
                 count=blocked, urgent=True)]


def register() -> None:
    register_nav(gettext_lazy("我的证书"), "issued:mine", (Role.STUDENT,), order=20, group="certificates")
    register_nav(gettext_lazy("电子证书"), "issued:index", STAFF, order=40, group="certificates")
    register_nav(gettext_lazy("发证批次"), "issued:batches", (Role.ORG, Role.MINISTRY), order=41, group="certificates")
    register_nav(gettext_lazy("证书查验"), "verify:form", None, order=90, group="certificates")
    register_todo_provider(issuance_todos)
