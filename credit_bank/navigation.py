"""Menu entries and workbench to-dos of the credit bank (registered from CreditBankConfig.ready, once
the models are loaded). Which roles see the menu entry is configuration; the to-dos follow the
credit bank's own access decision (credit_bank.selectors.credit_bank_access)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from core.navigation import Todo, register_nav, register_todo_provider
from credit_bank import selectors
from credit_bank.models import Conversion


def credit_todos(actor) -> list[Todo]:
    if not selectors.credit_bank_access(actor).may.write:
        return []
    todos = []
    pending = selectors.conversion_list(actor=actor, status=Conversion.Status.REQUESTED).count()
    if pending:
        todos.append(Todo(title=_("待审核的学分转换申请"), url=reverse("credit:requests") + "?status=requested",
                          count=pending))
    flagged = selectors.conversion_list(actor=actor, flagged=True).count()
    if flagged:
        todos.append(Todo(title=_("依据证书已撤销的学分转换，请复核"), url=reverse("credit:requests") + "?flagged=1",
                          count=flagged, urgent=True))
    return todos


def register() -> None:
    register_nav(gettext_lazy("学分银行"), "credit:account", (Role.STUDENT,), order=21, group="credit_bank")
    register_nav(gettext_lazy("学分银行"), "credit:index",
                 (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY, Role.INSTITUTION, Role.ALLIANCE), order=45,
                 group="credit_bank")
    register_todo_provider(credit_todos)
