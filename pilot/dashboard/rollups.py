"""Refreshing the dashboard's rollups (a task every 15 minutes, and the ministry's button).

Each source table is grouped once in the database (``Count('*')``/``Sum`` per key), the groups are
added up here by key, and the rollup tables are replaced in one transaction: a reader sees the old
figures or the new ones, never a mix. A refresh is a background job (``core.jobs``) claimed by a
conditional update, so the schedule and a click never run two at once; a run whose worker died is
taken over, or failed by the sweep, after ``RollupRefresh.stale_after``.
"""

import datetime
import logging
import time
from collections import defaultdict
from collections.abc import Callable

from django.db import connection, transaction
from django.db.models import Case, Count, F, IntegerField, Min, Q, Sum, Value, When
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.scoping import Actor
from assessments.models import (
    AssessmentPlanRow,
    AssessmentSession,
    CertificateTraining,
    FilingLevel,
    Registration,
    Result,
    TeacherTraining,
)
from certificates.issuance.models import IssuanceRequest, IssuedCertificate
from core.bulk import copy_rows
from core.errors import AppError
from core.jobs.selectors import jobs_alive
from core.jobs.services import job_claim, job_enqueue, job_fail, job_finish, job_progress
from fees.selectors import AGE_BUCKETS, dues, outstanding_summary
from pilot.dashboard.measures import HUBEI, INSTITUTION_MEASURES, ISSUED_FROM_PASSES, OPEN_SESSION, PILOT_MEASURES
from pilot.dashboard.models import InstitutionFact, PilotFact, PilotYearFact, RollupRefresh, WaitingFact
from pilot.dashboard.selectors import dashboard_access, national_reader

logger = logging.getLogger(__name__)

REQUEST_CAUSE = {IssuanceRequest.Status.PENDING: WaitingFact.Cause.WAITING,
                 IssuanceRequest.Status.BLOCKED: WaitingFact.Cause.BLOCKED,
                 IssuanceRequest.Status.FAILED: WaitingFact.Cause.FAILED}


def _passed_count():
    return Sum(Case(When(passed=True, then=Value(1)), default=Value(0), output_field=IntegerField()))


def _groups(queryset, *, keys: dict, measures: dict, date: str = "", year: str = "", month: str = "",
            monthly: bool = True):
    """``queryset`` grouped by year (of ``date``, or the ``year`` field), month (of ``date``, or the
    ``month`` field, unless not ``monthly``) and ``keys`` (alias -> field path), with ``measures``."""
    values = {"y": ExtractYear(date) if date else F(year)}
    if monthly and (date or month):
        values["m"] = F(month) if month else ExtractMonth(date)
    values.update({alias: F(path) for alias, path in keys.items()})
    return queryset.values(**values).annotate(**measures).order_by()


PILOT_KEYS = {"p": "province_id", "o": "org_id", "c": "certificate_id", "l": "level"}


def _pilot_sources():
    """(queryset, grouping, {measure: aggregate}) for every measure of PilotFact."""
    results = Result.objects.all()
    return [
        (FilingLevel.objects.filter(filing__withdrawn_at__isnull=True),
         {"year": "filing__year", "keys": {"p": "filing__province_id", "o": "filing__certificate__org_id",
                                           "c": "filing__certificate_id", "l": "level"}},
         {"declared": Sum("declared_students")}),
        (AssessmentPlanRow.objects.filter(plan__superseded_at__isnull=True),
         {"year": "plan__year", "month": "month", "keys": {**PILOT_KEYS, "o": "plan__org_id"}},
         {"planned": Sum("planned_candidates")}),
        (TeacherTraining.objects.all(), {"date": "end_date", "keys": PILOT_KEYS},
         {"teachers": Sum("teachers_trained"),
          # Trainings counted toward the Hubei special action are held in Hubei (a check constraint).
          "teachers_hubei": Sum(Case(When(province_id=HUBEI, then=F("teachers_trained")), default=Value(0),
                                     output_field=IntegerField()))}),
        (CertificateTraining.objects.all(), {"date": "month", "keys": PILOT_KEYS},
         {"trained_students": Sum("students"), "trained_social": Sum("social_learners")}),
        (AssessmentSession.objects.exclude(status=AssessmentSession.Status.CANCELLED),
         {"date": "date", "keys": PILOT_KEYS}, {"sessions": Count("*")}),
        (Registration.objects.filter(status=Registration.Status.REGISTERED), {"date": "session_date", "keys": PILOT_KEYS},
         {"registered": Count("*")}),
        (results, {"date": "session_date", "keys": PILOT_KEYS}, {"assessed": Count("*"), "passed": _passed_count()}),
        (results.filter(passed=True, registration__session__status__in=OPEN_SESSION),
         {"date": "session_date", "keys": PILOT_KEYS}, {"not_finalized": Count("*")}),
        # Certificates count in the month of the pass they were issued for (its assessment date), so
        # that issued never exceeds passed in any month, province, org or level; certificates imported
        # from before the portal have no pass behind them and are counted apart (imported_counts).
        (ISSUED_FROM_PASSES, {"date": "request__passed_on", "keys": PILOT_KEYS},
         {"issued": Sum(Case(When(status=IssuedCertificate.Status.VALID, then=Value(1)), default=Value(0),
                             output_field=IntegerField())),
          "revoked": Sum(Case(When(status=IssuedCertificate.Status.REVOKED, then=Value(1)), default=Value(0),
                              output_field=IntegerField()))}),
        *[(IssuanceRequest.objects.filter(status=status), {"date": "passed_on", "keys": PILOT_KEYS},
           {str(cause): Count("*")}) for status, cause in REQUEST_CAUSE.items()],
    ]


