"""Reads of the monthly progress report (按月调度).

Two kinds of read live here:

* the aggregation the report is computed from: plan against actual per org, province and
  certificate, for one month and the year to date. It runs in the database — a GROUP BY over the
  org, province and certificate that registrations, results and issuance requests repeat on
  their rows, with ``COUNT(*)`` and ``FILTER`` for the month — so 3,000,000 registrations cost a
  few sequential scans and a few thousand groups reach Python, never the rows themselves;
* the scoped reads of a stored report: the ministry sees every row, a province the rows of its
  province, an org its own rows (accounts.scoping, through the rows' ``scope_paths``), and what
  the actor may do on the report pages (``reports_page_access``).

Nothing here renders: the views and the generating service hand ``report_content`` to the
renderers (``pdf.py``, ``xlsx.py``), which are fed with data and never query.
"""

import datetime
from collections.abc import Callable, Iterable

from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Permissions
from accounts.models import Province, Role
from accounts.scoping import Actor, scoped
from assessments.models import (
    AssessmentPlan,
    AssessmentPlanRow,
    AssessmentSession,
    MonthlyReport,
    MonthlyReportRow,
    Registration,
    Result,
    TeacherTraining,
)
from assessments.reports.models import METRIC_LABELS, METRICS, PERIODS
from assessments.results.selectors import not_assessed
from certificates.catalog.models import Certificate
from certificates.issuance.models import IssuanceRequest
from core.errors import Forbidden, NotInScope
from organizations.orgs.models import Org

_READERS = (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY, Role.ORG)
KEY = ("org_id", "province_id", "certificate_id")
NOT_ISSUED = (IssuanceRequest.Status.PENDING, IssuanceRequest.Status.BLOCKED, IssuanceRequest.Status.FAILED)


# --- periods -------------------------------------------------------------------------------------

def month_start(value: datetime.date) -> datetime.date:
    return value.replace(day=1)


