"""Refreshing what changed (issue 15, item 6): after a full refresh, a session is finalized, passes
are issued, a certificate revoked, a payment recorded, a filing withdrawn; the refresh of the
changes then leaves every rollup table, row for row, and the fees panel exactly as a full rebuild
would, and the figures still reconcile with their independent SQL."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from accounts.models import Role
from accounts.scoping import actor_for
from assessments.models import AssessmentSession, Filing, Registration
from assessments.results.services import session_finalize
from certificates.issuance.models import IssuanceRequest, IssuedCertificate
from fees.caps import caps_ensure
from fees.models import CostCap, FeePayment, FeeStandard, FeeThread, FeeVersion
from pilot.dashboard.models import (
    FeeFact,
    InstitutionFact,
    PilotFact,
    PilotYearFact,
    RollupChange,
    RollupRefresh,
    WaitingFact,
)
from pilot.dashboard.rollups import ROLLUPS, rollup_changes_request, rollup_refresh_now
from tests.personas import make_persona
from tests.pilot.test_figures import SMALL, assert_figures_reconcile

pytestmark = pytest.mark.django_db


def rollup_tables() -> dict:
    """Every rollup table's rows, without their ids, in a stable order."""
    tables = {}
    for model in ROLLUPS:
        names = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        tables[model._meta.label] = sorted(model.objects.values_list(*names), key=repr)
    return tables


def _standard(session: AssessmentSession, amount: str) -> None:
    caps_ensure()
    cap = CostCap.objects.get(assessment_type="computer")
    thread = FeeThread.objects.create(certificate_id=session.certificate_id, level=session.level,
                                      province_id=session.province_id, org_id=session.org_id,
                                      assessment_type="computer", status="verified")
    version = FeeVersion.objects.create(thread=thread, number=1, author_role="org", total=Decimal(amount), cap=cap,
                                        cap_amount=cap.amount)
    FeeStandard.objects.create(thread=thread, version=version, certificate_id=session.certificate_id,
                               level=session.level, province_id=session.province_id, org_id=session.org_id,
                               assessment_type="computer", amount=Decimal(amount), cap=cap, cap_amount=cap.amount,
                               effective_from=datetime.date(2019, 1, 1))


def _issue(requests: list[IssuanceRequest]) -> None:
    """Certificates for ``requests``, written as the issuing worker ties them (no PDFs)."""
    IssuanceRequest.objects.filter(pk__in=[r.pk for r in requests]).exclude(status="issued").update(status="issued")
    IssuedCertificate.objects.bulk_create([IssuedCertificate(
        request=r, number=f"C{r.pk:021d}", person_id=r.person_id, certificate_id=r.certificate_id, level=r.level,
        org_id=r.org_id, province_id=r.province_id, institution_id=r.institution_id, holder_name=r.holder_name,
        id_type=r.id_type, id_number=r.id_number, issued_on=r.passed_on + datetime.timedelta(days=5),
        token=f"c{r.pk}") for r in requests])


def _finalize_an_open_session() -> AssessmentSession:
    session = (AssessmentSession.objects.filter(status__in=["scheduled", "closed"], registrations__result__passed=True)
               .order_by("pk").first())
    # Those without a score did not sit: a session is finalized only when every candidate has one or the other.
    Registration.objects.filter(session=session, status="registered", result__isnull=True).update(absent=True)
    session_finalize(actor=actor_for(make_persona(Role.ORG, scope_id=session.org_id)), session=session)
    return session


