"""Refreshing the dashboard's rollups: in full (the ministry's button, nightly) or only the keys
that changed (after a session is finalized, an issuance chunk is stored, a payment recorded, and
every 15 minutes).

Each source table is grouped once in the database (``Count('*')``/``Sum`` per key), the groups are
added up here by key, and the rollup rows are replaced in one transaction: a reader sees the old
figures or the new ones, never a mix. Every rollup row lies in one key (province x org x certificate
level); database triggers mark the keys whose source rows change (``RollupChange``). A refresh of
the changes takes the marks, recomputes every row of those keys from the sources (all months, years,
institutions, causes) and replaces them, in one transaction: exactly what a full rebuild would have
written for them. Ages (waiting passes, outstanding fees) are counted from the day of the refresh,
so the changes are refreshed alone only on the day the figures were computed; on a new day the
refresh is a full one.

A refresh is a background job (``core.jobs``) claimed by a conditional update; only one is queued or
running at a time, and requests meanwhile join it (a refresh that ends with marks left queues the
next). A run whose worker died is taken over, or failed by the sweep, after
``RollupRefresh.stale_after``.
"""

import datetime
import logging
import operator
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
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
from fees.selectors import AGE_BUCKETS, session_dues
from pilot.dashboard.measures import HUBEI, INSTITUTION_MEASURES, ISSUED_FROM_PASSES, OPEN_SESSION, PILOT_MEASURES
from pilot.dashboard.models import (
    FeeFact,
    InstitutionFact,
    PilotFact,
    PilotYearFact,
    RollupChange,
    RollupRefresh,
    WaitingFact,
)
from pilot.dashboard.selectors import dashboard_access, national_reader, refresh_latest

logger = logging.getLogger(__name__)

# Beyond this many changed keys a refresh of the changes rebuilds everything (one pass is cheaper).
MAX_CHANGED_KEYS = 300
ROLLUPS = (PilotFact, PilotYearFact, InstitutionFact, WaitingFact, FeeFact)

# The settings of a full rebuild's own statements on PostgreSQL (``_rebuild_settings``). It groups
# millions of rows per statement: with the default work_mem (4MB) its hashes spill to disk. Its joins
# are one to one on ids written in the same order (a result and its registration, a certificate and
# its request): merging the two id indexes costs about half what hashing millions of rows does
# (measured at national scale: 3.5 s against 5.5 s for the fees, 0.7 s against 1.2 s for the open
# passes), and the planner, not knowing the order, would hash. Expecting hundreds of thousands of
# groups, it also keeps the scans to one process; with parallel workers made cheap it splits them
# (the registrations' groups: 2.2-2.5 s against 3.3-3.6 s, on two busy cores).
REBUILD_SETTINGS = {"work_mem": "256MB", "enable_hashjoin": "off", "parallel_setup_cost": "0",
                    "parallel_tuple_cost": "0.001"}

REQUEST_CAUSE = {IssuanceRequest.Status.PENDING: WaitingFact.Cause.WAITING,
                 IssuanceRequest.Status.BLOCKED: WaitingFact.Cause.BLOCKED,
                 IssuanceRequest.Status.FAILED: WaitingFact.Cause.FAILED}


def _passed_count():
    return Sum(Case(When(passed=True, then=Value(1)), default=Value(0), output_field=IntegerField()))


def _keys_q(keys: list[tuple], paths: dict) -> Q:
    """The rows of ``keys`` (province, org, certificate, level), reached by ``paths`` (aliases p, o, c, l)."""
    within = Q(pk__in=[])
    for province, org, certificate, level in keys:
        within |= Q(**{paths["p"]: province, paths["o"]: org, paths["c"]: certificate, paths["l"]: level})
    return within


def _in_keys(queryset: QuerySet, keys: list[tuple] | None, paths: dict) -> QuerySet:
    """``queryset`` limited to the rows of ``keys``; all rows when ``keys`` is None."""
    if keys is None:
        return queryset
    if not keys:
        return queryset.none()
    return queryset.filter(_keys_q(keys, paths))


