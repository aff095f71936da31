"""The aggregation the indicators are computed from, in the database.

Every figure is a GROUP BY over the org (and the certificate, level, province, site or session
where the evidence needs them) with ``COUNT(*)``/``FILTER``: at national scale (3,000,000
registrations, 1,000,000 certificates, 100 orgs) a few scans of the big tables reach Python as a
few thousand groups, never as rows, and nothing loops over orgs issuing queries. Registrations
joined to results are scanned once, grouped by session; plan fulfilment and the pass-rate
anomalies both read those per-session counts. The evidence rows
that are lists of records (first trainings, oldest waiting passes, oldest paper orders) are cut to
a few per org inside the database with ``ROW_NUMBER() OVER (PARTITION BY org)``.

The period is the year to date: from 1 January of the as-of date's year up to the as-of date
(the month's last day, or today for the current month); plan fulfilment counts the months of the
planning window to date. Definitions are printed on the pages.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable
from typing import NamedTuple

from django.db.models import Count, F, Max, Min, Q, Sum, Value, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from accounts.models import AuditEntry, Province, RoleBinding
from assessments.models import (
    AssessmentPlanRow,
    AssessmentSession,
    PlanningWindow,
    Registration,
    Site,
    TeacherTraining,
)
from assessments.plans.models import DEFAULT_WINDOW
from assessments.reports.selectors import plans_in_force
from assessments.trainings.models import HUBEI
from certificates.batches.models import SelectionBatch
from certificates.catalog.models import Certificate, CertificateLevel
from certificates.issuance.models import IssuanceRequest, IssuedCertificate
from certificates.paper_copies.models import PaperCopyOrder
from organizations.complaints.models import Complaint
from organizations.orgs.models import Org
from pilot.indicators import scoring

NOT_ISSUED = (IssuanceRequest.Status.PENDING, IssuanceRequest.Status.BLOCKED, IssuanceRequest.Status.FAILED)
EVIDENCE_ROWS = 100  # complaints kept per org (the count of the rest is kept); aggregated rows are kept whole
FIRST_ROWS = 5  # first trainings, oldest waiting passes, oldest paper orders: per org
CELL = ("org_id", "certificate_id", "level", "province_id")


def _count(condition: Q | None = None) -> Count:
    return Count("*") if condition is None else Count(Value(1), filter=condition)


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _first_per_org(qs, order: list, limit: int = FIRST_ROWS):
    """The first ``limit`` rows of each org by ``order``, chosen in the database."""
    return qs.annotate(rn=Window(RowNumber(), partition_by=[F("org_id")], order_by=order)).filter(rn__lte=limit)


class Labels:
    """Names for the ids the evidence mentions, read once per run."""

    def __init__(self):
        self.provinces = dict(Province.objects.values_list("code", "name"))
        self.certificates = {pk: (name, code) for pk, name, code in
                             Certificate.objects.values_list("pk", "name", "code")}

    def cell(self, certificate_id, level, province_id) -> dict:
        name, code = self.certificates.get(certificate_id, ("", ""))
        return {"certificate": name, "code": code, "level": level, "province": self.provinces.get(province_id, "")}


def _sorted(rows: list[dict], key) -> dict:
    """Aggregated evidence rows, all of them (a few hundred per org at most), worst first: the
    page shows the first ones, the export all."""
    return {"rows": sorted(rows, key=key), "more": 0}


# --- teacher training ----------------------------------------------------------------------------

def training_figures(year_start, as_of, labels: Labels) -> dict[int, dict]:
    trainings = TeacherTraining.objects.filter(start_date__gte=year_start, start_date__lte=as_of).order_by()
    in_hubei = Q(province_id=HUBEI) | Q(hubei_special=True)
    out: dict[int, dict] = {}
    for row in trainings.values("org_id").annotate(first=Min("start_date"), first_hubei=Min("start_date", filter=in_hubei),
                                                   n=_count(), teachers=Sum("teachers_trained")):
        out[row["org_id"]] = {"training_first_national": row["first"], "training_first_hubei": row["first_hubei"],
                              "trainings": row["n"], "teachers_trained": row["teachers"] or 0,
                              "evidence": {"national": [], "hubei": []}}
    fields = ("pk", "org_id", "certificate_id", "level", "province_id", "start_date", "end_date", "teachers_trained",
              "hubei_special")
    order = [F("start_date").asc(), F("pk").asc()]
    for part, qs in (("national", trainings), ("hubei", trainings.filter(in_hubei))):
        for row in _first_per_org(qs, order).values(*fields):
            out[row["org_id"]]["evidence"][part].append({
                "id": row["pk"], **labels.cell(row["certificate_id"], row["level"], row["province_id"]),
                "start": row["start_date"].isoformat(), "end": row["end_date"].isoformat(),
                "teachers": row["teachers_trained"], "hubei_special": row["hubei_special"]})
    return out


# --- results per session: plan fulfilment and pass-rate anomalies ---------------------------------

class SessionResults(NamedTuple):
    session_id: int
    site_id: int
    org_id: int
    certificate_id: int
    level: str
    province_id: str
    date: datetime.date
    n: int  # assessed: results of registrations neither absent nor cancelled
    passed: int


def session_results(year_start, as_of) -> list[SessionResults]:
    """Candidates assessed and passed per session held in the period: one scan of registrations
    joined to their results, grouped by session (tens of thousands of groups at national scale);
    the sessions' own facts come from the (small) sessions table."""
    per_session = (Registration.objects.filter(session_date__gte=year_start, session_date__lte=as_of,
                                               status=Registration.Status.REGISTERED, absent=False,
                                               result__isnull=False).order_by()
                   .values("session_id").annotate(n=_count(), passed=_count(Q(result__passed=True))))
    counts = {row["session_id"]: (row["n"], row["passed"]) for row in per_session}
    sessions = (AssessmentSession.objects.filter(date__gte=year_start, date__lte=as_of).order_by()
                .values_list("pk", "site_id", "org_id", "certificate_id", "level", "province_id", "date"))
    return [SessionResults(*row, *counts[row[0]]) for row in sessions if row[0] in counts]


