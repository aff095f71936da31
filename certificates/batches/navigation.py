"""The selection batches' menu entry and workbench to-dos (registered from CertificatesConfig.ready)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from certificates.batches import selectors
from core.navigation import Todo, register_nav, register_todo_provider


def _batch_todos(actor) -> list[Todo]:
    todos = []
    if actor.role == Role.MINISTRY:
        due = selectors.items_awaiting_decision(actor)
        if due:
            todos.append(Todo(title=_("公示期满、待作出遴选决定的申报证书"),
                              url=reverse("certificates:batches"), count=due, urgent=True))
    elif actor.role == Role.ORG:
        for batch in selectors.open_batches():
            if selectors.application_of_org(actor, batch) is None:
                todos.append(Todo(title=_("%(batch)s正在申报") % {"batch": batch.name},
                                  url=reverse("certificates:batch_detail", args=[batch.number])))
    return todos


def register() -> None:
    register_nav(gettext_lazy("遴选批次"), "certificates:batches", (Role.MINISTRY, Role.ORG), order=25, group="certificates")
    register_todo_provider(_batch_todos)