def _groups(queryset, *, keys: dict, measures: dict, date: str = "", year: str = "", month: str = "",
            monthly: bool = True, only: list[tuple] | None = None):
    """``queryset`` grouped by year (of ``date``, or the ``year`` field), month (of ``date``, or the
    ``month`` field, unless not ``monthly``) and ``keys`` (alias -> field path), with ``measures``;
    only the rows of the keys ``only`` when given."""
    queryset = _in_keys(queryset, only, keys)
    values = {"y": ExtractYear(date) if date else F(year)}
    if monthly and (date or month):
        values["m"] = F(month) if month else ExtractMonth(date)
    values.update({alias: F(path) for alias, path in keys.items()})
    return queryset.values(**values).annotate(**measures).order_by()


PILOT_KEYS = {"p": "province_id", "o": "org_id", "c": "certificate_id", "l": "level"}


def _pilot_sources():
    """(queryset, grouping, {measure: aggregate}) for the measures of PilotFact from the smaller tables
    (those of the large ones: ``_dated_sources``)."""
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
    ]


def _institution_sources():
    return [
        (FilingLevel.objects.filter(filing__withdrawn_at__isnull=True),
         {"year": "filing__year", "keys": {"p": "filing__province_id", "i": "filing__institution_id",
                                           "o": "filing__certificate__org_id", "c": "filing__certificate_id",
                                           "l": "level"}},
         {"declared": Sum("declared_students")}),
    ]


# The large tables are read once each (they were read up to seven times), grouped by their exact
# date (not its year and month: cheaper to group by, and hardly more groups, sessions falling on few
# days), keys and institution; those groups are grouped again by day and by year and institution
# (``_dated_groups``), from which the monthly pilot rows, the yearly institution rows and the aged
# waiting rows are all added up. Each source: (queryset, date field, extra grouping, {measure: aggregate}).
DATED_KEYS = {**PILOT_KEYS, "i": "institution_id"}


def _dated_sources():
    open_passes = Result.objects.filter(passed=True, registration__session__status__in=OPEN_SESSION)
    return {
        "registered": (Registration.objects.filter(status=Registration.Status.REGISTERED), "session_date", {},
                       {"registered": Count("*")}),
        "results": (Result.objects.all(), "session_date", {}, {"assessed": Count("*"), "passed": _passed_count()}),
        "open_passes": (open_passes, "session_date", {}, {"n": Count("*")}),
        # Certificates count in the month of the pass they were issued for (its assessment date), so
        # that issued never exceeds passed in any month, province, org or level; certificates imported
        # from before the portal have no pass behind them and are counted apart (imported_counts).
        "issued": (ISSUED_FROM_PASSES, "request__passed_on", {},
                   {"issued": Sum(Case(When(status=IssuedCertificate.Status.VALID, then=Value(1)), default=Value(0),
                                       output_field=IntegerField())),
                    "revoked": Sum(Case(When(status=IssuedCertificate.Status.REVOKED, then=Value(1)), default=Value(0),
                                        output_field=IntegerField()))}),
        "requests": (IssuanceRequest.objects.filter(status__in=list(REQUEST_CAUSE)), "passed_on", {"s": "status"},
                     {"n": Count("*")}),
    }


