"""What the audit log calls things, in the reader's language (issue #16).

One registry, filled by every app from its ``audit_actions`` module (imported by its AppConfig.ready,
so accounts never imports a higher app): each action code with its translatable name and the model of
the object it concerns; labels for the keys of ``changes`` that are not fields of that model (or whose
field has no translated verbose_name); the labels of coded values; and which keys hold the id of
another object. The list page, its filter and the XLSX export all read it, through
``accounts.audit_display``. Recording an unregistered action fails outside production
(``accounts.audit``), and a test checks every call site.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class AuditAction:
    code: str
    label: Promise
    model: str  # app_label.modelname of the object the action concerns


ACTIONS: dict[str, AuditAction] = {}
OBJECT_LABELS: dict[str, Promise] = {}
FIELD_LABELS: dict[tuple[str, str], Promise] = {}  # (model or "", key) → label
VALUE_LABELS: dict[str, dict[str, Promise]] = {}  # key → {code: label}
REFERENCES: dict[str, str] = {}  # key → model whose id it holds
FORMATTERS: dict[tuple[str, str], Callable[[object], str]] = {}  # (model, key) → one value as text
OBJECT_NAMES: dict[str, Callable[[dict], str]] = {}  # action → its object's name, from the entry's changes


def register_audit_actions(model: str, actions: dict[str, Promise]) -> None:
    """``actions``: code → translatable name, all concerning objects of ``model`` (``app.model``)."""
    for code, label in actions.items():
        known = ACTIONS.get(code)
        if known is not None and known.model != model:
            raise ValueError(f"audit action {code} registered for {known.model} and {model}")
        ACTIONS[code] = AuditAction(code, label, model)


def register_audit_object(model: str, label: Promise) -> None:
    """The name of a model whose verbose_name is not translated (Django's English default)."""
    OBJECT_LABELS[model] = label


def register_audit_fields(fields: dict[str, Promise], model: str = "") -> None:
    """Labels of ``changes`` keys: for one model, or (``model=""``) wherever the key is not a
    translated field of the entry's model."""
    for key, label in fields.items():
        FIELD_LABELS[(model, key)] = label


def register_audit_values(key: str, values: dict[str, Promise]) -> None:
    """Labels of the coded values a key takes (when its model field has no choices to say them)."""
    VALUE_LABELS.setdefault(key, {}).update(values)


def register_audit_references(references: dict[str, str]) -> None:
    """Keys whose values are ids of another model's objects, shown by that object's name."""
    REFERENCES.update(references)


def register_audit_formatter(model: str, key: str, formatter: Callable[[object], str]) -> None:
    """How one value (one item of a list) of ``key`` on ``model`` reads, when it packs several codes."""
    FORMATTERS[(model, key)] = formatter


def register_audit_object_names(names: dict[str, Callable[[dict], str]]) -> None:
    """How the object of an action that concerns many objects at once reads ("12 个学生账户"), worded
    when read from the entry's ``changes``; the name kept in the entry (in the actor's language)
    stands in when the changes do not say (the namer raises KeyError, TypeError, ValueError or IndexError)."""
    OBJECT_NAMES.update(names)


def is_registered(code: str) -> bool:
    return code in ACTIONS


def action_label(code: str) -> str:
    action = ACTIONS.get(code)
    return str(action.label) if action else code
