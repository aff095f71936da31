"""Menu entries and workbench to-dos of sessions, registrations and score reviews, registered from
AssessmentsConfig.ready()."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def session_todos(actor):
    """An org: score reviews to answer, held sessions to finalize; an institution: names to confirm."""
    from assessments.registrations import selectors as registrations_selectors
    from assessments.results import selectors as results_selectors
    from core.navigation import Todo

    todos = []
    reviews = results_selectors.reviews_open_count(actor)
    if reviews:
        todos.append(Todo(title=_("待答复的成绩复核"), url=f"{reverse('assessments:reviews')}?status=requested",
                          count=reviews, urgent=True))
    held = results_selectors.sessions_awaiting_finalization(actor)
    if held:
        todos.append(Todo(title=_("已考核、成绩待确认的考核批次"), url=reverse("assessments:sessions"), count=held))
    mismatches = registrations_selectors.name_mismatch_count(actor)
    if mismatches:
        todos.append(Todo(title=_("报名姓名与平台记录不一致，待确认"),
                          url=f"{reverse('assessments:registrations')}?name_mismatch=on", count=mismatches))
    return todos


def register() -> None:
    from accounts.models import Role
    from core.navigation import register_nav, register_todo_provider

    staff = (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY)
    register_nav(gettext_lazy("考核批次"), "assessments:sessions",
                 (*staff, Role.INSTITUTION, Role.ALLIANCE, Role.ORG, Role.STUDENT), order=45)
    register_nav(gettext_lazy("考点"), "assessments:sites", (*staff, Role.ORG), order=46)
    register_nav(gettext_lazy("考核报名"), "assessments:registrations",
                 (*staff, Role.INSTITUTION, Role.ALLIANCE, Role.ORG), order=47)
    register_nav(gettext_lazy("我的考核"), "assessments:my_registrations", (Role.STUDENT,), order=47)
    register_nav(gettext_lazy("成绩复核"), "assessments:reviews", (Role.MINISTRY, Role.ORG), order=48)
    register_todo_provider(session_todos)
