"""Assessment plans (考核计划) and the planning window.

An org submits its plan for a year as a whole (an uploaded file, the online form or the API):
every row is checked (``imports_plans.PlanRowValidator``) and, if any row is wrong, nothing is
saved. A valid plan becomes a new version that supersedes the current one; both are kept.

Plans are also held against the filings: a province's institutions declared how many students
take each certificate level (申报规模). A plan over that is accepted — an org may plan for social
learners, or filings may still be coming — but the org sees a warning naming each such row.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log, diff
from accounts.models import Province
from accounts.scoping import Actor
from assessments.models import AssessmentPlan, AssessmentPlanRow, FilingLevel, PlanningWindow
from assessments.plans.imports import (
    LEVEL_LABELS,
    PLAN_SCHEMA,
    PlanRowData,
    PlanRowValidator,
    certificate_choice_labels,
    month_label,
    province_choice_labels,
    rows_from_records,
    window_text,
)
from assessments.plans.models import DEFAULT_WINDOW
from assessments.plans.selectors import planning_window, plans_page_access
from certificates.catalog.models import Certificate
from core.errors import AppError, Forbidden
from core.tabular.reading import read_table
from core.tabular.schema import Row, Schema
from core.tabular.validation import no_data_error, validate_rows
from core.tabular.writing import template_xlsx
from organizations.orgs.models import Org
from organizations.supervision.selectors import org_standing

FIRST_YEAR = 2019
MAX_KEPT_ERRORS = 2_000


def plan_year_range() -> tuple[int, int]:
    return FIRST_YEAR, timezone.localdate().year + 1


def _check_year(year) -> int:
    low, high = plan_year_range()
    if not isinstance(year, int) or not low <= year <= high:
        raise AppError(_("年度应为 %(lo)d 到 %(hi)d 之间的整数。") % {"lo": low, "hi": high}, field="year")
    return year


@transaction.atomic
def planning_window_set(*, actor: Actor, year: int, first_month: int, last_month: int) -> PlanningWindow:
    """The ministry sets the months of ``year`` for which orgs submit plans. Plans already
    submitted keep the window they were checked against; new ones follow the new window."""
    if not plans_page_access(actor).set_window:
        raise Forbidden()
    year = _check_year(year)
    if not (isinstance(first_month, int) and 1 <= first_month <= 12):
        raise AppError(_("起始月份应为 1 到 12 之间的整数。"), field="first_month")
    if not (isinstance(last_month, int) and 1 <= last_month <= 12):
        raise AppError(_("截止月份应为 1 到 12 之间的整数。"), field="last_month")
    if first_month > last_month:
        raise AppError(_("起始月份不能晚于截止月份。"), field="last_month")
    window = PlanningWindow.objects.select_for_update().filter(year=year).first()
    before = (window.first_month, window.last_month) if window else DEFAULT_WINDOW
    if window is None:
        window = PlanningWindow(year=year)
    window.first_month, window.last_month = first_month, last_month
    window.set_at, window.set_by = timezone.now(), actor.user
    window.save()
    audit_log(actor=actor, action="plan.window_set", obj=window,
              changes=diff({"first_month": before[0], "last_month": before[1]},
                           {"first_month": first_month, "last_month": last_month}))
    return window


# --- submitting a plan ---------------------------------------------------------------------------

@dataclass
class PlanOutcome:
    plan: AssessmentPlan
    superseded: AssessmentPlan | None
    warnings: list[dict]


def _rows_error(rows_read: int, error_rows: int, errors) -> AppError:
    return AppError(_("共 %(rows)d 行，其中 %(bad)d 行有错误，考核计划未保存。请改正后重新提交。") % {
        "rows": rows_read, "bad": error_rows}, code="invalid_rows",
        details=[{"row": e.row, "field": e.key, "column": e.column, "message": e.message} for e in errors])


def _validate(rows: Iterable[Row], *, org: Org, year: int, window: PlanningWindow, name: str) -> list[PlanRowData]:
    validator = PlanRowValidator(org_id=org.pk, year=year, first_month=window.first_month,
                                 last_month=window.last_month)
    result = validate_rows(rows, PLAN_SCHEMA, validator, max_errors=MAX_KEPT_ERRORS)
    if result.rows_read == 0:
        raise no_data_error(name)
    if not result.ok:
        raise _rows_error(result.rows_read, len(result.error_rows), result.errors)
    return result.rows


def plan_warnings(*, org: Org, year: int, rows: list[PlanRowData]) -> list[dict]:
    """Province × certificate level combinations whose planned candidates (over the plan's months)
    exceed what the province's institutions declared in their filings for ``year``."""
    planned: dict[tuple, dict] = {}
    for row in rows:
        entry = planned.setdefault((row.province_id, row.certificate_id, row.level), {"planned": 0, "rows": []})
        entry["planned"] += row.planned_candidates
        entry["rows"].append(row.row)
    certificate_ids = {key[1] for key in planned}
    declared = {
        (r["filing__province_id"], r["filing__certificate_id"], r["level"]): r["n"]
        for r in FilingLevel.objects.filter(filing__year=year, filing__withdrawn_at__isnull=True,
                                            filing__certificate_id__in=certificate_ids)
        .values("filing__province_id", "filing__certificate_id", "level").annotate(n=Sum("declared_students"))
        .order_by()}
    provinces = dict(Province.objects.values_list("code", "name"))
    certificates = dict(Certificate.objects.filter(pk__in=certificate_ids).values_list("pk", "name"))
    warnings = []
    for (province, certificate, level), entry in planned.items():
        limit = declared.get((province, certificate, level), 0)
        if entry["planned"] <= limit:
            continue
        values = {"province": provinces[province], "certificate": certificates[certificate],
                  "level": str(LEVEL_LABELS[level]), "planned": entry["planned"], "declared": limit,
                  "rows": "、".join(str(n) for n in entry["rows"][:10]) + ("…" if len(entry["rows"]) > 10 else "")}
        if limit:
            message = _("%(province)s「%(certificate)s（%(level)s）」计划考核 %(planned)d 人，超过该省院校备案申报的 "
                        "%(declared)d 人（第 %(rows)s 行）。计划已保存，请核实。") % values
        else:
            message = _("%(province)s「%(certificate)s（%(level)s）」计划考核 %(planned)d 人，但该省尚无院校备案申报该证书等级"
                        "（第 %(rows)s 行）。计划已保存，请核实。") % values
        warnings.append({"province": province, "certificate": certificate, "level": level,
                         "planned": entry["planned"], "declared": limit, "rows": entry["rows"][:50],
                         "message": message})
    return sorted(warnings, key=lambda w: w["rows"][0])


def _save(*, actor: Actor, org: Org, year: int, window: PlanningWindow, rows: list[PlanRowData], source: str,
          original_name: str = "") -> PlanOutcome:
    # One submission at a time per org: the org row is the lock, so versions never collide.
    Org.objects.select_for_update().filter(pk=org.pk).first()
    current = AssessmentPlan.objects.filter(org=org, year=year, superseded_at__isnull=True).first()
    last_version = (AssessmentPlan.objects.filter(org=org, year=year).order_by("-version")
                    .values_list("version", flat=True).first()) or 0
    now = timezone.now()
    if current is not None:
        # Conditional: only the version still current is superseded.
        AssessmentPlan.objects.filter(pk=current.pk, superseded_at__isnull=True).update(superseded_at=now)
    warnings = plan_warnings(org=org, year=year, rows=rows)
    plan = AssessmentPlan.objects.create(
        org=org, year=year, version=last_version + 1, source=source, original_name=original_name[:200],
        first_month=window.first_month, last_month=window.last_month,
        total_candidates=sum(r.planned_candidates for r in rows), total_sessions=sum(r.planned_sessions for r in rows),
        warnings=warnings, submitted_at=now, submitted_by=actor.user)
    AssessmentPlanRow.objects.bulk_create([
        AssessmentPlanRow(plan=plan, month=r.month, province_id=r.province_id, certificate_id=r.certificate_id,
                          level=r.level, planned_candidates=r.planned_candidates, planned_sessions=r.planned_sessions)
        for r in rows], batch_size=2000)
    audit_log(actor=actor, action="plan.submitted", obj=plan, changes={
        "version": [current.version if current else None, plan.version],
        "rows": [current.rows.count() if current else None, len(rows)],
        "total_candidates": [current.total_candidates if current else None, plan.total_candidates],
        "total_sessions": [current.total_sessions if current else None, plan.total_sessions],
        "warnings": [None, len(warnings)]},
        note=_("上传文件：%(name)s") % {"name": original_name} if original_name else "")
    return PlanOutcome(plan=plan, superseded=current, warnings=warnings)


def _own_org(actor: Actor) -> Org:
    if not plans_page_access(actor).submit:
        raise Forbidden()
    return Org.objects.get(pk=actor.scope.org_id)


@transaction.atomic
def plan_submit_rows(*, actor: Actor, year: int, rows: list[Row], source: str = AssessmentPlan.Source.FORM
                     ) -> PlanOutcome:
    """A plan given as rows (the online form, the API): all rows are valid or nothing is saved."""
    org = _own_org(actor)
    org_standing(org).check("plan")
    year = _check_year(year)
    window = planning_window(year)
    valid = _validate(rows, org=org, year=year, window=window, name=_("考核计划"))
    return _save(actor=actor, org=org, year=year, window=window, rows=valid, source=source)


@transaction.atomic
def plan_submit_records(*, actor: Actor, year: int, records: list[dict],
                        source: str = AssessmentPlan.Source.API) -> PlanOutcome:
    return plan_submit_rows(actor=actor, year=year, rows=rows_from_records(records), source=source)


@transaction.atomic
def plan_upload(*, actor: Actor, year: int, upload) -> PlanOutcome:
    """A plan uploaded as XLSX or CSV (UTF-8 or GBK) from the template: a wrong file, wrong
    headers or an unreadable encoding are refused at once; then every row is checked."""
    org = _own_org(actor)
    org_standing(org).check("plan")
    year = _check_year(year)
    window = planning_window(year)
    name = getattr(upload, "name", "") or _("考核计划")
    table = read_table(upload, PLAN_SCHEMA, name=name)
    valid = _validate(table.rows(), org=org, year=year, window=window, name=name)
    return _save(actor=actor, org=org, year=year, window=window, rows=valid, source=AssessmentPlan.Source.UPLOAD,
                 original_name=name)


def plan_template(*, actor: Actor, year: int) -> bytes:
    """The template for the org's plan of ``year``: drop-downs of the window's months, the
    provinces, the org's own certificates and the levels; an example row; instructions."""
    org = _own_org(actor)
    year = _check_year(year)
    window = planning_window(year)
    schema: Schema = PLAN_SCHEMA
    return template_xlsx(schema, choices={
        "month": [month_label(m) for m in window.months],
        "province": province_choice_labels(),
        "certificate": certificate_choice_labels(org.pk),
        "level": [str(label) for label in LEVEL_LABELS.values()],
    }, instructions=[
        _("%(org)s %(year)d 年考核计划导入模板。考核计划时间窗口：%(window)s。") % {
            "org": org.name, "year": year, "window": window_text(window.first_month, window.last_month)},
        _("每行填写一个月份、一个省份、一个证书等级的计划考核人数和批次。同一月份、省份、证书和等级只能填写一行。"),
        _("只能为本组织的证书制定计划；月份须在时间窗口内；人数和批次不能为负数。任何一行有错误时整个文件都不会保存。"),
        _("每次上传即提交一个新版本，替代当前版本（旧版本保留可查）。计划人数超过该省院校备案申报人数的，计划照常保存，并提示核实。"),
    ])
