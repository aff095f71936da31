"""Menu entries and workbench to-dos of the credit bank (registered from CreditBankConfig.ready)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from core.navigation import Todo, register_nav, register_todo_provider

STAFF = (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY, Role.INSTITUTION, Role.ALLIANCE)


def credit_todos(actor) -> list[Todo]:
    from accounts.scoping import scoped
    from credit_bank.models import Conversion

    if actor.role not in (Role.INSTITUTION, Role.ALLIANCE):
        return []
    todos = []
    conversions = scoped(Conversion, actor)
    pending = conversions.filter(status=Conversion.Status.REQUESTED).count()
    if pending:
        todos.append(Todo(title=_("待审核的学分转换申请"), url=reverse("credit:requests") + "?status=requested",
                          count=pending))
    flagged = conversions.filter(flagged_at__isnull=False, status__in=Conversion.OPEN_STATUSES).count()
    if flagged:
        todos.append(Todo(title=_("依据证书已撤销的学分转换，请复核"), url=reverse("credit:requests") + "?flagged=1",
                          count=flagged, urgent=True))
    return todos


def register() -> None:
    register_nav(gettext_lazy("学分银行"), "credit:account", (Role.STUDENT,), order=21)
    register_nav(gettext_lazy("学分银行"), "credit:index", STAFF, order=45)
    register_todo_provider(credit_todos)
