"""Writes of the org behaviour indicators: the rule set the ministry tunes, and the monthly run.

A run is safe to repeat (design rule 4): one run row per month (a unique constraint); a run is a
background job (``core.jobs``) claimed by a conditional update of its status, so a beat run and a
click never compute one month at once, and a worker that died is taken over once its heartbeat is
stale. The figures are computed in the database (pilot.indicators.figures) outside any
transaction, then the month's rows are replaced in one transaction: readers see the old month or
the new one, never half of each, and never two. Nothing here cards an org: the ministry confirms each card itself.
"""

import datetime
import logging
import time
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log, diff, snapshot
from accounts.models import Role
from accounts.scoping import Actor
from accounts.services import notify_scope
from assessments.reports.selectors import month_start, next_month, previous_month
from core.errors import AppError
from core.jobs.services import job_claim, job_enqueue, job_fail, job_finish, job_progress, job_request
from organizations.orgs.models import Org
from organizations.supervision.services import OPERATING_STATES
from pilot.indicators import scoring, selectors
from pilot.indicators.figures import indicator_figures
from pilot.indicators.models import IndicatorRuleSet, IndicatorRun, OrgIndicator
from pilot.indicators.selectors import board_access, deadline_of

logger = logging.getLogger(__name__)

FIRST_MONTH = datetime.date(2019, 1, 1)
RULE_FIELDS = ("training_rule_enabled", "training_deadline_month", "training_deadline_day", "plan_rule_enabled",
               "plan_fulfilment_threshold", "complaints_rule_enabled", "complaints_threshold", "anomaly_min_candidates",
               "anomaly_z_threshold")


# --- the rule set (read through selectors.rules_current) ---------------------------------------------

@transaction.atomic
def rules_set(*, actor: Actor, **values) -> IndicatorRuleSet:
    """The ministry tunes the rules; each change is audited with what changed. The rule set's one row
    is written here the first time (until then the selector reads the defaults)."""
    selectors.require_ministry(actor, write=True)
    unknown = set(values) - set(RULE_FIELDS)
    if unknown:
        raise AppError(_("未知的规则参数：%(names)s") % {"names": "、".join(sorted(unknown))})
    month = values.get("training_deadline_month")
    day = values.get("training_deadline_day")
    try:
        datetime.date(2020, int(month), int(day))  # a leap year: 29 February is a date
    except (TypeError, ValueError):
        raise AppError(_("师资培训启动截止日期不是有效日期。"), field="training_deadline_day") from None
    IndicatorRuleSet.objects.get_or_create(pk=1)
    rules = IndicatorRuleSet.objects.select_for_update().get(pk=1)
    before = snapshot(rules, RULE_FIELDS)
    for name, value in values.items():
        setattr(rules, name, Decimal(str(value)) if name == "anomaly_z_threshold" else value)
    try:
        rules.full_clean(exclude=["updated_by"])
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise AppError(messages[0], field=field) from None
    changes = diff(before, snapshot(rules, RULE_FIELDS))
    if not changes:
        return rules
    rules.updated_at, rules.updated_by = timezone.now(), actor.user
    rules.save()
    audit_log(actor=actor, action="indicator.rules_set", obj=rules, changes=changes)
    return rules


# --- the monthly run -------------------------------------------------------------------------------

def run_month_check(month: datetime.date) -> datetime.date:
    first = month_start(month)
    if first < FIRST_MONTH:
        raise AppError(_("试点自 2019 年开始，不能计算更早月份的指标。"), field="month")
    if first > month_start(timezone.localdate()):
        raise AppError(_("不能计算尚未开始的月份的指标。"), field="month")
    return first


def as_of_for(month: datetime.date) -> datetime.date:
    """The month's last day, or today while the month is not over."""
    return min(next_month(month) - datetime.timedelta(days=1), timezone.localdate())


@transaction.atomic
def indicator_run_request(*, actor: Actor | None, month: datetime.date, trigger: str = IndicatorRun.Trigger.MANUAL,
                          enqueue: bool = True) -> IndicatorRun:
    """Queue the computation of ``month`` (the ministry's button; ``actor`` None for the schedule).
    The month's run row is created once and reused: a re-run replaces its figures."""
    if actor is not None:
        board_access(actor).require("run")
    month = run_month_check(month)
    run, _created = IndicatorRun.objects.get_or_create(month=month)
    if not job_request(IndicatorRun, run.pk, trigger=trigger, requested_by=actor.user if actor else None):
        if actor is None:
            return run
        raise AppError(_("%(y)d年%(m)d月的指标正在计算中，请稍候查看。") % {"y": month.year, "m": month.month},
                       code="run_in_progress")
    audit_log(actor=actor, action="indicator.requested", obj=run, changes={"month": [None, month],
                                                                           "trigger": [None, trigger]})
    run.refresh_from_db()
    if enqueue:
        job_enqueue(IndicatorRun, run.pk)
    return run


def _progress(pk: int, phase: str) -> None:
    job_progress(IndicatorRun, pk, phase=phase)


