"""The certificates app's menu entries and workbench to-dos."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from core.navigation import Todo, register_nav, register_todo_provider


def _catalog_todos(actor) -> list[Todo]:
    from certificates.batches import selectors

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


def _org_certificates_section(actor, org) -> dict:
    from certificates.catalog.selectors import certificates_of_org

    # The profile is seen only by the ministry and the org itself, who may see every status.
    return {"certificates": certificates_of_org(org)}


def register() -> None:
    from organizations.hooks import register_org_profile_section

    register_org_profile_section("certificates/org_certificates_section.html", _org_certificates_section, order=10)
    register_nav(gettext_lazy("证书目录"), "certificates:catalog", None, order=20)
    register_nav(gettext_lazy("遴选批次"), "certificates:batches", (Role.MINISTRY, Role.ORG), order=25)
    register_todo_provider(_catalog_todos)