def _dated_groups(queryset, *, date: str, extra: dict, measures: dict,
                  only: list[tuple] | None) -> tuple[list[tuple], list[tuple]]:
    """``queryset`` grouped two ways: by day (tuples: date, province, org, certificate, level,
    *extra, *measures) and by year and institution, of the rows with one (year, province,
    institution, org, certificate, level, *extra, *measures)."""
    queryset = _in_keys(queryset, only, DATED_KEYS)
    values = {"d": F(date), **{alias: F(path) for alias, path in {**DATED_KEYS, **extra}.items()}}
    fine = queryset.values(**values).annotate(**measures).order_by().values_list(*values, *measures)
    if connection.vendor == "postgresql":
        return _regrouped_postgres(fine, extra=list(extra), measures=list(measures))
    by_day: dict[tuple, list] = {}
    by_institution: dict[tuple, list] = {}
    width = len(measures)
    for day, p, o, c, level, i, *rest in fine:
        keys, sums = rest[:len(extra)], rest[len(extra):]
        groups = [(by_day, (day, p, o, c, level, *keys))]
        if i is not None:
            groups.append((by_institution, (day.year, p, i, o, c, level, *keys)))
        for target, key in groups:
            total = target.setdefault(key, [0] * width)
            for n, value in enumerate(sums):
                total[n] += value
    return ([(*key, *sums) for key, sums in by_day.items()],
            [(*key, *sums) for key, sums in by_institution.items()])


def _regrouped_postgres(fine, *, extra: list[str], measures: list[str]) -> tuple[list[tuple], list[tuple]]:
    """``_dated_groups`` in one statement: the groups by day and institution, grouped again by both
    sets in the database, so that a fifth of the rows come back (there are hundreds of thousands of
    those groups at national scale, and adding them up here took seconds). Read straight from the
    cursor: the driver gives dates and ints, and Django's converters, called per value, cost more."""
    quote = connection.ops.quote_name
    sql, params = fine.query.sql_with_params()
    day = ["d", "p", "o", "c", "l", *extra]
    institution = ["y", "p", "i", "o", "c", "l", *extra]
    columns = ", ".join(quote(name) for name in dict.fromkeys(day + institution))
    sums = ", ".join(f"SUM({quote(name)})::bigint" for name in measures)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT GROUPING({quote('i')}), {columns}, {sums} "
            f"FROM (SELECT *, EXTRACT(YEAR FROM {quote('d')})::int AS {quote('y')} FROM ({sql}) AS fine) AS dated "
            f"GROUP BY GROUPING SETS (({', '.join(map(quote, day))}), ({', '.join(map(quote, institution))}))",
            params)
        rows = cursor.fetchall()
    index = {name: n + 1 for n, name in enumerate(dict.fromkeys(day + institution))}
    day_at = [index[name] for name in day]
    institution_at = [index[name] for name in institution]
    sums_at = range(len(index) + 1, len(index) + 1 + len(measures))
    by_day, by_institution = [], []
    for row in rows:
        if row[0]:  # the institution is not grouped: the day's set
            by_day.append(tuple(row[n] for n in (*day_at, *sums_at)))
        elif row[index["i"]] is not None:
            by_institution.append(tuple(row[n] for n in (*institution_at, *sums_at)))
    return by_day, by_institution


@contextmanager
def _rebuild_settings(full: bool, **overrides: str):
    """Around a full rebuild's heavy statements: ``REBUILD_SETTINGS`` (and ``overrides``), for their
    transaction only (SET LOCAL; each statement gets one, so the phases stay visible to the progress
    bar meanwhile)."""
    if not full or connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        for name, value in {**REBUILD_SETTINGS, **overrides}.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
        yield


def _age(day: datetime.date, today: datetime.date) -> str:
    """The age bucket (``WaitingFact.Age``) of a wait since ``day``, counted from ``today``."""
    for days, age in ((7, WaitingFact.Age.WEEK), (30, WaitingFact.Age.MONTH), (90, WaitingFact.Age.QUARTER)):
        if day >= today - datetime.timedelta(days=days):
            return str(age)
    return str(WaitingFact.Age.OLDER)


def _fee_rows(only: list[tuple] | None) -> list[tuple]:
    """FeeFact rows: per finalized session, what its payers owe and paid (the fees app's selector)."""
    if only is not None and not only:
        return []
    within = None if only is None else _keys_q(only, {"p": "province_id", "o": "org_id", "c": "certificate_id",
                                                      "l": "level"})
    return [(d.session_id, d.province_code, d.org_id, d.certificate_id, d.level, d.candidates, d.amount_due, d.paid,
             d.finalized_on or d.session_date) for d in session_dues(national_reader(), within=within)]


