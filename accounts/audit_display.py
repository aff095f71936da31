"""The audit log as its reader reads it (issue #16): actions, objects, fields and values named in the
active language, from the registry in ``accounts.audit_labels``. The list page and the XLSX export both
take their rows from ``audit_rows``, so they say the same thing.

Entries keep codes, ids and language-neutral values (names, numbers, ISO dates); every word is added
here, at read time. Objects that had no name of their own when recorded ("X object (3)") show as
their kind and number.
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import ForeignObjectRel, Model
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from accounts.audit_labels import (
    ACTIONS,
    FIELD_LABELS,
    FORMATTERS,
    OBJECT_LABELS,
    OBJECT_NAMES,
    REFERENCES,
    VALUE_LABELS,
    action_label,
)
from accounts.models import AuditEntry, Role

_NAMELESS = re.compile(r"^\w+ object \((?P<pk>[^)]*)\)$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
LIST_SHOWN = 20  # a bulk entry lists thousands of rows: the first ones and a count


@dataclass
class AuditChange:
    field: str
    before: str
    after: str


@dataclass
class AuditRow:
    entry: AuditEntry
    action: str
    actor: str
    role: str
    object_type: str
    object: str
    changes: list[AuditChange]

    def changes_text(self) -> str:
        return "\n".join(f"{c.field}：{c.before} → {c.after}" for c in self.changes)


def _model(label: str) -> type[Model] | None:
    try:
        return apps.get_model(label) if label else None
    except (LookupError, ValueError):
        return None


def _field(model, key):
    if model is None:
        return None
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    return None if isinstance(field, ForeignObjectRel) else field  # "levels" is a key, not the reverse relation


def object_type_label(object_type: str) -> str:
    if object_type in OBJECT_LABELS:
        return str(OBJECT_LABELS[object_type])
    model = _model(object_type)
    if model is not None and isinstance(model._meta.verbose_name, Promise):
        return str(model._meta.verbose_name)
    return ""


def field_label(object_type: str, key: str) -> str:
    field = _field(_model(object_type), key)
    if field is not None and isinstance(getattr(field, "verbose_name", None), Promise):
        return str(field.verbose_name)
    label = FIELD_LABELS.get((object_type, key)) or FIELD_LABELS.get(("", key))
    return str(label) if label is not None else key


def _reference_model(object_type: str, key: str) -> str:
    field = _field(_model(object_type), key)
    if field is not None and field.is_relation and field.related_model is not None:
        return field.related_model._meta.label_lower
    return REFERENCES.get(key, "")


def action_choices() -> list[tuple[str, str]]:
    """Every registered action, by its name in the active language."""
    return sorted(((code, str(a.label)) for code, a in ACTIONS.items()), key=lambda c: c[1])


def actions_matching(text: str) -> list[str]:
    """Codes of the actions whose name (in the active language) contains ``text``."""
    text = text.strip().casefold()
    return [code for code, a in ACTIONS.items() if text and text in str(a.label).casefold()]


class _Names:
    """Names of referenced objects, looked up once per model for a page of entries."""

    def __init__(self):
        self.wanted: dict[str, set] = defaultdict(set)
        self.names: dict[tuple[str, str], str] = {}
        self.objects: dict[tuple[str, str], Model] = {}

    def want(self, model: str, value) -> None:
        if value is None or isinstance(value, bool):
            return
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, int) or (isinstance(v, str) and v.isdigit()):
                self.wanted[model].add(int(v))

    def load(self) -> None:
        for label, ids in self.wanted.items():
            model = _model(label)
            if model is None:
                continue
            for pk, obj in model._default_manager.in_bulk(list(ids)).items():
                self.objects[(label, str(pk))] = obj
                self.names[(label, str(pk))] = str(obj)

    def name(self, model: str, value) -> str | None:
        return self.names.get((model, str(value)))

    def plain_names(self, model: str, value) -> set[str]:
        """The object's name in each language of the portal (what an entry may have kept as its name)."""
        obj = self.objects.get((model, str(value)))
        if obj is None:
            return set()
        names = set()
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                names.add(str(obj)[:200])
        return names


