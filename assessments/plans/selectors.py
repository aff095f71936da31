"""Reads of assessment plans, through the actor's scope: an org its own versions, a province the
plans with rows in its province (and only those rows and their warnings), the ministry all; and
the one place that decides what an actor may do on the plan pages (``plans_page_access``)."""

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from accounts.access import Permissions
from accounts.models import Role
from accounts.scoping import Actor, get_in_scope, scoped
from assessments.filings.selectors import certificates_of_org
from assessments.models import AssessmentPlan, AssessmentPlanRow, PlanningWindow
from assessments.plans.imports import LEVEL_LABELS, month_label
from assessments.plans.models import DEFAULT_WINDOW
from certificates.catalog.models import Certificate, Level
from core.errors import Forbidden
from organizations.orgs.models import Org
from organizations.supervision.selectors import org_standing

LEVEL_ORDER = list(Level.values)  # 初级, 中级, 高级
_READERS = (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY, Role.ORG)


def plans_page_access(actor: Actor) -> Permissions:
    """What the actor may do on the plan pages:

    - "read": the plans of its scope (the ministry, provinces and their agencies, orgs);
    - "submit": upload or edit its own plan, download its template (an org);
    - "set_window": set a year's planning window (the ministry);
    - "all_warnings": every warning of a plan, not only its own province's (an org, the ministry).
    """
    role = actor.role
    may = set()
    if role in _READERS:
        may.add("read")
    if role == Role.ORG:
        may.update({"submit", "all_warnings"})
    if role == Role.MINISTRY:
        may.update({"set_window", "all_warnings"})
    return Permissions(may)


def planning_window(year: int) -> PlanningWindow:
    """The window the ministry set for ``year``, or the default September–December (unsaved)."""
    window = PlanningWindow.objects.filter(year=year).first()
    return window or PlanningWindow(year=year, first_month=DEFAULT_WINDOW[0], last_month=DEFAULT_WINDOW[1])


def _require_reader(actor: Actor) -> None:
    if not plans_page_access(actor).read:
        raise Forbidden()


def plans_visible(actor: Actor) -> QuerySet[AssessmentPlan]:
    _require_reader(actor)
    return scoped(AssessmentPlan.objects.select_related("org", "submitted_by"), actor)


def plan_get(actor: Actor, pk: int) -> AssessmentPlan:
    return get_in_scope(plans_visible(actor), actor, pk=pk)


def plan_warnings(actor: Actor, plan: AssessmentPlan) -> list[dict]:
    """The plan's warnings the actor may read: a province only those about its own province."""
    if plans_page_access(actor).all_warnings:
        return plan.warnings
    return [w for w in plan.warnings if w.get("province") == actor.province_code]


def plannable_certificates(actor: Actor) -> QuerySet[Certificate]:
    """The org's published certificates: what it may plan assessments of."""
    if not plans_page_access(actor).submit:
        return Certificate.objects.none()
    return certificates_of_org(actor.scope.org_id)


def planning_refusal(actor: Actor) -> str | None:
    """Why the actor's org may not submit plans now (its delisting or withdrawal, named), or None:
    said on the plan pages before anything is filled in, instead of an unexplained "invalid choice"
    for a certificate the org no longer offers."""
    if not plans_page_access(actor).submit:
        return None
    standing = org_standing(Org(pk=actor.scope.org_id))
    return None if standing.allows_now() else standing.refusal("plan")


def own_current_plan(actor: Actor, year: int) -> AssessmentPlan | None:
    """The current version of the acting org's plan for ``year``."""
    if not plans_page_access(actor).submit:
        raise Forbidden()
    return current_plan_of_org(actor.scope.org_id, year)


def plan_rows(actor: Actor, plan: AssessmentPlan) -> QuerySet[AssessmentPlanRow]:
    """The plan's rows the actor may see: a province only those in its province."""
    return scoped(AssessmentPlanRow.objects.filter(plan=plan).select_related("province", "certificate"), actor)


def plan_versions(actor: Actor, plan: AssessmentPlan) -> QuerySet[AssessmentPlan]:
    return plans_visible(actor).filter(org_id=plan.org_id, year=plan.year).order_by("-version")


def current_plans(actor: Actor, year: int) -> QuerySet[AssessmentPlan]:
    return plans_visible(actor).filter(year=year, superseded_at__isnull=True).order_by("org__name")


def current_plan_of_org(org_id: int, year: int) -> AssessmentPlan | None:
    return AssessmentPlan.objects.filter(org_id=org_id, year=year, superseded_at__isnull=True).first()


def plan_years(actor: Actor) -> list[int]:
    """Every pilot year up to the next plan year, and any year a visible plan has."""
    years = set(plans_visible(actor).values_list("year", flat=True).distinct())
    years.update(range(2019, default_plan_year() + 1))
    return sorted(years, reverse=True)


def default_plan_year() -> int:
    """This year while its window is open or ahead, else the next year."""
    today = timezone.localdate()
    return today.year if today.month <= planning_window(today.year).last_month else today.year + 1


def plan_matrix(rows: QuerySet[AssessmentPlanRow], months: list[int]) -> dict:
    """Rows pivoted for reading: one line per province and certificate level, one column per
    month (candidates and sessions), with totals per month and overall."""
    lines: dict[tuple, dict] = {}
    totals = {m: {"candidates": 0, "sessions": 0} for m in months}
    for row in rows:
        key = (row.province.sort_order, row.province_id, row.certificate.name, LEVEL_ORDER.index(row.level))
        line = lines.get(key)
        if line is None:
            line = lines[key] = {"province": row.province.name, "certificate": row.certificate.name,
                                 "certificate_code": row.certificate.code, "level": LEVEL_LABELS[row.level],
                                 "months": {m: None for m in months}, "candidates": 0, "sessions": 0}
        line["months"][row.month] = {"candidates": row.planned_candidates, "sessions": row.planned_sessions}
        line["candidates"] += row.planned_candidates
        line["sessions"] += row.planned_sessions
        if row.month in totals:
            totals[row.month]["candidates"] += row.planned_candidates
            totals[row.month]["sessions"] += row.planned_sessions
    ordered = [lines[k] for k in sorted(lines)]
    for line in ordered:
        line["cells"] = [line["months"][m] for m in months]
    return {"lines": ordered, "months": [{"number": m, "label": month_label(m)} for m in months],
            "totals": [totals[m] for m in months], "candidates": sum(t["candidates"] for t in totals.values()),
            "sessions": sum(t["sessions"] for t in totals.values())}


def plans_overview(actor: Actor, year: int) -> list[dict]:
    """The current plan of every org the actor sees for ``year``, with the totals the actor may
    see (a province: only its own province's rows)."""
    plans = list(current_plans(actor, year))
    sums = {row["plan_id"]: row for row in scoped(AssessmentPlanRow.objects.filter(plan__in=plans), actor)
            .order_by().values("plan_id").annotate(candidates=Sum("planned_candidates"),
                                                    sessions=Sum("planned_sessions"), provinces=Count("province_id",
                                                                                                      distinct=True))}
    return [{"plan": plan, "candidates": sums.get(plan.pk, {}).get("candidates") or 0,
             "sessions": sums.get(plan.pk, {}).get("sessions") or 0,
             "provinces": sums.get(plan.pk, {}).get("provinces") or 0} for plan in plans]