# --- plan fulfilment -----------------------------------------------------------------------------

def plan_figures(as_of: datetime.date, labels: Labels, sessions: list[SessionResults]) -> dict[int, dict]:
    """Assessed against the plan in force at the as-of date, over the planning window's months to
    date (assessments before the window are not measured against a plan that does not cover them)."""
    year = as_of.year
    window = PlanningWindow.objects.filter(year=year).first()
    first_month = window.first_month if window else DEFAULT_WINDOW[0]
    plan_ids = plans_in_force(year, as_of + datetime.timedelta(days=1))
    cells: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for row in (AssessmentPlanRow.objects.filter(plan_id__in=plan_ids, month__lte=as_of.month).order_by()
                .values("certificate_id", "level", "province_id", org_id=F("plan__org_id"))
                .annotate(n=Sum("planned_candidates"))):
        cells[tuple(row[k] for k in CELL)][0] += row["n"] or 0
    window_start = datetime.date(year, first_month, 1)
    for session in sessions:
        if window_start <= session.date <= as_of:
            cells[(session.org_id, session.certificate_id, session.level, session.province_id)][1] += session.n
    out: dict[int, dict] = {}
    for (org_id, certificate_id, level, province_id), (planned, assessed) in cells.items():
        entry = out.setdefault(org_id, {"planned": 0, "assessed": 0, "rows": []})
        entry["planned"] += planned
        entry["assessed"] += assessed
        entry["rows"].append({**labels.cell(certificate_id, level, province_id), "planned": planned,
                              "assessed": assessed,
                              "fulfilment": round(assessed * 100 / planned, 1) if planned else None})
    for entry in out.values():
        # Worst first: the planned cells furthest behind, then what was assessed without a plan.
        entry["evidence"] = _sorted(entry.pop("rows"), key=lambda r: (r["fulfilment"] is None,
                                                                       r["fulfilment"] or 0, -r["planned"]))
        entry["window"] = [window_start.isoformat(), as_of.isoformat()]
    return out


