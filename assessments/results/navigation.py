"""The to-do of score reviews, registered from AssessmentsConfig.ready()."""

from django.urls import reverse
from django.utils.translation import gettext as _

from assessments.results.selectors import reviews_open_count
from core.navigation import Todo, register_todo_provider


def review_todos(actor) -> list[Todo]:
    """An org: score reviews to answer."""
    reviews = reviews_open_count(actor)
    if not reviews:
        return []
    return [Todo(title=_("待答复的成绩复核"), url=f"{reverse('assessments:reviews')}?status=requested",
                 count=reviews, urgent=True)]


def register() -> None:
    register_todo_provider(review_todos)
