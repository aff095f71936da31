"""Menu entries and the workbench to-do of fees (registered from FeesConfig.ready)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.navigation import Todo, register_nav, register_todo_provider
from fees.selectors import NEGOTIATION_ROLES, PAYMENT_ROLES, threads_awaiting_verification

# Past this many waiting negotiations the workbench shows one line leading to the list.
_ONE_LINE_EACH = 5
# A proposal waiting this long for verification is marked urgent.
_URGENT_AFTER_DAYS = 30


def verification_todos(actor) -> list[Todo]:
    """The negotiations waiting for this actor's verification: each leads to its verification page
    (or, when there are many, one line to the list of those waiting)."""
    waiting = threads_awaiting_verification(actor)
    if not waiting:
        return []
    urgent = any((t.waiting_days or 0) >= _URGENT_AFTER_DAYS for t in waiting)
    if len(waiting) > _ONE_LINE_EACH:
        return [Todo(title=_("待核定的费用标准"), url=reverse("fees:index") + "?status=negotiating",
                     count=len(waiting), urgent=urgent)]
    return [Todo(title=_("待核定的费用标准：%(c)s（%(l)s，已等待 %(d)s 天）") % {
                "c": t.certificate.name, "l": t.get_level_display() or _("各等级统一"), "d": t.waiting_days},
                 url=reverse("fees:thread", args=[t.pk]), urgent=(t.waiting_days or 0) >= _URGENT_AFTER_DAYS)
            for t in waiting]


def register() -> None:
    register_nav(gettext_lazy("费用核定"), "fees:index", NEGOTIATION_ROLES, order=40, group="fees")
    register_nav(gettext_lazy("费用支付"), "fees:payments", PAYMENT_ROLES, order=41, group="fees")
    register_todo_provider(verification_todos)
