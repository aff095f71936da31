"""What a notification says, in its reader's language (issue #16).

A notification keeps its kind (a code) and its parameters (JSON), never its wording: the wording is
a translatable template registered here by the app that sends it (from its ``notification_kinds``
module, imported by its AppConfig.ready), and is filled in when the notification is read, in the
reader's active language. Parameters are names, numbers and dates as they are; a translatable label
(a choice's ``.label``, a ``gettext_lazy`` text) is kept as its msgid and translated when read; an
object (a model instance) is kept as a reference and named when read, in the reader's language (its
name as sent stands in once the object is gone).
Notifications stored before kinds existed have no kind and are shown with their stored text.
"""

import datetime
import decimal
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Model
from django.utils.functional import Promise
from django.utils.translation import gettext, override


@dataclass(frozen=True)
class NotificationKind:
    code: str
    title: Promise | str
    body: Promise | str = ""


KINDS: dict[str, NotificationKind] = {}
_MSGID = "msgid"  # a parameter kept as {"msgid": ...}: translated when read
_OBJECT = "object"  # a parameter kept as {"object": "app.model", "pk": ..., "name": ...}: named when read


def register_notification_kinds(kinds: dict[str, tuple]) -> None:
    """``kinds``: code → (title template, body template); templates take ``%(name)s`` parameters.
    A body template that is only a parameter (someone's own words) need not be translatable."""
    for code, (title, *body) in kinds.items():
        KINDS[code] = NotificationKind(code, title, body[0] if body else "")


def notification_kind(code: str) -> NotificationKind:
    try:
        return KINDS[code]
    except KeyError:
        raise ValueError(f"notification kind {code!r} is not registered (accounts.notification_kinds)") from None


def _stored(value):
    if isinstance(value, Promise):
        with override("zh-hans"):  # the source language: a Chinese msgid is its own Chinese text
            return {_MSGID: str(value)}
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, decimal.Decimal):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Model):  # its name may hold translated words (a level): named when read
        return {_OBJECT: value._meta.label_lower, "pk": value.pk, "name": str(value)}
    return str(value)


def stored_params(kind: str, params: dict | None) -> dict:
    """The parameters as a notification keeps them; fails on an unknown kind or a missing parameter."""
    params = {key: _stored(value) for key, value in (params or {}).items()}
    render(kind, params)  # a template's missing parameter shows here, when sending, not when reading
    return params


def _read(value):
    if isinstance(value, dict) and _MSGID in value:
        return gettext(value[_MSGID])
    if isinstance(value, dict) and _OBJECT in value:
        try:
            obj = apps.get_model(value[_OBJECT])._default_manager.filter(pk=value.get("pk")).first()
        except (LookupError, ValueError):
            obj = None
        return str(obj) if obj is not None else value.get("name", "")
    return "" if value is None else value


def render(kind: str, params: dict) -> tuple[str, str]:
    """(title, body) of a notification of ``kind`` in the active language."""
    spec = notification_kind(kind)
    values = {key: _read(value) for key, value in (params or {}).items()}
    return str(spec.title) % values, (str(spec.body) % values if spec.body else "")
