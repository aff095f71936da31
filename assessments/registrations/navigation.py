"""The to-do of registrations, registered from AssessmentsConfig.ready()."""

from django.urls import reverse
from django.utils.translation import gettext as _

from assessments.registrations.selectors import name_mismatch_count
from core.navigation import Todo, register_todo_provider


def registration_todos(actor) -> list[Todo]:
    """An institution: registered names that differ from the person's name on file, to confirm."""
    mismatches = name_mismatch_count(actor)
    if not mismatches:
        return []
    return [Todo(title=_("报名姓名与平台记录不一致，待确认"),
                 url=f"{reverse('assessments:registrations')}?name_mismatch=on", count=mismatches)]


def register() -> None:
    register_todo_provider(registration_todos)
