"""One access decision per object (design rule 2).

A feature's selector fetches an object inside the actor's scope and returns it as an ``Access``:
the object, the actor's relations to the person it is about (for the personal-data policy), and
what the actor may do with it ("write", "download_pdf", "order_paper_copy"…). Views, API views,
templates and exports read ``access.may`` and ``access.show(...)``; none compares roles itself, and
the HTML form and the API endpoint of one operation ask the same ``Access``.

In templates: ``{% if access.may.write %}`` and ``{% shown access "id_number" value %}``.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from accounts import personal_data
from accounts.personal_data import Field, Relation, Shown
from core.errors import Forbidden

T = TypeVar("T")


class Permissions(frozenset):
    """The actions an actor may take on one object. ``"write" in may`` in Python, and
    ``may.write`` in templates (an unknown action is simply not allowed)."""

    def __getattr__(self, action: str) -> bool:
        if action.startswith("__"):
            raise AttributeError(action)
        return action in self


@dataclass(frozen=True)
class Access(Generic[T]):
    obj: T
    relations: frozenset[Relation] = field(default_factory=frozenset)
    may: Permissions = field(default_factory=Permissions)
    # Whether results behind this object are released (the session is finalized): scores.
    released: bool = True

    def __post_init__(self):
        if not isinstance(self.may, Permissions):
            object.__setattr__(self, "may", Permissions(self.may))

    def require(self, action: str, message=None) -> T:
        """The object, or 403 when the actor may not ``action`` it."""
        if action not in self.may:
            raise Forbidden(message)
        return self.obj

    def shown(self, field_: Field | str) -> Shown:
        return personal_data.shown(Field(field_), self.relations, released=self.released)

    def show(self, field_: Field | str, value):
        """``value`` of a personal field as this actor may see it (full, masked, or None)."""
        return personal_data.render(Field(field_), self.relations, value, released=self.released)


# --- the registry the access matrix test reads ------------------------------------------------------

_DECISIONS: dict[type, Callable] = {}


def decides_access(model: type):
    """Register ``fn(actor, obj) -> Access``, the one decision for objects of ``model`` (raising
    NotInScope outside the actor's scope). Views reach it through their feature's selector; the
    access matrix test asks the same function, so what it checks is what the views use."""
    def register(fn):
        _DECISIONS[model] = fn
        return fn
    return register


def access_decision_for(model: type) -> Callable | None:
    return _DECISIONS.get(model)