def _fees_by_province(today: datetime.date) -> dict:
    """Amounts due, paid and outstanding per province, aged as of ``today``, and the candidates with
    no verified standard apart: the fees panel, added up from FeeFact (a row per session)."""
    money = ("due", "paid", "outstanding", *[label for _l, label in AGE_BUCKETS])
    summary: dict[str, dict] = {}
    for province, candidates, due, paid, age_from in FeeFact.objects.values_list(
            "province_id", "candidates", "due", "paid", "age_from").order_by():
        entry = summary.setdefault(province, {**dict.fromkeys(money, Decimal("0.00")), "no_standard_candidates": 0,
                                              "sessions": 0})
        entry["sessions"] += 1
        entry["paid"] += paid
        if due is None:
            entry["no_standard_candidates"] += candidates
            continue
        days = (today - age_from).days
        bucket = next(label for limit, label in AGE_BUCKETS if limit is None or days <= limit)
        entry["due"] += due
        entry["outstanding"] += due - paid
        entry[bucket] += due - paid
    ordered = sorted(summary.items(), key=lambda item: (-item[1]["outstanding"], item[0]))
    return {province: {**{m: str(entry[m]) for m in money}, "no_standard_candidates": entry["no_standard_candidates"],
                       "sessions": entry["sessions"]} for province, entry in ordered}


def _replace(model, columns: list[str], rows: list[tuple], only: list[tuple] | None) -> None:
    """Replace the rows of ``model``: all of them, or those of the keys ``only``, by ``rows``. Only
    what differs is written: a row stored exactly as computed stays (most do from one refresh to the
    next), a stored row no longer computed is deleted and a computed row not stored is copied in.
    Deleting and copying every row cost more than reading them (at national scale, about 1 s to
    write 95,000 rows into tables of seven or eight indexes); when most rows differ they are all
    replaced, as before."""
    stored = _in_keys(model.objects.all(), only, {"p": "province_id", "o": "org_id", "c": "certificate_id",
                                                  "l": "level"})
    found = list(stored.values_list(*columns, "pk").order_by())
    by_values = {row[:-1]: row[-1] for row in found}
    computed = set(rows)
    if len(by_values) == len(found) and len(computed) == len(rows):
        gone = [pk for values, pk in by_values.items() if values not in computed]
        new = [row for row in rows if row not in by_values]
    else:  # equal rows on either side (not written by a rebuild): matched one for one
        wanted = Counter(rows)
        gone = []
        for *values, pk in found:
            if wanted[tuple(values)] > 0:
                wanted[tuple(values)] -= 1
            else:
                gone.append(pk)
        new = list(wanted.elements())
    if len(gone) * 2 > len(found):
        stored.delete()
        copy_rows(model, columns, rows)
        return
    _delete_ids(model, gone)
    copy_rows(model, columns, new)


def _delete_ids(model, ids: list[int]) -> None:
    if not ids:
        return
    if connection.vendor == "postgresql":  # one array, not a parameter per id
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)} WHERE id = ANY(%s)", [ids])
        return
    for start in range(0, len(ids), 500):
        model.objects.filter(pk__in=ids[start:start + 500]).delete()