def next_month(value: datetime.date) -> datetime.date:
    return datetime.date(value.year + value.month // 12, value.month % 12 + 1, 1)


def previous_month(value: datetime.date) -> datetime.date:
    first = month_start(value)
    return month_start(first - datetime.timedelta(days=1))


def periods_of(month: datetime.date) -> dict:
    """The month [first day, first day of the next month) and the year to date [1 January, same end)."""
    month = month_start(month)
    end = next_month(month)
    return {"month": (month, end), "ytd": (datetime.date(month.year, 1, 1), end)}


# --- the aggregation -----------------------------------------------------------------------------

def _count(condition: Q | None = None) -> Count:
    """COUNT(*), or COUNT(1) FILTER (WHERE …): Django refuses a filter on COUNT(*); neither
    form names a column, so neither keeps PostgreSQL from answering from an index."""
    return Count("*") if condition is None else Count(Value(1), filter=condition)


def _count_pair(name: str, in_month: Q, condition: Q | None = None) -> dict:
    month = in_month if condition is None else condition & in_month
    return {f"ytd_{name}": _count(condition), f"month_{name}": _count(month)}


def _sum_pair(name: str, field: str, in_month: Q) -> dict:
    return {f"ytd_{name}": Sum(field), f"month_{name}": Sum(field, filter=in_month)}


def _merge(figures: dict, rows: Iterable[dict], *, sign: int = 1) -> None:
    for row in rows:
        key = (row["org_id"], row["province_id"], row["certificate_id"])
        entry = figures.setdefault(key, {})
        for name, value in row.items():
            if name in KEY or not value:
                continue
            entry[name] = entry.get(name, 0) + sign * value


def plans_in_force(year: int, end: datetime.date) -> list[int]:
    """Per org, the plan version of ``year`` in force when the period ended (submitted before
    ``end``); an org whose first plan came later is measured against that first version. A
    revision after the month never rewrites the month's report."""
    cutoff = timezone.make_aware(datetime.datetime.combine(end, datetime.time.min))
    chosen: dict[int, int] = {}
    for pk, org_id, submitted_at in (AssessmentPlan.objects.filter(year=year).order_by("org_id", "version")
                                     .values_list("pk", "org_id", "submitted_at")):
        if org_id not in chosen or submitted_at < cutoff:
            chosen[org_id] = pk
    return list(chosen.values())


def progress_figures(month: datetime.date, *, progress: Callable[[str], None] | None = None) -> dict[tuple, dict]:
    """Plan against actual for ``month`` and the year to date, per (org, province, certificate):
    ``{(org_id, province_id, certificate_id): {"month_registered": n, "ytd_registered": n, …}}``.

    Definitions (the report prints them):
    planned candidates/sessions — the org's plan version in force at the month's end;
    sessions — assessment sessions held (not cancelled), by session date;
    teachers trained — teacher-training sessions, by their end date;
    registered — registrations not cancelled, by session date;
    assessed / passed — results of registrations that were neither absent nor cancelled;
    issued — of those passes handed to issuance, the ones issued; passed-not-issued — the ones
    still pending, blocked or failed (by assessment date, so both relate to the same passes).
    """
    step = progress or (lambda phase: None)
    periods = periods_of(month)
    year_start, end = periods["ytd"]
    first = periods["month"][0]
    figures: dict[tuple, dict] = {}

    step("plans")
    plan_ids = plans_in_force(first.year, end)
    in_month = Q(month=first.month)
    _merge(figures, AssessmentPlanRow.objects.filter(plan_id__in=plan_ids, month__lte=first.month).order_by()
           .values("province_id", "certificate_id", org_id=F("plan__org_id"))
           .annotate(**_sum_pair("planned_candidates", "planned_candidates", in_month),
                     **_sum_pair("planned_sessions", "planned_sessions", in_month)))

    step("trainings")
    _merge(figures, TeacherTraining.objects.filter(end_date__gte=year_start, end_date__lt=end).order_by()
           .values(*KEY).annotate(**_sum_pair("teachers_trained", "teachers_trained", Q(end_date__gte=first))))

    step("sessions")
    _merge(figures, AssessmentSession.objects.filter(date__gte=year_start, date__lt=end)
           .exclude(status=AssessmentSession.Status.CANCELLED).order_by()
           .values(*KEY).annotate(**_count_pair("sessions", Q(date__gte=first))))

    step("registrations")
    in_month = Q(session_date__gte=first)
    _merge(figures, Registration.objects.filter(status=Registration.Status.REGISTERED, session_date__gte=year_start,
                                                session_date__lt=end).order_by()
           .values(*KEY).annotate(**_count_pair("registered", in_month)))

    step("results")
    _merge(figures, Result.objects.filter(session_date__gte=year_start, session_date__lt=end).order_by()
           .values(*KEY).annotate(**_count_pair("assessed", in_month), **_count_pair("passed", in_month, Q(passed=True))))
    # Results of absent or cancelled registrations do not count as assessed: few rows, so the
    # join runs from the registrations that qualify, not over every result.
    _merge(figures, not_assessed(Registration.objects.filter(session_date__gte=year_start, session_date__lt=end))
           .values(*KEY).annotate(**_count_pair("assessed", in_month),
                                  **_count_pair("passed", in_month, Q(result__passed=True))), sign=-1)

    step("issuance")
    _merge(figures, IssuanceRequest.objects.filter(passed_on__gte=year_start, passed_on__lt=end).order_by()
           .values(*KEY).annotate(**_count_pair("issued", Q(passed_on__gte=first), Q(status=IssuanceRequest.Status.ISSUED)),
                                  **_count_pair("passed_not_issued", Q(passed_on__gte=first),
                                                Q(status__in=NOT_ISSUED))))
    return {key: values for key, values in figures.items() if any(values.values())}


# --- summaries of stored rows --------------------------------------------------------------------

def _zero() -> dict:
    return {period: dict.fromkeys(METRICS, 0) for period in PERIODS}


def rates_of(entry: dict) -> dict:
    ytd = entry["ytd"]

    def pct(a, b):
        return round(a * 100 / b, 1) if b else None

    return {"completion": pct(ytd["assessed"], ytd["planned_candidates"]), "pass": pct(ytd["passed"], ytd["assessed"]),
            "issuance": pct(ytd["issued"], ytd["issued"] + ytd["passed_not_issued"])}


def row_dict(row: MonthlyReportRow, names: dict) -> dict:
    return {"org_id": row.org_id, "org": names["orgs"].get(row.org_id, ""), "province_id": row.province_id,
            "province": names["provinces"].get(row.province_id, ""), "certificate_id": row.certificate_id,
            "certificate": names["certificates"].get(row.certificate_id, ("", ""))[0],
            "certificate_code": names["certificates"].get(row.certificate_id, ("", ""))[1],
            **{period: {m: row.figure(period, m) for m in METRICS} for period in PERIODS}}


def names_for(rows: list[MonthlyReportRow]) -> dict:
    org_ids = {r.org_id for r in rows}
    certificate_ids = {r.certificate_id for r in rows}
    return {"orgs": dict(Org.objects.filter(pk__in=org_ids).values_list("pk", "name")),
            "provinces": dict(Province.objects.values_list("code", "name")),
            "certificates": {pk: (name, code) for pk, name, code in
                             Certificate.objects.filter(pk__in=certificate_ids).values_list("pk", "name", "code")}}


def summarize(rows: list[dict]) -> dict:
    """Totals, and the rows summed per province, per org and per certificate (each sorted by
    planned candidates of the year, then by name)."""
    total = _zero()
    groups = {"provinces": {}, "orgs": {}, "certificates": {}}
    order = {p.code: p.sort_order for p in Province.objects.all()}
    for row in rows:
        targets = [total]
        for kind, key, label, extra in (
                ("provinces", row["province_id"], row["province"], {}),
                ("orgs", row["org_id"], row["org"], {}),
                ("certificates", row["certificate_id"], row["certificate"],
                 {"code": row["certificate_code"], "org": row["org"]})):
            entry = groups[kind].get(key)
            if entry is None:
                entry = groups[kind][key] = {"key": key, "label": label, **extra, **_zero()}
            targets.append(entry)
        for target in targets:
            for period in PERIODS:
                for metric in METRICS:
                    target[period][metric] += row[period][metric]
    summary = {"total": {**total, "rates": rates_of(total)}}
    for kind, entries in groups.items():
        values = list(entries.values())
        for entry in values:
            entry["rates"] = rates_of(entry)
        if kind == "provinces":
            values.sort(key=lambda e: (order.get(e["key"], 99), e["key"]))
        else:
            values.sort(key=lambda e: (-e["ytd"]["planned_candidates"], -e["ytd"]["registered"], e["label"]))
        summary[kind] = values
    return summary


def progress_chart(entries: list[dict], *, limit: int = 16) -> dict:
    """Year-to-date planned, assessed and passed candidates of the largest ``limit`` entries as
    grouped horizontal bars in a 640-wide viewBox; the templates (page and PDF) only print numbers."""
    top = sorted(entries, key=lambda e: -max(e["ytd"]["planned_candidates"], e["ytd"]["assessed"]))[:limit]
    largest = max((max(e["ytd"]["planned_candidates"], e["ytd"]["assessed"]) for e in top), default=0) or 1
    bars = []
    for index, entry in enumerate(top):
        y = 24 + index * 40
        label = entry["label"]
        row = {"label": label, "short": label if len(label) <= 10 else label[:9] + "…", "text_y": y + 17}
        for offset, metric in enumerate(("planned_candidates", "assessed", "passed")):
            value = entry["ytd"][metric]
            width = max(round(value * 380 / largest, 1), 0.5)
            row[metric] = {"value": value, "y": y + offset * 11, "width": width, "value_x": 172 + width,
                           "text_y": y + offset * 11 + 9}
        bars.append(row)
    return {"bars": bars, "height": 24 + len(bars) * 40}


# --- scoped reads --------------------------------------------------------------------------------

def reports_page_access(actor: Actor) -> Permissions:
    """What the actor may do on the report pages:

    - "read": the months that have a report, and their figures within its scope (the ministry,
      provinces and their agencies, orgs);
    - "generate": (re)generate a month's report (the ministry);
    - "national": the stored national report and its files (the ministry);
    - "by_org": its figures are one org's, read by province and certificate (an org).
    """
    role = actor.role
    may = set()
    if role in _READERS:
        may.add("read")
    if role == Role.MINISTRY:
        may.update({"generate", "national"})
    if role == Role.ORG:
        may.add("by_org")
    return Permissions(may)


def require_report_reader(actor: Actor) -> None:
    if not reports_page_access(actor).read:
        raise Forbidden()


def reports_visible(actor: Actor) -> QuerySet[MonthlyReport]:
    """Every role that reads reports sees which months have one; what is inside is scoped."""
    require_report_reader(actor)
    return MonthlyReport.objects.select_related("requested_by")


def report_get(actor: Actor, year: int, month: int) -> MonthlyReport:
    if not 1 <= month <= 12:
        raise NotInScope()
    report = reports_visible(actor).filter(month=datetime.date(year, month, 1)).first()
    if report is None:
        raise NotInScope()
    return report


def report_rows(actor: Actor, report: MonthlyReport) -> QuerySet[MonthlyReportRow]:
    require_report_reader(actor)
    return scoped(MonthlyReportRow.objects.filter(report=report), actor)


def report_row_dicts(actor: Actor, report: MonthlyReport) -> list[dict]:
    rows = list(report_rows(actor, report))
    names = names_for(rows)
    return [row_dict(row, names) for row in rows]


def scope_title(actor: Actor) -> str:
    return _("全国") if reports_page_access(actor).national else actor.scope_label


def report_content(actor: Actor, report: MonthlyReport) -> dict:
    """What the page, the PDF and the XLSX show to ``actor``: the ministry the stored national
    summary, a province or an org the summary of its own rows, with those rows as the detail."""
    may = reports_page_access(actor)
    if not may.read:
        raise Forbidden()
    if may.national:
        return content_for(report, summary=report.figures, detail=None, national=True, scope_title=scope_title(actor),
                           by_org=False)
    detail = report_row_dicts(actor, report)
    return content_for(report, summary=summarize(detail), detail=detail, national=False,
                       scope_title=scope_title(actor), by_org=may.by_org)


def report_title(month: datetime.date) -> str:
    return _("%(y)d年%(m)d月1+X证书制度试点月度进展报告") % {"y": month.year, "m": month.month}


def content_for(report: MonthlyReport, *, summary: dict, detail: list[dict] | None, national: bool,
                scope_title: str, by_org: bool = False) -> dict:
    """The report as the templates and renderers take it. The chart shows provinces for the
    ministry and for an org (where it assesses), certificates for a province."""
    chart_groups = summary.get("certificates", []) if not national and not by_org else summary.get("provinces", [])
    return {"report": report, "title": report_title(report.month), "summary": summary,
            "detail": None if detail is None else [{**row, "rates": rates_of(row)} for row in detail],
            "national": national, "by_org": by_org,
            "scope_title": scope_title, "periods": periods_of(report.month),
            "chart": progress_chart(chart_groups), "chart_by_province": national or by_org,
            "key_rows": [{"metric": m, "label": METRIC_LABELS[m], "month": summary["total"]["month"][m],
                          "ytd": summary["total"]["ytd"][m]} for m in METRICS] if summary.get("total") else [],
            "attention": _attention(summary.get("certificates", []))}


def _attention(certificates: list[dict], limit: int = 15) -> list[dict]:
    """Certificates with the most passes still waiting for their certificate (domain rule 4:
    passed students without a certificate are a failure the report must show)."""
    waiting = [c for c in certificates if c["ytd"]["passed_not_issued"]]
    return sorted(waiting, key=lambda c: -c["ytd"]["passed_not_issued"])[:limit]


def report_file_name(actor: Actor, report: MonthlyReport, kind: str) -> str:
    stem = _("%(y)d年%(m)d月进展报告") % {"y": report.month.year, "m": report.month.month}
    return f"{stem}-{scope_title(actor)}.{kind}"


def report_stored_file(actor: Actor, report: MonthlyReport, kind: str) -> bytes | None:
    """The stored national PDF or XLSX of the month, for whoever may read the national report;
    None when the actor reads its own rows instead, or the stored file is lost (the caller then
    renders ``report_content``, which holds the same figures)."""
    if not reports_page_access(actor).national:
        return None
    stored = report.pdf if kind == "pdf" else report.xlsx
    if not stored:
        return None
    try:
        with stored.open("rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def require_report_ready(actor: Actor, report: MonthlyReport) -> None:
    """A month's files exist once its figures do (404 before)."""
    require_report_reader(actor)
    if not report.has_figures:
        raise NotInScope(_("该月报告尚未生成完成。"))