INSTITUTION_KEYS = {"p": "province_id", "i": "institution_id", "o": "org_id", "c": "certificate_id", "l": "level"}


def _institution_sources():
    with_institution = Q(institution_id__isnull=False)
    return [
        (FilingLevel.objects.filter(filing__withdrawn_at__isnull=True),
         {"year": "filing__year", "keys": {"p": "filing__province_id", "i": "filing__institution_id",
                                           "o": "filing__certificate__org_id", "c": "filing__certificate_id",
                                           "l": "level"}},
         {"declared": Sum("declared_students")}),
        (Registration.objects.filter(with_institution, status=Registration.Status.REGISTERED),
         {"date": "session_date", "keys": INSTITUTION_KEYS}, {"registered": Count("*")}),
        (Result.objects.filter(with_institution), {"date": "session_date", "keys": INSTITUTION_KEYS},
         {"assessed": Count("*"), "passed": _passed_count()}),
        (Result.objects.filter(with_institution, passed=True, registration__session__status__in=OPEN_SESSION),
         {"date": "session_date", "keys": INSTITUTION_KEYS}, {"not_issued": Count("*")}),
        (ISSUED_FROM_PASSES.filter(with_institution, status=IssuedCertificate.Status.VALID),
         {"date": "request__passed_on", "keys": INSTITUTION_KEYS}, {"issued": Count("*")}),
        (IssuanceRequest.objects.filter(with_institution, status__in=list(REQUEST_CAUSE)),
         {"date": "passed_on", "keys": INSTITUTION_KEYS}, {"not_issued": Count("*")}),
    ]


def _age_case(field: str, today: datetime.date):
    return Case(*[When(**{f"{field}__gte": today - datetime.timedelta(days=days)}, then=Value(str(age)))
                  for days, age in ((7, WaitingFact.Age.WEEK), (30, WaitingFact.Age.MONTH),
                                    (90, WaitingFact.Age.QUARTER))],
                default=Value(str(WaitingFact.Age.OLDER)))


def _waiting_rows(today: datetime.date) -> list[tuple]:
    rows = []
    sources = [(Result.objects.filter(passed=True, registration__session__status__in=OPEN_SESSION), "session_date",
                WaitingFact.Cause.NOT_FINALIZED)]
    sources += [(IssuanceRequest.objects.filter(status=status), "passed_on", cause)
                for status, cause in REQUEST_CAUSE.items()]
    for queryset, field, cause in sources:
        groups = (queryset.values(y=ExtractYear(field), a=_age_case(field, today), **{k: F(v) for k, v in PILOT_KEYS.items()})
                  .annotate(n=Count("*"), oldest=Min(field)).order_by())
        rows += [(g["y"], g["p"], g["o"], g["c"], g["l"], str(cause), g["a"], g["n"], g["oldest"]) for g in groups]
    return rows


def _fees_by_province(actor: Actor) -> dict:
    """Amounts due, paid and outstanding (aged) per province, from the fees app's own selectors."""
    summary = outstanding_summary(dues(actor), by="province_code")
    money = ("due", "paid", "outstanding", *[label for _l, label in AGE_BUCKETS])
    return {entry["key"]: {**{m: str(entry[m]) for m in money}, "no_standard_candidates": entry["no_standard_candidates"],
                           "sessions": entry["sessions"]} for entry in summary}


def _replace(model, columns: list[str], rows: list[tuple]) -> None:
    model.objects.all().delete()
    copy_rows(model, columns, rows)