# --- issuance timeliness -------------------------------------------------------------------------

def issuance_figures(year_start, as_of, labels: Labels) -> dict[int, dict]:
    end = _aware(as_of + datetime.timedelta(days=1))
    requests = IssuanceRequest.objects.filter(passed_on__gte=year_start, passed_on__lte=as_of).order_by()
    # Waiting at the as-of date: still pending, blocked or failed, or issued only after it.
    waiting = Q(status__in=NOT_ISSUED) | Q(status=IssuanceRequest.Status.ISSUED, processed_at__gte=end)
    cells: dict[tuple, dict] = defaultdict(lambda: {"issued": 0, "days": 0, "max": None, "late": 0, "waiting": 0,
                                                    "oldest": None})
    for row in requests.filter(waiting).values(*CELL).annotate(n=_count(), oldest=Min("passed_on")):
        cell = cells[tuple(row[k] for k in CELL)]
        cell["waiting"], cell["oldest"] = row["n"], row["oldest"]
    late = datetime.timedelta(days=scoring.ISSUE_WITHIN_DAYS)
    issued = (IssuedCertificate.objects.filter(origin=IssuedCertificate.Origin.ISSUED, request__isnull=False,
                                               request__passed_on__gte=year_start, issued_on__lte=as_of).order_by()
              .annotate(days=F("issued_on") - F("request__passed_on")))
    for row in issued.values(*CELL).annotate(n=_count(), total=Sum("days"), longest=Max("days"),
                                             late=_count(Q(issued_on__gt=F("request__passed_on") + late))):
        cell = cells[tuple(row[k] for k in CELL)]
        cell.update(issued=row["n"], days=_days(row["total"]), max=_days(row["longest"]), late=row["late"])
    out: dict[int, dict] = {}
    for (org_id, certificate_id, level, province_id), cell in cells.items():
        entry = out.setdefault(org_id, {"issued": 0, "days": 0, "max": None, "late": 0, "waiting": 0, "oldest": None,
                                        "rows": []})
        for name in ("issued", "days", "late", "waiting"):
            entry[name] += cell[name]
        entry["max"] = max((v for v in (entry["max"], cell["max"]) if v is not None), default=None)
        entry["oldest"] = min((v for v in (entry["oldest"], cell["oldest"]) if v is not None), default=None)
        entry["rows"].append({**labels.cell(certificate_id, level, province_id), "issued": cell["issued"],
                              "avg_days": round(cell["days"] / cell["issued"], 1) if cell["issued"] else None,
                              "max_days": cell["max"], "late": cell["late"], "waiting": cell["waiting"],
                              "oldest": cell["oldest"].isoformat() if cell["oldest"] else None})
    oldest = _first_per_org(requests.filter(waiting), [F("passed_on").asc(), F("pk").asc()])
    for row in oldest.values("pk", "org_id", "certificate_id", "level", "province_id", "passed_on", "status",
                             "block_code"):
        entry = out[row["org_id"]]
        entry.setdefault("waiting_rows", []).append({
            "id": row["pk"], **labels.cell(row["certificate_id"], row["level"], row["province_id"]),
            "passed_on": row["passed_on"].isoformat(), "status": row["status"], "block_code": row["block_code"],
            "days": (as_of - row["passed_on"]).days})
    for entry in out.values():
        entry["evidence"] = {"cells": _sorted(entry.pop("rows"), key=lambda r: (-r["waiting"], -(r["avg_days"] or 0))),
                             "waiting": entry.pop("waiting_rows", [])}
    return out


def _days(value) -> int:
    """A sum or maximum of date differences: a timedelta (PostgreSQL intervals, SQLite microseconds)."""
    if value is None:
        return 0
    if isinstance(value, datetime.timedelta):
        return value.days
    return int(value) // 86_400_000_000


