"""Outcomes from issued certificates: exactly once whatever runs twice, revocation, reissue, the
sweep that catches what a failed hook missed, and the catalog of recognized outcomes."""

from decimal import Decimal

import pytest

from accounts.models import AuditEntry
from accounts.scoping import actor_for
from certificates import hooks
from certificates.catalog.models import Level
from certificates.issuance.models import IssuedCertificate
from certificates.issuance.revocation import certificate_reissue, certificate_revoke
from certificates.issuance.worker import issuance_announce, issuance_run, issuance_sweep
from core.errors import AppError, Forbidden
from credit_bank.models import Conversion, LearningAccount, Outcome, RecognizedOutcome
from credit_bank.selectors import catalog_credits
from credit_bank.services.outcomes import catalog_credits_set, outcome_record, outcomes_sweep
from credit_bank.tasks import sweep_outcomes
from tests.accounts.factories import PersonFactory
from tests.certificates.factories import issuance_requests
from tests.credit_bank.factories import issued_for, request_conversion

pytestmark = pytest.mark.django_db


def test_issuing_a_certificate_records_one_outcome_in_a_new_learning_account(issued, student_user):
    outcome = Outcome.objects.get()
    assert outcome.issued == issued and outcome.number == issued.number
    assert outcome.account.person == student_user.person
    assert (outcome.certificate_id, outcome.level, outcome.province_id) == (issued.certificate_id, "junior", "42")
    assert outcome.credits == Decimal("2.0") and outcome.recognized.version == 1
    assert outcome.status == "recognized" and outcome.source == "hook"
    assert LearningAccount.objects.count() == 1
    assert AuditEntry.objects.filter(action="credit.account_opened").count() == 1
    assert AuditEntry.objects.filter(action="credit.outcome_recorded", object_id=str(outcome.pk)).count() == 1


def test_the_outcome_is_created_exactly_once_when_issuance_runs_twice(certificate, hubei, hubei_institution):
    people = [PersonFactory() for _ in range(5)]
    requests = issuance_requests(certificate=certificate, province=hubei, people=people)
    issuance_run()
    issuance_run()  # the same batch started again
    # The hook is delivered at least once: send it again for every certificate, announce again,
    # sweep issuance and the credit bank, twice each.
    for issued in IssuedCertificate.objects.all():
        hooks.send(hooks.certificates_issued, certificates=[issued])
        hooks.send(hooks.certificates_issued, certificates=[issued])
        hooks.send(hooks.certificate_issued, certificate=issued)
        IssuedCertificate.objects.filter(pk=issued.pk).update(announced_at=None)
        issuance_announce(certificate_id=issued.pk)
    issuance_sweep(stale_seconds=0)
    assert outcomes_sweep() == {"recorded": 0, "revoked": 0, "updated": 0}
    outcomes_sweep()
    assert IssuedCertificate.objects.filter(request__in=requests).count() == 5
    assert Outcome.objects.count() == 5
    assert sorted(Outcome.objects.values_list("issued__person_id", flat=True)) == sorted(p.pk for p in people)
    assert LearningAccount.objects.count() == 5
    assert AuditEntry.objects.filter(action="credit.outcome_recorded").count() == 5
    assert RecognizedOutcome.objects.count() == 1  # the default written once, as version 1