def test_refreshing_the_changes_equals_a_full_rebuild(provinces, ministry_user, django_capture_on_commit_callbacks,
                                                      monkeypatch, settings):
    settings.DASHBOARD_REFRESH_ON_CHANGE = True
    call_command("seed_scale", *SMALL, stdout=io.StringIO())
    _issue(list(IssuanceRequest.objects.filter(status="issued").exclude(
        pk__in=IssuedCertificate.objects.filter(request__isnull=False).values("request_id"))))
    finalized = AssessmentSession.objects.filter(status="finalized").order_by("pk").first()
    _standard(finalized, "120.50")
    full = rollup_refresh_now(actor=None, trigger="test")
    assert full.status == "done" and full.kind == "full" and not RollupChange.objects.exists()

    # A session finalized through the service: once it commits, a refresh of the changes is queued.
    sent = []
    monkeypatch.setattr("celery.app.task.Task.apply_async",
                        lambda task, args=None, kwargs=None, **options: sent.append((task.name, tuple(args))))
    with django_capture_on_commit_callbacks(execute=True):
        session = _finalize_an_open_session()
    queued = RollupRefresh.objects.get(status="queued")
    assert queued.kind == "changes" and queued.trigger == "session" and ("pilot.dashboard_refresh", (queued.pk,)) in sent
    assert rollup_changes_request(trigger="issuance") == queued  # joins the queued one
    # Passes issued (as the worker ties them), one certificate revoked, a payment, a filing withdrawn.
    _issue(list(IssuanceRequest.objects.filter(session_id=session.pk, status="pending").order_by("pk")[:3]))
    first = IssuedCertificate.objects.filter(request__session_id=session.pk).order_by("pk").values("pk")[:1]
    IssuedCertificate.objects.filter(pk__in=first).update(status="revoked", revoked_at=timezone.now(), revoked_reason="考核舞弊")
    payer = finalized.registrations.filter(institution__isnull=False).values_list("institution_id", flat=True).first()
    FeePayment.objects.create(session=finalized, institution_id=payer, org_id=finalized.org_id,
                              province_id=finalized.province_id, amount=Decimal("241.00"),
                              paid_on=datetime.date(2020, 12, 1), reference="T-1")
    Filing.objects.filter(pk=Filing.objects.order_by("pk").values("pk")[:1]).update(withdrawn_at=timezone.now())
    marked = set(RollupChange.objects.values_list("province_id", "org_id", "certificate_id", "level"))
    assert (session.province_id, session.org_id, session.certificate_id, session.level) in marked
    assert (finalized.province_id, finalized.org_id, finalized.certificate_id, finalized.level) in marked

    changes = rollup_refresh_now(actor=None, trigger="test", kind="changes")
    assert changes.pk == queued.pk and changes.status == "done" and changes.kind == "changes"
    assert not RollupChange.objects.exists()
    after_changes, fees_after_changes = rollup_tables(), changes.fees
    assert fees_after_changes[finalized.province_id]["paid"] == "241.00"
    rebuilt = rollup_refresh_now(actor=None, trigger="test")
    assert rebuilt.kind == "full"
    assert rollup_tables() == after_changes
    assert fees_after_changes == rebuilt.fees and list(fees_after_changes) == list(rebuilt.fees)
    assert_figures_reconcile(actor_for(ministry_user))


def test_a_refresh_of_the_changes_on_a_new_day_rebuilds_everything(provinces):
    call_command("seed_scale", "--orgs", "2", "--institutions", "10", "--registrations", "300", stdout=io.StringIO())
    rollup_refresh_now(actor=None, trigger="test")
    assert rollup_changes_request(trigger="schedule") is None  # nothing changed today: nothing to do
    RollupRefresh.objects.update(as_of=timezone.localdate() - datetime.timedelta(days=1))
    refresh = rollup_refresh_now(actor=None, trigger="test", kind="changes")
    assert refresh.kind == "full" and refresh.as_of == timezone.localdate()


def test_the_triggers_mark_inserts_updates_and_deletes(provinces):
    call_command("seed_scale", "--orgs", "2", "--institutions", "10", "--registrations", "300", stdout=io.StringIO())
    rollup_refresh_now(actor=None, trigger="test")
    registration = Registration.objects.filter(result__isnull=False).order_by("pk").first()
    key = (registration.province_id, registration.org_id, registration.certificate_id, registration.level)
    registration.result.delete()
    assert set(RollupChange.objects.values_list("province_id", "org_id", "certificate_id", "level")) == {key}
    rollup_refresh_now(actor=None, trigger="test", kind="changes")
    Registration.objects.filter(pk=registration.pk).update(status="cancelled")
    assert set(RollupChange.objects.values_list("province_id", "org_id", "certificate_id", "level")) == {key}


def test_a_full_rebuild_writes_only_the_rows_that_differ(provinces):
    """Rows stored as computed stay (their ids too); altered, missing, extra and repeated rows are put
    right; a table whose rows all differ is written anew: the tables end as a rebuild from empty."""
    call_command("seed_scale", "--orgs", "2", "--institutions", "10", "--registrations", "300", stdout=io.StringIO())
    rollup_refresh_now(actor=None, trigger="test")
    expected = rollup_tables()
    ids = {model: set(model.objects.values_list("pk", flat=True)) for model in ROLLUPS}
    assert all(ids.values())
    altered = InstitutionFact.objects.order_by("pk").first()
    InstitutionFact.objects.filter(pk=altered.pk).update(registered=altered.registered + 1)
    WaitingFact.objects.filter(pk=WaitingFact.objects.order_by("pk").values("pk")[:1]).delete()
    repeated = FeeFact.objects.order_by("pk").first()
    repeated.pk = None
    repeated.save()
    PilotYearFact.objects.all().delete()
    PilotFact.objects.update(registered=F("registered") + 1)
    rollup_refresh_now(actor=None, trigger="test")
    assert rollup_tables() == expected
    kept = set(InstitutionFact.objects.values_list("pk", flat=True))
    assert kept - ids[InstitutionFact] and ids[InstitutionFact] - kept == {altered.pk}
    assert len(set(FeeFact.objects.values_list("pk", flat=True)) & ids[FeeFact]) == len(ids[FeeFact])
    assert not set(PilotFact.objects.values_list("pk", flat=True)) & ids[PilotFact]