def _rows(figures: dict[int, dict], *, as_of: datetime.date, deadline: datetime.date) -> list[OrgIndicator]:
    operating = dict(Org.objects.values_list("pk", "status"))
    names = dict(Org.objects.values_list("pk", "name"))
    rows = []
    for org_id, values in figures.items():
        components = scoring.components_of(values, deadline=deadline, as_of=as_of)
        rows.append(OrgIndicator(
            org_id=org_id, score=Decimal(str(scoring.composite(components))),
            components={k: (round(v, 1) if v is not None else None) for k, v in components.items()},
            evidence=values["evidence"],
            **{name: values[name] for name in (
                "selected_on", "training_first_national", "training_first_hubei", "trainings", "teachers_trained", "planned",
                "assessed", "issued", "issuance_days_max", "issued_late", "passed_not_issued", "oldest_waiting_days",
                "anomalies", "fee_refusals", "complaints_upheld", "complaints_by_category", "paper_unfulfilled",
                "paper_oldest_days")},
            fulfilment=Decimal(str(values["fulfilment"])) if values["fulfilment"] is not None else None,
            issuance_days_avg=Decimal(str(values["issuance_days_avg"])) if values["issuance_days_avg"] is not None
            else None))
    ranked = sorted((r for r in rows if operating.get(r.org_id) in OPERATING_STATES),
                    key=lambda r: (-r.score, names.get(r.org_id, "")))
    for place, row in enumerate(ranked, start=1):
        row.rank = place
    return rows


def indicator_run_generate(*, run_id: int) -> IndicatorRun | None:
    """Compute and store one month's indicators; None when another run holds the month."""
    if not job_claim(IndicatorRun, run_id, phase=IndicatorRun.Phase.TRAINING, percent=1):
        return None
    run = IndicatorRun.objects.get(pk=run_id)
    started = time.perf_counter()
    try:
        rules = selectors.rules_current()
        as_of = as_of_for(run.month)
        deadline = deadline_of(rules, as_of.year)
        parameters = {"deadline": deadline.isoformat(), "min_candidates": rules.anomaly_min_candidates,
                      "z_threshold": float(rules.anomaly_z_threshold), "weights": scoring.WEIGHTS,
                      "issue_within_days": scoring.ISSUE_WITHIN_DAYS, "paper_overdue_days": scoring.PAPER_OVERDUE_DAYS}
        figures = indicator_figures(as_of, min_n=rules.anomaly_min_candidates,
                                    z_threshold=float(rules.anomaly_z_threshold),
                                    progress=lambda phase: _progress(run.pk, phase))
        _progress(run.pk, "saving")
        rows = _rows(figures, as_of=as_of, deadline=deadline)
        run = _replace(run.pk, rows=rows, as_of=as_of, parameters=parameters, seconds=time.perf_counter() - started)
    except Exception as error:
        logger.exception("indicator run %s failed", run_id)
        job_fail(IndicatorRun, run_id, message=_(
            "计算失败（%(kind)s），已保留上一次的计算结果。请稍后重试，或联系平台管理员。") % {"kind": type(error).__name__})
        raise
    return run


@transaction.atomic
def _replace(pk: int, *, rows: list[OrgIndicator], as_of: datetime.date, parameters: dict,
             seconds: float) -> IndicatorRun:
    """Swap the month's rows for the new ones in one transaction."""
    run = IndicatorRun.objects.select_for_update().get(pk=pk)
    old_rows = OrgIndicator.objects.filter(run=run).count()
    OrgIndicator.objects.filter(run=run).delete()
    for row in rows:
        row.run = run
    OrgIndicator.objects.bulk_create(rows, batch_size=500)
    runs_before = run.runs
    run.as_of, run.parameters, run.generated_at = as_of, parameters, timezone.now()
    run.runs = runs_before + 1
    run.seconds = round(seconds, 2)
    run.save(update_fields=["as_of", "parameters", "generated_at", "runs", "seconds"])
    job_finish(IndicatorRun, run.pk, message=_("已完成：%(n)d 个培训评价组织。") % {"n": len(rows)})
    run.refresh_from_db()
    audit_log(actor=None, action="indicator.generated", obj=run,
              changes={"runs": [runs_before, run.runs], "rows": [old_rows, len(rows)], "as_of": [None, as_of]})
    return run


def indicator_run_scheduled(*, today: datetime.date | None = None) -> IndicatorRun | None:
    """The beat task's work on the 1st of each month: the previous month's indicators; the
    ministry is told how many orgs the rules now point at (it decides; nothing is carded)."""
    today = today or timezone.localdate()
    month = previous_month(today)
    run = indicator_run_request(actor=None, month=month, trigger=IndicatorRun.Trigger.SCHEDULE, enqueue=False)
    generated = indicator_run_generate(run_id=run.pk)
    if generated is not None:
        pending = [c for c in selectors.candidates_of(generated) if c["actionable"]]
        notify_scope(role=Role.MINISTRY, category="supervision", kind="indicator.generated",
                     params={"y": month.year, "m": month.month, "n": len(pending)},
                     link=reverse("pilot:candidates") + f"?month={month:%Y-%m}")
    return generated
