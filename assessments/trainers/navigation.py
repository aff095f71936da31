"""The to-do of trainer qualifications, registered from AssessmentsConfig.ready()."""

from django.urls import reverse
from django.utils.translation import gettext as _

from assessments.trainers.selectors import trainers_pending_count
from core.navigation import Todo, register_todo_provider


def trainer_todos(actor) -> list[Todo]:
    """An org's workbench: trainer records waiting for its confirmation."""
    count = trainers_pending_count(actor)
    if not count:
        return []
    return [Todo(title=_("待确认的培训师记录"), url=f"{reverse('assessments:trainers')}?status=pending", count=count)]


def register() -> None:
    register_todo_provider(trainer_todos)
