"""Menu entries and workbench to-dos of issued certificates (registered from CertificatesConfig.ready)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from core.navigation import Todo, register_nav, register_todo_provider


def issuance_todos(actor) -> list[Todo]:
    from accounts.scoping import scoped
    from certificates.issuance.models import IssuanceRequest
    from certificates.paper_copies.models import PaperCopyOrder

    todos = []
    if actor.role in (Role.ORG, Role.MINISTRY):
        blocked = scoped(IssuanceRequest, actor).filter(status__in=["blocked", "failed"]).count()
        if blocked:
            todos.append(Todo(title=_("合格考生的证书暂缓或发证失败，请处理"), url=reverse("issued:waiting") + "?status=blocked",
                              count=blocked, urgent=True))
    if actor.role == Role.ORG:
        orders = scoped(PaperCopyOrder, actor).filter(status__in=["ordered", "printed"]).count()
        if orders:
            todos.append(Todo(title=_("待打印或邮寄的纸质证书"), url=reverse("issued:paper_queue"), count=orders))
    return todos


def register() -> None:
    staff = (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY, Role.ORG, Role.INSTITUTION, Role.ALLIANCE)
    register_nav(gettext_lazy("我的证书"), "issued:mine", (Role.STUDENT,), order=20)
    register_nav(gettext_lazy("电子证书"), "issued:index", staff, order=40)
    register_nav(gettext_lazy("发证批次"), "issued:batches", (Role.ORG, Role.MINISTRY), order=41)
    register_nav(gettext_lazy("纸质证书"), "issued:paper_queue", (Role.ORG,), order=42)
    register_nav(gettext_lazy("证书查验"), "verify:form", None, order=90)
    register_todo_provider(issuance_todos)