def value_text(object_type: str, key: str, value, names: _Names | None = None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    formatter = FORMATTERS.get((object_type, key))
    if isinstance(value, list):
        shown = [formatter(v) if formatter else value_text(object_type, key, v, names) for v in value[:LIST_SHOWN]]
        text = "、".join(shown) if shown else "—"
        if len(value) > LIST_SHOWN:
            text += " " + _("等 %(n)d 项") % {"n": len(value)}
        return text
    if formatter is not None:
        return formatter(value)
    if isinstance(value, dict):
        return "；".join(f"{field_label(object_type, str(k))}：{value_text(object_type, str(k), v, names)}"
                        for k, v in value.items())
    field = _field(_model(object_type), key)
    if field is not None and field.choices:
        label = dict(field.flatchoices).get(value)
        if label is not None:
            return str(label)
    coded = VALUE_LABELS.get(key, {}).get(str(value))
    if coded is not None:
        return str(coded)
    reference = _reference_model(object_type, key)
    if reference and names is not None:
        name = names.name(reference, value)
        if name is not None:
            return name
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        moment = parse_datetime(value)
        if moment is not None:
            return formats.date_format(timezone.localtime(moment) if timezone.is_aware(moment) else moment,
                                       "Y-m-d H:i")
    if isinstance(value, float):
        return formats.number_format(value, decimal_pos=2 if value != int(value) else 0)
    return str(value)


def _object_text(entry: AuditEntry, names: _Names) -> str:
    """The object by its name in the reader's language: while the object exists and the entry kept
    its plain name (in whichever language the actor used), its name now; otherwise the name kept.
    An action on many objects at once names them from its changes (``register_audit_object_names``)."""
    namer = OBJECT_NAMES.get(entry.action)
    if namer is not None:
        try:
            return namer(entry.changes or {})
        except (KeyError, TypeError, ValueError, IndexError):
            pass  # an entry that does not say: the name it kept
    live = names.name(entry.object_type, entry.object_id) if entry.object_id else None
    if live is not None and not _NAMELESS.match(live) and entry.object_repr in names.plain_names(
            entry.object_type, entry.object_id):
        return live
    nameless = _NAMELESS.match(entry.object_repr or "")
    if nameless or not entry.object_repr:
        return f"#{entry.object_id}" if entry.object_id else ""
    return entry.object_repr


def _role_label(role: str) -> str:
    try:
        return str(Role(role).label)
    except ValueError:
        return role


def audit_rows(entries: Iterable[AuditEntry]) -> list[AuditRow]:
    """The entries as their reader reads them (the names of referenced objects looked up in bulk)."""
    entries = list(entries)
    names = _Names()
    for e in entries:
        if e.object_type:
            names.want(e.object_type, e.object_id)
        for key, pair in (e.changes or {}).items():
            reference = _reference_model(e.object_type, key)
            if reference and isinstance(pair, list):
                for value in pair:
                    names.want(reference, value)
    names.load()
    rows = []
    for e in entries:
        changes = []
        for key, pair in (e.changes or {}).items():
            before, after = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
            changes.append(AuditChange(field_label(e.object_type, key), value_text(e.object_type, key, before, names),
                                       value_text(e.object_type, key, after, names)))
        rows.append(AuditRow(
            entry=e, action=action_label(e.action), actor=str(e.actor) if e.actor else _("系统"),
            role=_role_label(e.actor_role), object_type=object_type_label(e.object_type), object=_object_text(e, names),
            changes=changes))
    return rows


def audit_rows_chunked(entries, size: int = 2000) -> Iterator[AuditRow]:
    """``audit_rows`` for an export of up to 100,000 entries: names looked up per chunk."""
    chunk = []
    for entry in entries.iterator(chunk_size=size):
        chunk.append(entry)
        if len(chunk) == size:
            yield from audit_rows(chunk)
            chunk = []
    yield from audit_rows(chunk)