def rollups_compute(*, today: datetime.date | None = None, progress: Callable[[str], None] = lambda phase: None,
                    changes: list[tuple] | None = None) -> dict:
    """Recompute the rollups from the source tables and write them; returns what was written.
    ``progress`` is told each phase (``RollupRefresh.Phase``) as it starts. With ``changes`` (keys:
    province, org, certificate, level) only the rows of those keys are recomputed and replaced; the
    fees panel is then added up again from FeeFact. The caller holds the transaction when it passes
    changes (the marks are consumed in it)."""
    today = today or timezone.localdate()
    only = None if changes is None else sorted(set(changes))
    progress(RollupRefresh.Phase.PILOT)
    facts: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(PILOT_MEASURES, 0))
    for queryset, grouping, measures in _pilot_sources():
        for g in _groups(queryset, measures=measures, only=only, **grouping):
            row = facts[(g["y"], g.get("m"), g["p"], g["o"], g["c"], g["l"])]
            for name in measures:
                row[name] += g[name] or 0
    by_institution: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(INSTITUTION_MEASURES, 0))
    for queryset, grouping, measures in _institution_sources():
        for g in _groups(queryset, measures=measures, monthly=False, only=only, **grouping):
            row = by_institution[(g["y"], g["p"], g["i"], g["o"], g["c"], g["l"])]
            for name in measures:
                row[name] += g[name] or 0
    # (year, province, org, certificate, level, cause, age) -> [count, oldest]
    waits: dict[tuple, list] = {}
    ages: dict[datetime.date, str] = {}

    def wait(day, p, o, c, level, cause, n):
        age = ages.get(day) or ages.setdefault(day, _age(day, today))
        entry = waits.get(key := (day.year, p, o, c, level, cause, age))
        if entry is None:
            waits[key] = [n, day]
        else:
            entry[0] += n
            if day < entry[1]:
                entry[1] = day

    sources = _dated_sources()

    def groups(name: str):
        queryset, date, extra, measures = sources[name]
        with _rebuild_settings(only is None):
            return _dated_groups(queryset, date=date, extra=extra, measures=measures, only=only)

    # Each source: its groups by day (pilot months, waits) and by year and institution.
    days, institution_years = groups("registered")
    for day, p, o, c, level, registered in days:
        facts[(day.year, day.month, p, o, c, level)]["registered"] += registered
    for *key, registered in institution_years:
        by_institution[tuple(key)]["registered"] += registered
    days, institution_years = groups("results")
    for day, p, o, c, level, assessed, passed in days:
        row = facts[(day.year, day.month, p, o, c, level)]
        row["assessed"] += assessed
        row["passed"] += passed
    for *key, assessed, passed in institution_years:
        row = by_institution[tuple(key)]
        row["assessed"] += assessed
        row["passed"] += passed
    progress(RollupRefresh.Phase.INSTITUTIONS)
    not_finalized = str(WaitingFact.Cause.NOT_FINALIZED)
    days, institution_years = groups("open_passes")
    for day, p, o, c, level, n in days:
        facts[(day.year, day.month, p, o, c, level)]["not_finalized"] += n
        wait(day, p, o, c, level, not_finalized, n)
    for *key, n in institution_years:
        by_institution[tuple(key)]["not_issued"] += n
    days, institution_years = groups("issued")
    for day, p, o, c, level, issued, revoked in days:
        row = facts[(day.year, day.month, p, o, c, level)]
        row["issued"] += issued
        row["revoked"] += revoked
    for *key, issued, _revoked in institution_years:
        if issued:  # the institutions count valid certificates: only revoked ones make no row
            by_institution[tuple(key)]["issued"] += issued
    progress(RollupRefresh.Phase.WAITING_ISSUANCE)
    causes = {status: str(cause) for status, cause in REQUEST_CAUSE.items()}
    days, institution_years = groups("requests")
    for day, p, o, c, level, status, n in days:
        facts[(day.year, day.month, p, o, c, level)][causes[status]] += n
        wait(day, p, o, c, level, causes[status], n)
    for *key, _status, n in institution_years:
        by_institution[tuple(key)]["not_issued"] += n
    for row in facts.values():  # planned candidates assessed, cell by cell (a month over plan makes up no other)
        row["plan_met"] = min(row["planned"], row["assessed"])
    by_year: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(PILOT_MEASURES, 0))
    for (year, _month, *key), row in facts.items():
        total = by_year[(year, *key)]
        for name in PILOT_MEASURES:
            total[name] += row[name]
    waiting = [(year, *key, cause, age, n, oldest) for (year, *key, cause, age), (n, oldest) in waits.items()]
    progress(RollupRefresh.Phase.FEES)
    # One process: its join's inner side, an index scan not split among workers, would be read
    # whole by each of them (measured at national scale: 2.9 s alone against 4.9 s with two).
    with _rebuild_settings(only is None, max_parallel_workers_per_gather="0"):
        fee_rows = _fee_rows(only)
    progress(RollupRefresh.Phase.SAVING)
    pilot_measures, institution_measures = operator.itemgetter(*PILOT_MEASURES), operator.itemgetter(*INSTITUTION_MEASURES)
    with transaction.atomic():
        _replace(PilotFact, ["year", "month", "province_id", "org_id", "certificate_id", "level", *PILOT_MEASURES],
                 [key + pilot_measures(row) for key, row in facts.items()], only)
        _replace(PilotYearFact, ["year", "province_id", "org_id", "certificate_id", "level", *PILOT_MEASURES],
                 [key + pilot_measures(row) for key, row in by_year.items()], only)
        _replace(InstitutionFact, ["year", "province_id", "institution_id", "org_id", "certificate_id", "level",
                                   *INSTITUTION_MEASURES],
                 [key + institution_measures(row) for key, row in by_institution.items()], only)
        _replace(WaitingFact, ["year", "province_id", "org_id", "certificate_id", "level", "cause", "age", "count",
                               "oldest"], waiting, only)
        _replace(FeeFact, ["session_id", "province_id", "org_id", "certificate_id", "level", "candidates", "due",
                           "paid", "age_from"], fee_rows, only)
        fees = _fees_by_province(today)
    return {"rows": len(facts) + len(by_year) + len(by_institution) + len(waiting) + len(fee_rows), "fees": fees,
            "keys": None if only is None else len(only)}