def rollups_compute(*, today: datetime.date | None = None, progress: Callable[[str], None] = lambda phase: None) -> dict:
    """Recompute every rollup from the source tables; returns what was written. ``progress`` is
    told each phase (``RollupRefresh.Phase``) as it starts."""
    today = today or timezone.localdate()
    progress(RollupRefresh.Phase.PILOT)
    facts: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(PILOT_MEASURES, 0))
    for queryset, grouping, measures in _pilot_sources():
        for g in _groups(queryset, measures=measures, **grouping):
            row = facts[(g["y"], g.get("m"), g["p"], g["o"], g["c"], g["l"])]
            for name in measures:
                row[name] += g[name] or 0
    progress(RollupRefresh.Phase.INSTITUTIONS)
    for row in facts.values():  # planned candidates assessed, cell by cell (a month over plan makes up no other)
        row["plan_met"] = min(row["planned"], row["assessed"])
    by_institution: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(INSTITUTION_MEASURES, 0))
    for queryset, grouping, measures in _institution_sources():
        for g in _groups(queryset, measures=measures, monthly=False, **grouping):
            row = by_institution[(g["y"], g["p"], g["i"], g["o"], g["c"], g["l"])]
            for name in measures:
                row[name] += g[name] or 0
    by_year: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(PILOT_MEASURES, 0))
    for (year, _month, *key), row in facts.items():
        total = by_year[(year, *key)]
        for name in PILOT_MEASURES:
            total[name] += row[name]
    progress(RollupRefresh.Phase.WAITING_ISSUANCE)
    waiting = _waiting_rows(today)
    progress(RollupRefresh.Phase.FEES)
    fees = _fees_by_province(national_reader())
    progress(RollupRefresh.Phase.SAVING)
    with transaction.atomic():
        _replace(PilotFact, ["year", "month", "province_id", "org_id", "certificate_id", "level", *PILOT_MEASURES],
                 [(*key, *(row[m] for m in PILOT_MEASURES)) for key, row in facts.items()])
        _replace(PilotYearFact, ["year", "province_id", "org_id", "certificate_id", "level", *PILOT_MEASURES],
                 [(*key, *(row[m] for m in PILOT_MEASURES)) for key, row in by_year.items()])
        _replace(InstitutionFact, ["year", "province_id", "institution_id", "org_id", "certificate_id", "level",
                                   *INSTITUTION_MEASURES],
                 [(*key, *(row[m] for m in INSTITUTION_MEASURES)) for key, row in by_institution.items()])
        _replace(WaitingFact, ["year", "province_id", "org_id", "certificate_id", "level", "cause", "age", "count",
                               "oldest"], waiting)
    return {"rows": len(facts) + len(by_year) + len(by_institution) + len(waiting), "fees": fees}




def rollup_refresh_request(*, actor: Actor | None, trigger: str = "manual", enqueue: bool = True) -> RollupRefresh:
    """Queue a refresh (the ministry's button; ``actor`` None for the schedule). One at a time: a
    second request while one is queued or running returns that one (the schedule) or is refused."""
    if actor is not None:
        dashboard_access(actor).require("refresh")
    with transaction.atomic():
        # One row is the queue: lock it so two requests never both start a run.
        current = RollupRefresh.objects.select_for_update().order_by("-requested_at", "-pk").first()
        if current is not None and jobs_alive(RollupRefresh).filter(pk=current.pk).exists():
            if actor is None:
                return current
            raise AppError(_("统计数据正在更新，请稍候。"), code="refresh_running")
        refresh = RollupRefresh.objects.create(trigger=trigger, requested_by=actor.user if actor else None,
                                               requested_at=timezone.now())
        if actor is not None:
            audit_log(actor=actor, action="dashboard.refresh_requested", obj=refresh, changes={"trigger": [None, trigger]})
        if enqueue:
            job_enqueue(RollupRefresh, refresh.pk)
    return refresh


def rollup_refresh_run(*, refresh_id: int, today: datetime.date | None = None) -> RollupRefresh:
    """Run a queued refresh: claim it, recompute, record when and how long."""
    claimed = job_claim(RollupRefresh, refresh_id, phase=RollupRefresh.Phase.PILOT)
    refresh = RollupRefresh.objects.get(pk=refresh_id)
    if not claimed:
        return refresh
    started = time.perf_counter()
    try:
        written = rollups_compute(today=today, progress=lambda phase: job_progress(RollupRefresh, refresh_id,
                                                                                   phase=phase))
    except Exception as error:  # recorded for the ministry; the previous figures stay in place
        logger.exception("dashboard rollup refresh %s failed", refresh_id)
        job_fail(RollupRefresh, refresh_id, message=str(error)[:500])
    else:
        job_finish(RollupRefresh, refresh_id, as_of=today or timezone.localdate(),
                   seconds=round(time.perf_counter() - started, 2), rows=written["rows"], fees=written["fees"])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (PilotFact, PilotYearFact, InstitutionFact, WaitingFact):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    refresh.refresh_from_db()
    return refresh


def rollup_refresh_now(*, actor: Actor | None = None, trigger: str = "manual") -> RollupRefresh:
    """Request and run a refresh in this process (demo data, tests, the benchmark)."""
    refresh = rollup_refresh_request(actor=actor, trigger=trigger, enqueue=False)
    return rollup_refresh_run(refresh_id=refresh.pk)
