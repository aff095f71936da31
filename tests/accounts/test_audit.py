import datetime
import decimal

import pytest

from accounts.audit import audit_log, diff, snapshot
from accounts.models import AuditEntry
from accounts.scoping import actor_for

pytestmark = pytest.mark.django_db


def test_audit_records_actor_role_object_and_changes(hubei_user, hubei_institution):
    entry = audit_log(actor=actor_for(hubei_user), action="institution.updated", obj=hubei_institution,
                      changes={"name": ["旧名", "新名"]}, province=hubei_institution.province, note="更名")
    entry.refresh_from_db()
    assert entry.actor == hubei_user and entry.actor_role == "province"
    assert entry.object_type == "organizations.institution" and entry.object_id == str(hubei_institution.pk)
    assert entry.changes == {"name": ["旧名", "新名"]} and entry.province_id == "42"


def test_system_actions_have_no_actor():
    entry = audit_log(actor=None, action="indicator.generated", object_type="pilot.indicatorrun", object_id="1",
                      object_repr="2026-10")
    assert entry.actor is None and entry.actor_role == ""


def test_snapshot_and_diff_keep_only_changed_fields(hubei_institution):
    before = snapshot(hubei_institution, ["name", "city", "province"])
    hubei_institution.name = "新校名"
    after = snapshot(hubei_institution, ["name", "city", "province"])
    assert diff(before, after) == {"name": [before["name"], "新校名"]}
    assert before["province"] == "42"


def test_values_are_stored_as_json_text():
    entry = audit_log(actor=None, action="fee.verified", object_type="fee", object_id="1",
                      changes={"amount": [None, decimal.Decimal("199.50")], "on": [None, datetime.date(2020, 9, 1)]})
    entry.refresh_from_db()
    assert entry.changes == {"amount": [None, "199.50"], "on": [None, "2020-09-01"]}


def test_audit_entries_are_read_only_in_admin(admin_client):
    entry = audit_log(actor=None, action="notice.withdrawn", object_type="pilot.notice", object_id="1")
    response = admin_client.get(f"/admin/accounts/auditentry/{entry.pk}/change/")
    assert response.status_code == 200
    assert b'name="action"' not in response.content  # shown, not editable
    assert admin_client.post(f"/admin/accounts/auditentry/{entry.pk}/delete/").status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