def _changes_take() -> list[tuple]:
    """Consume the marks: delete them and return their keys. Inside the caller's transaction, so a
    failed refresh puts them back; a write committed meanwhile leaves marks of its own."""
    table = connection.ops.quote_name(RollupChange._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} RETURNING province_id, org_id, certificate_id, level")
        return list({tuple(row) for row in cursor.fetchall()})


def _changes_put_back(keys: list[tuple]) -> None:
    RollupChange.objects.bulk_create([RollupChange(province_id=province, org_id=org, certificate_id=certificate,
                                                   level=level) for province, org, certificate, level in keys])


def rollups_changed() -> bool:
    """Whether source rows changed since the last refresh read them."""
    return RollupChange.objects.exists()




def rollup_refresh_request(*, actor: Actor | None, trigger: str = "manual", enqueue: bool = True,
                           kind: str = RollupRefresh.Kind.FULL) -> RollupRefresh:
    """Queue a refresh (the ministry's button, a full one; ``actor`` None for the schedule and the
    triggers). One at a time: a request while one is queued or running joins that one (the schedule,
    the triggers; the running one queues the next when it ends with changes left) or is refused (a
    click)."""
    if actor is not None:
        dashboard_access(actor).require("refresh")
    with transaction.atomic():
        # One row is the queue: lock it so two requests never both start a run.
        current = RollupRefresh.objects.select_for_update().order_by("-requested_at", "-pk").first()
        if current is not None and jobs_alive(RollupRefresh).filter(pk=current.pk).exists():
            if actor is None:
                if kind == RollupRefresh.Kind.FULL and current.status == RollupRefresh.Status.QUEUED:
                    # A rebuild asked while the changes wait: the queued refresh becomes the rebuild.
                    RollupRefresh.objects.filter(pk=current.pk).update(kind=kind)
                    current.kind = kind
                return current
            raise AppError(_("统计数据正在更新，请稍候。"), code="refresh_running")
        refresh = RollupRefresh.objects.create(trigger=trigger, kind=kind, requested_by=actor.user if actor else None,
                                               requested_at=timezone.now())
        if actor is not None:
            audit_log(actor=actor, action="dashboard.refresh_requested", obj=refresh, changes={"trigger": [None, trigger]})
        if enqueue:
            job_enqueue(RollupRefresh, refresh.pk)
    return refresh