# --- pass-rate anomalies (考核放水) -----------------------------------------------------------------

def anomaly_figures(labels: Labels, sessions: list[SessionResults], *, min_n: int,
                    z_threshold: float) -> dict[int, dict]:
    """Sites and provinces of a certificate level, and certificate levels of an assessment type,
    whose pass rate stands far above their peers' (pilot.indicators.scoring)."""
    sites, provinces, levels = defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0])
    org_of, results = {}, defaultdict(int)
    for session in sessions:
        certificate_id, level = session.certificate_id, session.level
        org_of[certificate_id] = session.org_id
        results[session.org_id] += session.n
        for table, key in ((sites, (certificate_id, level, session.site_id)),
                           (provinces, (certificate_id, level, session.province_id)), (levels, (certificate_id, level))):
            table[key][0] += session.n
            table[key][1] += session.passed
    level_types = {(c, lv): t for c, lv, t in CertificateLevel.objects.values_list("certificate_id", "level",
                                                                                    "assessment_type")}
    site_names = dict(Site.objects.filter(pk__in={k[2] for k in sites}).values_list("pk", "name"))
    groups: list[tuple[str, list]] = []
    for kind, table in (("site", sites), ("province", provinces)):
        by_level = defaultdict(list)
        for key, (n, passed) in table.items():
            by_level[key[:2]].append(scoring.Unit(key=key, n=n, passed=passed))
        groups += [(kind, units) for units in by_level.values()]
    by_type = defaultdict(list)
    for key, (n, passed) in levels.items():
        by_type[level_types.get(key, "")].append(scoring.Unit(key=key, n=n, passed=passed))
    groups += [("level", units) for assessment_type, units in by_type.items() if assessment_type]
    out: dict[int, dict] = {org_id: {"anomalies": 0, "rows": [], "results": n} for org_id, n in results.items()}
    for kind, units in groups:
        for outlier in scoring.lenient_outliers(units, min_n=min_n, z_threshold=z_threshold):
            certificate_id, level = outlier.unit.key[:2]
            org_id = org_of[certificate_id]
            where = {"site": lambda k: site_names.get(k[2], ""), "province": lambda k: labels.provinces.get(k[2], ""),
                     "level": lambda k: ""}[kind](outlier.unit.key)
            row = {"kind": kind, "where": where, **labels.cell(certificate_id, level, None),
                   "assessment_type": level_types.get((certificate_id, level), ""), "n": outlier.unit.n,
                   "passed": outlier.unit.passed, "rate": round(outlier.unit.rate * 100, 1),
                   "median": round(outlier.median * 100, 1), "spread": round(outlier.spread * 100, 1),
                   "z": round(outlier.z, 2), "peers": outlier.peers}
            row.pop("province")
            out[org_id]["anomalies"] += 1
            out[org_id]["rows"].append(row)
    for entry in out.values():
        entry["evidence"] = _sorted(entry.pop("rows"), key=lambda r: -r["z"])
    return out


# --- fee proposals refused for exceeding the caps (audit log) --------------------------------------

def fee_figures(year_start, as_of) -> dict[int, dict]:
    """``fee.refused`` audit entries of orgs' own proposals refused with the code ``over_cap``
    (fees.services records the org; older entries are attributed through the actor's org binding)."""
    entries = list(AuditEntry.objects.filter(action="fee.refused", actor_role="org", changes__code__1="over_cap",
                                             at__gte=_aware(year_start), at__lt=_aware(as_of + datetime.timedelta(days=1)))
                   .order_by("at", "pk").values("pk", "at", "actor_id", "object_repr", "note", "changes"))
    missing = {e["actor_id"] for e in entries if not (e["changes"].get("org") or [None, None])[1]}
    bound = dict(RoleBinding.objects.filter(role="org", user_id__in=missing).values_list("user_id", "scope_id"))
    out: dict[int, dict] = {}
    for entry in entries:
        org_id = (entry["changes"].get("org") or [None, None])[1] or bound.get(entry["actor_id"])
        if org_id is None:
            continue
        item = out.setdefault(int(org_id), {"fee_refusals": 0, "rows": []})
        item["fee_refusals"] += 1
        item["rows"].append({"id": entry["pk"], "at": timezone.localtime(entry["at"]).isoformat(timespec="minutes"),
                             "subject": entry["object_repr"], "note": entry["note"][:300]})
    for item in out.values():
        item["evidence"] = _sorted(item.pop("rows"), key=lambda r: r["at"])
    return out


