"""The audit service (design rule 3): every regulated change is recorded with a namespaced code."""

import datetime
import decimal
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Model

from accounts.audit_labels import is_registered
from accounts.models import AuditEntry, Province
from core.bulk import copy_rows

_JSON_SCALARS = (str, int, float, bool)


def _plain(value):
    """Values as JSON can keep them: dates as ISO text, money as text, objects by their id."""
    if value is None or type(value) in _JSON_SCALARS:  # the common case, first: bulk audits are large
        return value
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        # Scalars inline: a bulk entry lists 100,000 [id, name] pairs.
        return [v if v is None or type(v) in _JSON_SCALARS else _plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def snapshot(obj: Model, fields: Iterable[str]) -> dict:
    """The current values of ``fields`` on ``obj``, ready to diff against a later snapshot."""
    return {name: _plain(getattr(obj, f"{name}_id", None) if _is_fk(obj, name) else getattr(obj, name))
            for name in fields}


def _is_fk(obj: Model, name: str) -> bool:
    try:
        return obj._meta.get_field(name).is_relation
    except Exception:
        return False


def diff(before: dict, after: dict) -> dict:
    """``{field: [old, new]}`` for every field whose value changed."""
    keys = list(before) + [k for k in after if k not in before]
    return {k: [_plain(before.get(k)), _plain(after.get(k))] for k in keys
            if _plain(before.get(k)) != _plain(after.get(k))}


def _check_registered(action: str) -> str:
    """Outside production an action without a registered name (accounts.audit_labels) fails: the
    audit log would show its raw code. In production it is recorded all the same."""
    if not is_registered(action) and getattr(settings, "PILOT_ENV", "production") != "production":
        raise ValueError(f"audit action {action!r} is not registered (accounts.audit_labels)")
    return action


def audit_log(*, actor, action: str, obj: Model | None = None, changes: dict | None = None,
              note: str = "", province: Province | str | None = None, ip_address: str | None = None,
              object_type: str = "", object_id: str = "", object_repr: str = "") -> AuditEntry:
    """Record one regulated action. ``actor`` is an accounts.scoping.Actor, a User, or None for
    the system (tasks, management commands)."""
    _check_registered(action)
    user = getattr(actor, "user", actor)
    role = getattr(actor, "role", "") or ""
    if user is not None and not getattr(user, "pk", None):
        user = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    province_code = province.pk if isinstance(province, Province) else province
    return AuditEntry.objects.create(
        actor=user, actor_role=role, action=action, object_type=object_type, object_id=object_id,
        object_repr=object_repr[:200], province_id=province_code, changes=_plain(changes or {}), note=note,
        ip_address=ip_address,
    )


def _json_default(value):
    """For json.dumps: what _plain makes of the values json cannot encode itself."""
    if isinstance(value, set | frozenset):
        return [_plain(v) for v in value]
    plain = _plain(value)
    if plain is value:
        raise TypeError(f"{type(value).__name__} is not JSON serializable")
    return plain


def audit_log_many(*, actor, entries: Iterable[dict], note: str = "") -> int:
    """Record many regulated actions at once (a bulk upload of thousands of rows), with the same
    fields as ``audit_log``. Each entry: action, object_type, object_id, object_repr, and
    optionally province (code), changes, note."""
    from django.utils import timezone


    user = getattr(actor, "user", actor)
    role = getattr(actor, "role", "") or ""
    user_id = user.pk if user is not None and getattr(user, "pk", None) else None
    now = timezone.now()
    # The changes go straight to copy_rows' JSON encoder (odd values through _json_default): the
    # same JSON as _plain gives, without walking 100,000 dicts in Python first.
    rows = ((now, user_id, role, _check_registered(e["action"]), e.get("object_type", ""), str(e.get("object_id", "")),
             (e.get("object_repr") or "")[:200], e.get("province"), e.get("changes") or {},
             e.get("note", note)) for e in entries)
    return copy_rows(AuditEntry, ["at", "actor_id", "actor_role", "action", "object_type", "object_id",
                                  "object_repr", "province_id", "changes", "note"], rows, json_default=_json_default)
