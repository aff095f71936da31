"""Dashboard refresh figures (issue 15, item 6) over the national pilot of ``seed_scale``:

``rollup_refresh_s``      a full rebuild of every rollup (goal ≤ 15 s).
``rollup_incremental_s``  after a session of 1,000 candidates is finalized through the real service
                          (``session_finalize``), the refresh of the changes its commit queued, run
                          here as a worker would run it (goal ≤ 2 s). Needs REDIS_URL: in-process
                          tasks would also issue every pending pass of the national pilot.

The session is built first (not timed) beside one of the scale pilot's sessions (same org,
certificate level, site, province and date) with 1,000 of its persons, each with a result; the rollups
are refreshed before it is finalized, so the refresh timed covers only what the finalization changed.
Afterwards the session and what it produced are deleted and the rollups refreshed again.
"""

import datetime
import sys
import time
from decimal import Decimal

from django.db import transaction

CANDIDATES = 1_000


def _org_actor(org_id: int):
    from accounts.models import Role, RoleBinding, User
    from accounts.scoping import actor_for

    user, _created = User.objects.get_or_create(username="bench_org", defaults={"full_name": "基准测试机构"})
    RoleBinding.objects.filter(user=user).exclude(scope_id=org_id).delete()
    RoleBinding.objects.get_or_create(user=user, role=Role.ORG, scope_id=org_id)
    return actor_for(user)


def _session_of_1000():
    """A scheduled session of 1,000 registered candidates of Guangdong, each with a score."""
    from accounts.models import Person
    from assessments.models import AssessmentSession, Registration, Result

    model = (AssessmentSession.objects.filter(province_id="44", org__credit_code__startswith="9199",
                                              date__lte=datetime.date(2020, 12, 31), site__isnull=False)
             .order_by("pk").first())
    session = AssessmentSession.objects.create(
        org_id=model.org_id, certificate_id=model.certificate_id, level=model.level, site_id=model.site_id,
        province_id=model.province_id, date=model.date, assessment_type=model.assessment_type, capacity=CANDIDATES,
        status=AssessmentSession.Status.SCHEDULED, start_time=model.start_time)
    persons = list(Person.objects.filter(id_number__startswith="44").order_by("-pk")
                   .values_list("pk", "name")[:CANDIDATES])
    common = {"session": session, "org_id": session.org_id, "certificate_id": session.certificate_id,
              "level": session.level, "province_id": session.province_id, "session_date": session.date}
    registrations = Registration.objects.bulk_create([
        Registration(person_id=pk, name_given=name, channel="self", **common) for pk, name in persons])
    Result.objects.bulk_create([
        Result(registration=r, score=Decimal(50 + i % 50), passed=i % 50 >= 10,
               **{k: v for k, v in common.items() if k != "session"}) for i, r in enumerate(registrations)])
    return session


def _delete(session) -> None:
    from assessments.models import Registration, Result
    from certificates.issuance.models import IssuanceRequest

    with transaction.atomic():
        IssuanceRequest.objects.filter(session_id=session.pk).delete()
        Result.objects.filter(registration__session=session).delete()
        Registration.objects.filter(session=session).delete()
        session.delete()


def run():
    from assessments.results.services import session_finalize
    from bench.bench_reports import _ensure_pilot
    from pilot.dashboard.models import RollupRefresh
    from pilot.dashboard.rollups import rollup_refresh_now, rollup_refresh_run

    count = _ensure_pilot()
    started = time.perf_counter()
    full = rollup_refresh_now(actor=None, trigger="bench")
    full_s = round(time.perf_counter() - started, 2)
    assert full.status == "done" and full.kind == "full", full.message
    print(f"# full rebuild over {count:,} registrations: {full_s} s ({full.rows:,} rows)", file=sys.stderr)

    session = _session_of_1000()
    try:
        prepared = rollup_refresh_now(actor=None, trigger="bench", kind=RollupRefresh.Kind.CHANGES)
        assert prepared.kind == "changes", prepared.kind
        actor = _org_actor(session.org_id)
        started = time.perf_counter()
        outcome = session_finalize(actor=actor, session=session)
        finalized_s = time.perf_counter() - started
        # Its commit queued a refresh of the changes (and the issuance of its passes): run it as a worker would.
        queued = RollupRefresh.objects.filter(trigger="session").order_by("-pk").first()
        assert queued is not None and queued.status == RollupRefresh.Status.QUEUED, "run with REDIS_URL (a queue)"
        started = time.perf_counter()
        refresh = rollup_refresh_run(refresh_id=queued.pk)
        incremental_s = round(time.perf_counter() - started, 2)
        assert refresh.status == "done" and refresh.kind == "changes", (refresh.kind, refresh.message)
        print(f"# finalized {outcome.passed + outcome.failed:,} candidates ({outcome.issuance_requests} passes) in "
              f"{finalized_s:.2f} s; the refresh of the changes took {incremental_s} s ({refresh.rows:,} rows)",
              file=sys.stderr)
    finally:
        _delete(session)
        rollup_refresh_now(actor=None, trigger="bench", kind=RollupRefresh.Kind.CHANGES)
    return [("rollup_refresh_s", full_s, "s"), ("rollup_incremental_s", incremental_s, "s")]