# --- upheld complaints -----------------------------------------------------------------------------

def complaint_figures(year_start, as_of) -> dict[int, dict]:
    upheld = Complaint.objects.filter(status=Complaint.Status.UPHELD, created_at__gte=_aware(year_start),
                                      created_at__lt=_aware(as_of + datetime.timedelta(days=1))).order_by()
    out: dict[int, dict] = {}
    for row in upheld.values("org_id", "category").annotate(n=_count()):
        entry = out.setdefault(row["org_id"], {"complaints_upheld": 0, "by_category": {}, "rows": []})
        entry["complaints_upheld"] += row["n"]
        entry["by_category"][row["category"]] = row["n"]
    for row in _first_per_org(upheld, [F("created_at").asc(), F("pk").asc()], limit=EVIDENCE_ROWS).values(
            "org_id", "reference", "category", "created_at", "status_changed_at"):
        out[row["org_id"]]["rows"].append({
            "reference": row["reference"], "category": row["category"],
            "filed": timezone.localtime(row["created_at"]).date().isoformat(),
            "upheld": timezone.localtime(row["status_changed_at"]).date().isoformat() if row["status_changed_at"] else None})
    for entry in out.values():
        entry["evidence"] = {"rows": entry.pop("rows"), "more": max(0, entry["complaints_upheld"] - EVIDENCE_ROWS)}
    return out


# --- paper copies ----------------------------------------------------------------------------------

def paper_figures(year_start, as_of) -> dict[int, dict]:
    end = _aware(as_of + datetime.timedelta(days=1))
    overdue_before = end - datetime.timedelta(days=scoring.PAPER_OVERDUE_DAYS)
    orders = PaperCopyOrder.objects.filter(created_at__lt=end).exclude(status=PaperCopyOrder.Status.CANCELLED).order_by()
    unfulfilled = Q(status__in=(PaperCopyOrder.Status.ORDERED, PaperCopyOrder.Status.PRINTED)) | Q(
        status=PaperCopyOrder.Status.MAILED, mailed_at__gte=end)
    out: dict[int, dict] = {}
    counted = orders.filter(Q(created_at__gte=_aware(year_start)) | unfulfilled)
    for row in counted.values("org_id").annotate(orders=_count(), open=_count(unfulfilled),
                                                 overdue=_count(unfulfilled & Q(created_at__lt=overdue_before)),
                                                 oldest=Min("created_at", filter=unfulfilled)):
        out[row["org_id"]] = {"paper_orders": row["orders"], "paper_unfulfilled": row["open"],
                              "paper_overdue": row["overdue"],
                              "paper_oldest_days": (as_of - timezone.localtime(row["oldest"]).date()).days
                              if row["oldest"] else None, "evidence": {"rows": [], "more": max(0, row["open"] - FIRST_ROWS * 2)}}
    oldest = _first_per_org(orders.filter(unfulfilled), [F("created_at").asc(), F("pk").asc()], limit=FIRST_ROWS * 2)
    for row in oldest.values("pk", "org_id", "status", "created_at", "issued__certificate__name", "issued__level"):
        ordered = timezone.localtime(row["created_at"]).date()
        out[row["org_id"]]["evidence"]["rows"].append({
            "id": row["pk"], "certificate": row["issued__certificate__name"], "level": row["issued__level"],
            "status": row["status"], "ordered": ordered.isoformat(), "days": (as_of - ordered).days})
    return out


