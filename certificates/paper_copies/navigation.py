"""The print queue's menu entry and workbench to-do (registered from CertificatesConfig.ready)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from certificates.paper_copies.selectors import paper_orders
from core.navigation import Todo, register_nav, register_todo_provider


def paper_copy_todos(actor) -> list[Todo]:
    if actor.role != Role.ORG:
        return []
    orders = paper_orders(actor=actor).filter(status__in=["ordered", "printed"]).count()
    if not orders:
        return []
    return [Todo(title=_("待打印或邮寄的纸质证书"), url=reverse("issued:paper_queue"), count=orders)]


def register() -> None:
    register_nav(gettext_lazy("纸质证书"), "issued:paper_queue", (Role.ORG,), order=42, group="certificates")
    register_todo_provider(paper_copy_todos)