def test_a_failed_receiver_does_not_stop_issuance_and_the_sweep_records_the_outcome(certificate, hubei, monkeypatch):
    from credit_bank.services import outcomes

    def broken(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(outcomes, "outcome_record", broken)
    monkeypatch.setattr(outcomes, "outcomes_record_many", broken)
    person = PersonFactory()
    issued = issued_for(person, certificate=certificate, province=hubei)
    assert IssuedCertificate.objects.get(pk=issued.pk).announced_at is not None  # issuance went on
    assert not Outcome.objects.exists()
    monkeypatch.undo()
    assert sweep_outcomes() == {"recorded": 1, "revoked": 0, "updated": 0}
    outcome = Outcome.objects.get()
    assert outcome.issued == issued and outcome.source == "sweep"
    assert sweep_outcomes() == {"recorded": 0, "revoked": 0, "updated": 0}


def test_outcome_record_is_idempotent(issued):
    first, new = outcome_record(issued=issued)
    again, new_again = outcome_record(issued=issued, source="sweep")
    assert first == again and not new and not new_again


def test_revoking_the_certificate_marks_the_outcome_and_flags_conversions(issued, outcome, rule, student_user,
                                                                          org_a_user, hubei_institution_user,
                                                                          django_capture_on_commit_callbacks):
    conversion = request_conversion(student_user, outcome, rule)
    with django_capture_on_commit_callbacks(execute=True):  # the hook is sent once the revocation commits
        certificate_revoke(actor=actor_for(org_a_user), issued=issued, reason="考核作弊，经查属实")
    outcome.refresh_from_db()
    conversion.refresh_from_db()
    assert outcome.status == "revoked" and outcome.revoked_reason == "考核作弊，经查属实" and outcome.revoked_at
    assert conversion.flagged_at is not None and "考核作弊" in conversion.flag_reason
    assert conversion.status == Conversion.Status.REQUESTED
    assert AuditEntry.objects.filter(action="credit.outcome_revoked", object_id=str(outcome.pk)).exists()
    assert any("撤销" in n.title_text for n in hubei_institution_user.notifications.all())
    assert any("失效" in n.title_text for n in student_user.notifications.all())
    # A second delivery and the sweep change nothing.
    hooks.send(hooks.certificate_revoked, certificate=IssuedCertificate.objects.get(pk=issued.pk), reason="x")
    assert outcomes_sweep()["revoked"] == 0
    assert AuditEntry.objects.filter(action="credit.outcome_revoked").count() == 1


def test_the_sweep_catches_a_revocation_the_hook_missed(issued, outcome):
    IssuedCertificate.objects.filter(pk=issued.pk).update(status="revoked", revoked_reason="补录撤销",
                                                          revoked_at=issued.created_at)
    assert outcomes_sweep()["revoked"] == 1
    outcome.refresh_from_db()
    assert outcome.status == "revoked" and outcome.revoked_reason == "补录撤销"


def test_a_certificate_revoked_before_it_was_recorded_becomes_a_revoked_outcome(certificate, hubei, monkeypatch):
    from credit_bank.services import outcomes

    monkeypatch.setattr(outcomes, "outcome_record", lambda **kw: (_ for _ in ()).throw(RuntimeError()))
    issued = issued_for(PersonFactory(), certificate=certificate, province=hubei)
    IssuedCertificate.objects.filter(pk=issued.pk).update(status="revoked", revoked_reason="撤销", revoked_at=issued.created_at)
    monkeypatch.undo()
    outcomes_sweep()
    assert Outcome.objects.get().status == "revoked"


def test_a_reissue_keeps_the_outcome_and_follows_the_version(issued, outcome, org_a_user,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        certificate_reissue(actor=actor_for(org_a_user), issued=issued, holder_name="李晓明", reason="姓名录入错误")
    outcome.refresh_from_db()
    assert outcome.certificate_version == 2 and Outcome.objects.count() == 1
    assert AuditEntry.objects.filter(action="credit.outcome_updated").count() == 1


def test_several_certificates_share_one_account(issued, certificate, student_user, hubei):
    issued_for(student_user.person, certificate=certificate, province=hubei, level=Level.INTERMEDIATE)
    assert LearningAccount.objects.count() == 1
    assert sorted(Outcome.objects.values_list("credits", flat=True)) == [Decimal("2.0"), Decimal("4.0")]


# --- the catalog --------------------------------------------------------------------------------

def test_the_ministry_sets_credits_as_a_new_version_and_outcomes_keep_theirs(issued, outcome, certificate,
                                                                             ministry_user):
    entry = catalog_credits_set(actor=actor_for(ministry_user), certificate=certificate, level="junior", credits="3",
                                reason="与专业课程对接后上调")
    assert entry.version == 2 and entry.credits == Decimal("3.0")
    assert catalog_credits(certificate_id=certificate.pk, level="junior") == Decimal("3.0")
    outcome.refresh_from_db()
    assert outcome.credits == Decimal("2.0") and outcome.recognized.version == 1
    audit = AuditEntry.objects.get(action="credit.catalog_changed")
    assert audit.changes["credits"] == ["2.0", "3.0"]


def test_defaults_by_level(certificate):
    assert [catalog_credits(certificate_id=certificate.pk, level=level) for level in ("junior", "intermediate", "senior")] \
        == [Decimal("2.0"), Decimal("4.0"), Decimal("6.0")]


@pytest.mark.parametrize("credits,reason,message", [
    ("0", "调整", "大于 0"), ("17", "调整", "不超过 16"), ("2.25", "调整", "0.5"), ("abc", "调整", "必须是数字"),
    ("3", "", "必须填写说明"), ("2", "与默认相同", None)])
def test_catalog_bad_inputs_are_refused_and_nothing_is_saved(certificate, ministry_user, credits, reason, message):
    if message is None:  # equal to the current (materialized) value
        catalog_credits_set(actor=actor_for(ministry_user), certificate=certificate, level="junior", credits="3",
                            reason="先调整")
        credits, message = "3", "相同"
    before = RecognizedOutcome.objects.count()
    with pytest.raises(AppError) as error:
        catalog_credits_set(actor=actor_for(ministry_user), certificate=certificate, level="junior", credits=credits,
                            reason=reason)
    assert message in str(error.value.message)
    assert RecognizedOutcome.objects.count() == before


def test_only_the_ministry_keeps_the_catalog(certificate, hubei_user, hubei_institution_user):
    for user in (hubei_user, hubei_institution_user):
        with pytest.raises(Forbidden):
            catalog_credits_set(actor=actor_for(user), certificate=certificate, level="junior", credits="3", reason="x")
    assert not RecognizedOutcome.objects.exists()


def test_a_level_the_certificate_does_not_have_is_refused(ministry_user, org_a):
    from tests.certificates.factories import CertificateFactory, CertificateLevelFactory

    certificate = CertificateFactory(org=org_a)
    CertificateLevelFactory(certificate=certificate, level="junior")
    with pytest.raises(AppError, match="没有高级等级"):
        catalog_credits_set(actor=actor_for(ministry_user), certificate=certificate, level="senior", credits="5",
                            reason="x")


def _issued_without_hook(certificate, hubei, people):
    from certificates.hooks import certificates_issued
    from credit_bank.receivers import on_certificates_issued

    certificates_issued.disconnect(dispatch_uid="credit_bank.record_outcomes")
    try:
        issuance_requests(certificate=certificate, province=hubei, people=people)
        issuance_run()
    finally:
        certificates_issued.connect(on_certificates_issued, dispatch_uid="credit_bank.record_outcomes")
    return list(IssuedCertificate.objects.select_related("certificate").order_by("pk"))


def test_a_chunk_of_outcomes_is_recorded_in_a_few_queries_with_accounts_and_audit(
        certificate, hubei, django_assert_max_num_queries):
    from credit_bank.services.outcomes import account_ensure, outcomes_record_many

    people = [PersonFactory() for _ in range(12)]
    chunk = _issued_without_hook(certificate, hubei, people)
    account_ensure(person=people[0])  # one holder already has an account
    outcome_record(issued=chunk[1])  # and one certificate its outcome
    with django_assert_max_num_queries(14):  # whatever the chunk's size
        assert outcomes_record_many(issued=chunk) == 11
    assert Outcome.objects.count() == 12 and LearningAccount.objects.count() == 12
    assert AuditEntry.objects.filter(action="credit.account_opened").count() == 12
    assert AuditEntry.objects.filter(action="credit.outcome_recorded").count() == 12
    entry = AuditEntry.objects.filter(action="credit.outcome_recorded", object_id=str(Outcome.objects.get(
        issued=chunk[5]).pk)).get()
    assert entry.object_repr == str(Outcome.objects.get(issued=chunk[5])) and entry.province_id == "42"
    assert entry.changes["certificate"] == [None, chunk[5].number]
    assert outcomes_record_many(issued=chunk) == 0  # again: nothing new


def test_a_chunk_that_collides_falls_back_to_one_at_a_time(certificate, hubei, monkeypatch):
    from django.db import IntegrityError

    from credit_bank.services.outcomes import outcomes_record_many

    chunk = _issued_without_hook(certificate, hubei, [PersonFactory() for _ in range(3)])

    def colliding(rows, *args, **kwargs):  # another path recorded one of them a moment ago
        raise IntegrityError("duplicate key value violates unique constraint")

    with monkeypatch.context() as patch:
        patch.setattr(Outcome.objects, "bulk_create", colliding)
        assert outcomes_record_many(issued=chunk) == 3  # rolled back whole, then one at a time
    assert Outcome.objects.count() == 3 and LearningAccount.objects.count() == 3
    assert AuditEntry.objects.filter(action="credit.outcome_recorded").count() == 3
    assert AuditEntry.objects.filter(action="credit.account_opened").count() == 3