# --- all of it -------------------------------------------------------------------------------------

def selection_dates() -> dict[int, datetime.date | None]:
    """Each org's selection: the publication date of its batch (None where the portal has none)."""
    published = dict(SelectionBatch.objects.exclude(published_on=None).values_list("number", "published_on"))
    return {pk: published.get(batch) for pk, batch in Org.objects.values_list("pk", "batch_number")}


PHASES = ("training", "plan", "issuance", "anomaly", "fees", "complaints", "paper")


def indicator_figures(as_of: datetime.date, *, min_n: int, z_threshold: float,
                      progress: Callable[[str], None] | None = None) -> dict[int, dict]:
    """Every org's figures and evidence as of ``as_of``: ``{org_id: {figure: value, "evidence": {…}}}``."""
    step = progress or (lambda phase: None)
    year_start = datetime.date(as_of.year, 1, 1)
    labels = Labels()
    step("training")
    training = training_figures(year_start, as_of, labels)
    step("plan")
    sessions = session_results(year_start, as_of)
    plan = plan_figures(as_of, labels, sessions)
    step("issuance")
    issuance = issuance_figures(year_start, as_of, labels)
    step("anomaly")
    anomalies = anomaly_figures(labels, sessions, min_n=min_n, z_threshold=z_threshold)
    step("fees")
    fees = fee_figures(year_start, as_of)
    step("complaints")
    complaints = complaint_figures(year_start, as_of)
    step("paper")
    paper = paper_figures(year_start, as_of)
    out = {}
    for org_id, selected_on in selection_dates().items():
        if selected_on is not None and selected_on > as_of:
            continue  # selected in a later batch: not in the pilot yet at the as-of date
        t, p, i = training.get(org_id, {}), plan.get(org_id, {}), issuance.get(org_id, {})
        a, f, c, pp = anomalies.get(org_id, {}), fees.get(org_id, {}), complaints.get(org_id, {}), paper.get(org_id, {})
        planned, assessed = p.get("planned", 0), p.get("assessed", 0)
        issued = i.get("issued", 0)
        out[org_id] = {
            "selected_on": selected_on,
            "training_first_national": t.get("training_first_national"),
            "training_first_hubei": t.get("training_first_hubei"),
            "trainings": t.get("trainings", 0), "teachers_trained": t.get("teachers_trained", 0),
            "planned": planned, "assessed": assessed,
            "fulfilment": round(assessed * 100 / planned, 1) if planned else None,
            "issued": issued, "issuance_days_avg": round(i["days"] / issued, 1) if issued else None,
            "issuance_days_max": i.get("max") if issued else None, "issued_late": i.get("late", 0),
            "passed_not_issued": i.get("waiting", 0),
            "oldest_waiting_days": (as_of - i["oldest"]).days if i.get("oldest") else None,
            "anomalies": a.get("anomalies", 0), "results": a.get("results", 0),
            "fee_refusals": f.get("fee_refusals", 0),
            "complaints_upheld": c.get("complaints_upheld", 0), "complaints_by_category": c.get("by_category", {}),
            "paper_unfulfilled": pp.get("paper_unfulfilled", 0), "paper_oldest_days": pp.get("paper_oldest_days"),
            "paper_orders": pp.get("paper_orders", 0), "paper_overdue": pp.get("paper_overdue", 0),
            "evidence": {"training": t.get("evidence", {"national": [], "hubei": []}),
                         "plan": {**p.get("evidence", {"rows": [], "more": 0}), "window": p.get("window")},
                         "issuance": i.get("evidence", {"cells": {"rows": [], "more": 0}, "waiting": []}),
                         "anomalies": a.get("evidence", {"rows": [], "more": 0}),
                         "fees": f.get("evidence", {"rows": [], "more": 0}),
                         "complaints": c.get("evidence", {"rows": [], "more": 0}),
                         "paper": pp.get("evidence", {"rows": [], "more": 0})},
        }
    return out
