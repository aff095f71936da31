import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditEntry
from accounts.scoping import actor_for
from core.errors import AppError, Forbidden
from organizations.orgs.models import Org
from organizations.supervision.models import OrgAction, OrgActionEvidence
from organizations.supervision.services import org_action_record, org_check_may_operate

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_yellow_card_changes_status_records_timeline_audits_and_notifies(ministry_user, org_a, org_a_user):
    action = org_action_record(actor=actor_for(ministry_user), org=org_a, kind="yellow_card",
                               reason="9月10日前未在湖北启动师资培训",
                               evidence=[SimpleUploadedFile("核查报告.pdf", PDF)])
    org_a.refresh_from_db()
    assert org_a.status == Org.Status.YELLOW_CARD and org_a.status_changed_at
    assert action.status_before == "active" and action.status_after == "yellow_card"
    assert OrgActionEvidence.objects.get(action=action).original_name == "核查报告.pdf"
    assert AuditEntry.objects.get(action="org.yellow_card").changes["status"] == ["active", "yellow_card"]
    notification = org_a_user.notifications.get()
    assert "黄牌警告" in notification.title_text and "湖北" in notification.body_text


@pytest.mark.parametrize(("start", "kind"), [
    ("active", "lift_yellow_card"), ("yellow_card", "yellow_card"), ("delisted", "yellow_card"),
    ("delisted", "delist"), ("withdrawn", "lift_yellow_card"), ("delisted", "withdraw"),
])
def test_forbidden_transitions_are_refused_and_change_nothing(ministry_user, org_a, start, kind):
    Org.objects.filter(pk=org_a.pk).update(status=start)
    org_a.refresh_from_db()
    with pytest.raises(AppError) as err:
        org_action_record(actor=actor_for(ministry_user), org=org_a, kind=kind, reason="理由充分的说明")
    assert err.value.code == "invalid_transition"
    org_a.refresh_from_db()
    assert org_a.status == start and not OrgAction.objects.exists()


def test_the_full_path_yellow_card_lift_then_delist(ministry_user, org_a):
    actor = actor_for(ministry_user)
    for kind, expected in [("yellow_card", "yellow_card"), ("lift_yellow_card", "active"),
                           ("yellow_card", "yellow_card"), ("delist", "delisted")]:
        org_action_record(actor=actor, org=org_a, kind=kind, reason="整改情况说明")
        org_a.refresh_from_db()
        assert org_a.status == expected
    assert list(org_a.actions.values_list("kind", flat=True)) == ["delist", "yellow_card", "lift_yellow_card",
                                                                  "yellow_card"]


@pytest.mark.parametrize("persona", ["hubei_user", "org_a_user", "hubei_institution_user", "student_user"])
def test_only_the_ministry_acts(request, persona, org_a):
    with pytest.raises(Forbidden):
        org_action_record(actor=actor_for(request.getfixturevalue(persona)), org=org_a, kind="yellow_card",
                          reason="自己给自己黄牌")
    org_a.refresh_from_db()
    assert org_a.status == "active"


def test_reason_is_required(ministry_user, org_a):
    with pytest.raises(AppError) as err:
        org_action_record(actor=actor_for(ministry_user), org=org_a, kind="yellow_card", reason="  ")
    assert err.value.field == "reason"


@pytest.mark.parametrize(("name", "content"), [
    ("tool.pdf", b"MZ\x90\x00" + b"\x00" * 64),
    ("page.pdf", b"<html><script>alert(1)</script></html>"),
])
def test_bad_evidence_saves_nothing(ministry_user, org_a, name, content):
    with pytest.raises(AppError):
        org_action_record(actor=actor_for(ministry_user), org=org_a, kind="yellow_card", reason="证据不合格的尝试",
                          evidence=[SimpleUploadedFile("ok.pdf", PDF), SimpleUploadedFile(name, content)])
    org_a.refresh_from_db()
    assert org_a.status == "active" and not OrgAction.objects.exists() and not OrgActionEvidence.objects.exists()


def test_delisted_org_may_not_start_new_work(ministry_user, org_a):
    org_check_may_operate(org_a)
    org_action_record(actor=actor_for(ministry_user), org=org_a, kind="yellow_card", reason="推进不力")
    org_check_may_operate(org_a)  # a yellow card warns; it does not stop work
    org_action_record(actor=actor_for(ministry_user), org=org_a, kind="delist", reason="整改不到位")
    with pytest.raises(AppError) as err:
        org_check_may_operate(org_a)
    assert "摘牌" in str(err.value.message)