def rollup_changes_request(*, trigger: str, enqueue: bool = True) -> RollupRefresh | None:
    """Queue a refresh of what changed, when something did (or when the figures are of another
    day); None when the figures are up to date. Coalesced: it joins a refresh queued or running."""
    latest = refresh_latest()
    if latest is not None and latest.as_of == timezone.localdate() and not rollups_changed():
        return None
    return rollup_refresh_request(actor=None, trigger=trigger, enqueue=enqueue, kind=RollupRefresh.Kind.CHANGES)


def rollup_changes_on_commit(trigger: str) -> None:
    """Ask for a refresh of the changes once the current transaction commits (what it changed is
    marked by then); at once outside a transaction. Nothing when the on-change refresh is off
    (``DASHBOARD_REFRESH_ON_CHANGE``): the schedule picks the marks up."""
    if not settings.DASHBOARD_REFRESH_ON_CHANGE:
        return
    transaction.on_commit(lambda: rollup_changes_request(trigger=trigger))


def _refresh_changes(today: datetime.date, progress: Callable[[str], None]) -> dict | None:
    """Recompute the keys marked since the last refresh, in one transaction; None when it must be
    a full rebuild instead (no refresh of today to build on, or too many keys changed)."""
    latest = refresh_latest()
    if latest is None or latest.as_of != today:
        return None
    with transaction.atomic():
        changes = _changes_take()
        if len(changes) > MAX_CHANGED_KEYS:
            transaction.set_rollback(True)  # the marks stay for the full rebuild to take
            return None
        return rollups_compute(today=today, progress=progress, changes=changes)


def _refresh_full(today: datetime.date, progress: Callable[[str], None]) -> dict:
    """Recompute everything. The marks are taken first: what commits later is marked again and
    refreshed next; if the rebuild fails they are put back."""
    with transaction.atomic():
        taken = _changes_take()
    try:
        return rollups_compute(today=today, progress=progress)
    except Exception:
        _changes_put_back(taken)
        raise


def rollup_refresh_run(*, refresh_id: int, today: datetime.date | None = None) -> RollupRefresh:
    """Run a queued refresh: claim it, recompute (in full, or the changes), record when and how
    long. A refresh that ends with marks left (writes committed while it ran) queues the next."""
    claimed = job_claim(RollupRefresh, refresh_id, phase=RollupRefresh.Phase.PILOT)
    refresh = RollupRefresh.objects.get(pk=refresh_id)
    if not claimed:
        return refresh
    today = today or timezone.localdate()
    started = time.perf_counter()

    def progress(phase):
        job_progress(RollupRefresh, refresh_id, phase=phase)

    try:
        written = None
        if refresh.kind == RollupRefresh.Kind.CHANGES:
            written = _refresh_changes(today, progress)
        kind = RollupRefresh.Kind.CHANGES if written is not None else RollupRefresh.Kind.FULL
        if written is None:
            written = _refresh_full(today, progress)
    except Exception as error:  # recorded for the ministry; the previous figures stay in place
        logger.exception("dashboard rollup refresh %s failed", refresh_id)
        job_fail(RollupRefresh, refresh_id, message=str(error)[:500])
    else:
        job_finish(RollupRefresh, refresh_id, as_of=today, kind=kind, seconds=round(time.perf_counter() - started, 2),
                   rows=written["rows"], fees=written["fees"])
        if connection.vendor == "postgresql" and kind == RollupRefresh.Kind.FULL:
            with connection.cursor() as cursor:
                for model in ROLLUPS:
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        if rollups_changed():
            rollup_changes_request(trigger="follow_up")
    refresh.refresh_from_db()
    return refresh


def rollup_refresh_now(*, actor: Actor | None = None, trigger: str = "manual",
                       kind: str = RollupRefresh.Kind.FULL) -> RollupRefresh:
    """Request and run a refresh in this process (demo data, tests, the benchmark)."""
    refresh = rollup_refresh_request(actor=actor, trigger=trigger, enqueue=False, kind=kind)
    return rollup_refresh_run(refresh_id=refresh.pk)
