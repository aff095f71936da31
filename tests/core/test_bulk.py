"""Bulk inserts (accounts.bulk): rows go in with the values given, whatever the path (COPY on
PostgreSQL, with dates and times sent as ISO text and JSON encoded once per COPY; bulk_create
elsewhere, with the same JSON), and insert_returning_ids gives the new keys in order. These tests
run on both databases (the SQLite smoke run includes this module)."""

import datetime
import decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from accounts.audit import _json_default
from accounts.models import AuditEntry
from core.bulk import copy_rows, insert_returning_ids

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

UTC = datetime.UTC
BEIJING = ZoneInfo("Asia/Shanghai")


def test_copied_rows_keep_their_moments_and_json():
    noon = datetime.datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
    same_in_beijing = noon.astimezone(BEIJING)  # equal to noon: the same instant written another way
    later = datetime.datetime(2026, 3, 1, 21, 30, tzinfo=BEIJING)
    changes = [{"name": [None, "张三"], "n": 1}, {"money": decimal.Decimal("12.50")}, {}]
    columns = ["at", "action", "object_id", "changes", "note", "actor_role", "object_type", "object_repr"]
    moments = [noon, same_in_beijing, later]
    copy_rows(AuditEntry, columns, [(at, "bulk.test", str(i), c, "", "", "", "")
                                    for i, (at, c) in enumerate(zip(moments, changes, strict=True))],
              json_default=_json_default)
    stored = list(AuditEntry.objects.filter(action="bulk.test").order_by("object_id").values_list("at", "changes"))
    assert [at for at, _c in stored] == moments
    assert [c for _at, c in stored] == [{"name": [None, "张三"], "n": 1}, {"money": "12.50"}, {}]


def test_new_keys_come_back_in_the_order_of_the_rows():
    now = datetime.datetime(2026, 3, 1, tzinfo=UTC)
    ids = insert_returning_ids(AuditEntry, ["at", "action", "object_id", "changes", "note", "actor_role",
                                            "object_type", "object_repr"],
                               [(now, "bulk.order", str(i), {}, "", "", "", "") for i in range(5)])
    assert [AuditEntry.objects.get(pk=pk).object_id for pk in ids] == ["0", "1", "2", "3", "4"]
    assert insert_returning_ids(AuditEntry, ["action"], []) == []


def test_a_naive_datetime_is_refused_on_either_path():
    # COPY would read it as UTC and the ORM as Beijing time: two different instants.
    naive = datetime.datetime(2026, 3, 1, 12, 0)
    columns = ["at", "action", "object_id", "changes", "note", "actor_role", "object_type", "object_repr"]
    with pytest.raises(ValueError, match="aware"), transaction.atomic():
        copy_rows(AuditEntry, columns, [(naive, "bulk.naive", "1", {}, "", "", "", "")])
    with pytest.raises(ValueError, match="aware"), transaction.atomic():
        insert_returning_ids(AuditEntry, columns, [(naive, "bulk.naive", "1", {}, "", "", "", "")])
    assert not AuditEntry.objects.filter(action="bulk.naive").exists()
