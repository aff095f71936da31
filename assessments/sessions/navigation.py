"""Menu entries of the session pipeline and the to-do of held sessions, registered from
AssessmentsConfig.ready(). Registrations and results register their own to-dos."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from assessments.sessions.selectors import sessions_awaiting_finalization
from core.navigation import Todo, register_nav, register_todo_provider


def session_todos(actor) -> list[Todo]:
    """An org: held sessions whose results are still to be finalized."""
    held = sessions_awaiting_finalization(actor)
    if not held:
        return []
    return [Todo(title=_("已考核、成绩待确认的考核批次"), url=reverse("assessments:sessions"), count=held)]


def register() -> None:
    # Menu entries by role are configuration: the pages themselves ask the selectors.
    staff = (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY)
    register_nav(gettext_lazy("考核批次"), "assessments:sessions",
                 (*staff, Role.INSTITUTION, Role.ALLIANCE, Role.ORG, Role.STUDENT), order=45, group="assessment")
    register_nav(gettext_lazy("考点"), "assessments:sites", (*staff, Role.ORG), order=46, group="assessment")
    register_nav(gettext_lazy("考核报名"), "assessments:registrations",
                 (*staff, Role.INSTITUTION, Role.ALLIANCE, Role.ORG), order=47, group="assessment")
    register_nav(gettext_lazy("我的考核"), "assessments:my_registrations", (Role.STUDENT,), order=47, group="assessment")
    register_nav(gettext_lazy("成绩复核"), "assessments:reviews", (Role.MINISTRY, Role.ORG), order=48, group="assessment")
    register_todo_provider(session_todos)
