"""Reads of the org behaviour indicators: runs, an org's figures and history, the evidence as the
pages and exports show it, the rules in force, and the yellow-card candidates (the stored figures
held against the rules in force: tuning a rule changes the list at once; nothing is carded
automatically). Who may read and act on the board is decided here (``board_access``,
``indicator_org_get``); nothing here writes."""

import datetime
import re

from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.access import Access, Permissions
from accounts.models import AuditEntry, Role
from accounts.scoping import Actor, get_in_scope, scoped
from assessments.reports.selectors import next_month
from certificates.catalog.models import AssessmentType, Level
from certificates.issuance.models import IssuanceBlock, IssuanceRequest
from certificates.paper_copies.models import PaperCopyOrder
from core.errors import Forbidden, NotInScope
from core.navigation import Todo
from organizations.complaints.models import Complaint
from organizations.orgs.models import Org
from organizations.supervision.models import TRANSITIONS, OrgAction
from pilot.indicators.models import IndicatorRuleSet, IndicatorRun, OrgIndicator

MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
DISPLAY_ROWS = 30  # aggregated evidence rows per indicator on the page; the export has them all


# --- who may read and act on the board -----------------------------------------------------------

def board_access(actor: Actor) -> Access[None]:
    """The board is the ministry's: ``read`` the ranking, runs and candidates, ``run`` a month,
    ``card`` an org, tune the ``rules``. An org reads only its own page (``indicator_org_get``)."""
    may = {"read", "run", "card", "rules"} if actor.role == Role.MINISTRY else set()
    return Access(obj=None, may=Permissions(may))


def require_ministry(actor: Actor, *, write: bool = False) -> None:
    """Others asking to read the board get a 404 (national data is outside their scope), and a
    refused action a 403."""
    if not board_access(actor).may.read:
        raise Forbidden() if write else NotInScope()


def indicator_org_get(actor: Actor, pk: int) -> Access[Org]:
    """One org's indicators page: the ministry's (``card`` it, open its ``supervision`` record and the
    whole ranking), or the org's own (read only); 404 for anyone else."""
    org = get_in_scope(Org, actor, pk=pk)
    may = {"card", "supervision"} if board_access(actor).may.card else set()
    return Access(obj=org, may=Permissions(may))


# --- the rules in force ----------------------------------------------------------------------------

def rules_current() -> IndicatorRuleSet:
    """The yellow-card rules in force: the saved rule set, or the defaults until the ministry saves one
    (pilot.indicators.services.rules_set writes the row)."""
    return IndicatorRuleSet.objects.filter(pk=1).first() or IndicatorRuleSet(pk=1)


def rules_history() -> QuerySet[AuditEntry]:
    """The last changes of the rules, as the audit log recorded them."""
    return AuditEntry.objects.filter(action="indicator.rules_set").select_related("actor")[:10]


def deadline_of(rules: IndicatorRuleSet, year: int) -> datetime.date:
    """The training deadline of ``year`` (29 February falls back to the 28th in other years)."""
    month, day = rules.training_deadline_month, rules.training_deadline_day
    last = (next_month(datetime.date(year, month, 1)) - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day, last))


def parse_month(value: str) -> datetime.date | None:
    """``YYYY-MM`` as the month's first day; None for anything else."""
    match = MONTH_RE.match((value or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return datetime.date(year, month, 1)


def runs_done() -> QuerySet[IndicatorRun]:
    return IndicatorRun.objects.filter(generated_at__isnull=False).order_by("-month")


def runs_recent() -> QuerySet[IndicatorRun]:
    """The last two years' runs, computed or not (the run form's history)."""
    return IndicatorRun.objects.order_by("-month")[:24]


def run_for(value: str | None) -> tuple[IndicatorRun | None, str]:
    """The run a ``?month=`` filter names (the latest computed one without it), and a message
    when the value is not a month or the month has no figures: an empty page, never an error."""
    if not value:
        return runs_done().first(), ""
    month = parse_month(value)
    if month is None:
        return None, _("“%(v)s”不是有效的月份（格式如 2020-10），未显示任何结果。") % {"v": value[:20]}
    run = IndicatorRun.objects.filter(month=month).first()
    if run is None or not run.has_figures:
        return run, _("%(y)d年%(m)d月尚未计算行为评价指标。") % {"y": month.year, "m": month.month}
    return run, ""


def run_get(year: int, month: int) -> IndicatorRun:
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise NotInScope()
    run = IndicatorRun.objects.filter(month=datetime.date(year, month, 1)).first()
    if run is None:
        raise NotInScope()
    return run


def run_rows(run: IndicatorRun) -> QuerySet[OrgIndicator]:
    """Every org of a run, ranked first (operating orgs), then the delisted and withdrawn."""
    return (OrgIndicator.objects.filter(run=run).select_related("org")
            .order_by(F("rank").asc(nulls_last=True), "org__name").defer("evidence"))


def org_row(actor: Actor, org: Org, run: IndicatorRun | None) -> OrgIndicator | None:
    if run is None:
        return None
    return scoped(OrgIndicator.objects.filter(run=run, org=org), actor).select_related("run").first()


def org_history(actor: Actor, org: Org) -> QuerySet[OrgIndicator]:
    return (scoped(OrgIndicator.objects.filter(org=org, run__generated_at__isnull=False), actor)
            .select_related("run").order_by("-run__month").defer("evidence"))


def org_runs(actor: Actor, org: Org, value: str | None) -> tuple[IndicatorRun | None, str]:
    """For an org's page: the named month, else the latest month that has the org's figures."""
    if value:
        return run_for(value)
    latest = org_history(actor, org).first()
    return (latest.run if latest else None), ""


# --- candidates ------------------------------------------------------------------------------------

def _date(value) -> str:
    return f"{value:%Y-%m-%d}" if value else _("未启动")


def rules_tripped(row: OrgIndicator, rules: IndicatorRuleSet, as_of: datetime.date) -> list[dict]:
    """The rules ``row`` trips, each with the evidence in words (they go into the card's reason)."""
    tripped = []
    if rules.training_rule_enabled:
        deadline = deadline_of(rules, as_of.year)
        selected_in_time = row.selected_on is None or row.selected_on <= deadline
        if as_of >= deadline and selected_in_time:
            late_national = row.training_first_national is None or row.training_first_national > deadline
            late_hubei = row.training_first_hubei is None or row.training_first_hubei > deadline
            if late_national or late_hubei:
                if late_national and late_hubei:
                    text = _("截至%(d)s未在全国和湖北启动师资培训（本年度首次师资培训：全国 %(n)s，湖北 %(h)s）")
                elif late_national:
                    text = _("截至%(d)s未在全国启动师资培训（本年度首次师资培训：全国 %(n)s，湖北 %(h)s）")
                else:
                    text = _("截至%(d)s未在湖北启动师资培训（本年度首次师资培训：全国 %(n)s，湖北 %(h)s）")
                tripped.append({"rule": "training", "label": _("未按期启动师资培训"), "text": text % {
                    "d": f"{deadline:%Y-%m-%d}", "n": _date(row.training_first_national),
                    "h": _date(row.training_first_hubei)}})
    if rules.plan_rule_enabled and row.fulfilment is not None and row.fulfilment < rules.plan_fulfilment_threshold:
        tripped.append({"rule": "plan", "label": _("计划完成率偏低"), "text": _(
            "考核计划完成率 %(f)s%%（实考 %(a)d 人 / 计划 %(p)d 人），低于 %(t)d%%") % {
            "f": row.fulfilment, "a": row.assessed, "p": row.planned, "t": rules.plan_fulfilment_threshold}})
    if rules.complaints_rule_enabled and row.complaints_upheld >= rules.complaints_threshold:
        categories = "、".join(f"{Complaint.Category(k).label} {v} 件" if k in Complaint.Category.values else f"{k} {v}"
                              for k, v in sorted(row.complaints_by_category.items()))
        tripped.append({"rule": "complaints", "label": _("多次投诉属实"), "text": _(
            "本年度属实投诉 %(n)d 件（%(c)s），达到 %(t)d 件") % {
            "n": row.complaints_upheld, "c": categories, "t": rules.complaints_threshold}})
    return tripped


def reason_text(run: IndicatorRun, org: Org, tripped: list[dict]) -> str:
    """The card's reason as the form pre-fills it: the month, then each rule's evidence."""
    return _("根据%(y)d年%(m)d月培训评价组织行为评价指标（统计截至%(d)s），“%(org)s”：%(items)s。") % {
        "y": run.month.year, "m": run.month.month, "d": f"{run.as_of:%Y-%m-%d}", "org": org.name,
        "items": "；".join(t["text"] for t in tripped)}


def candidate_for(row: OrgIndicator, rules: IndicatorRuleSet | None = None) -> dict | None:
    rules = rules or rules_current()
    tripped = rules_tripped(row, rules, row.run.as_of)
    if not tripped:
        return None
    org = row.org
    return {"row": row, "org": org, "tripped": tripped, "reason": reason_text(row.run, org, tripped),
            "can_card": org.status in TRANSITIONS[OrgAction.Kind.YELLOW_CARD][0],
            "can_delist": org.status in TRANSITIONS[OrgAction.Kind.DELIST][0],
            # Already yellow-carded, delisted or withdrawn orgs are shown as such, not offered a new card.
            "actionable": org.status == Org.Status.ACTIVE}


def candidate_reason(actor: Actor, org: Org, month: str | None) -> str:
    """The reason a yellow card or a delisting opened from the candidates (``?month=``) starts with:
    that month's evidence against the org, or nothing."""
    if not month:
        return ""
    run, message = run_for(month)
    row = org_row(actor, org, run) if not message else None
    candidate = candidate_for(row) if row is not None else None
    return candidate["reason"] if candidate else ""


def candidates_of(run: IndicatorRun, rules: IndicatorRuleSet | None = None) -> list[dict]:
    """Every org of ``run`` that trips a rule in force, active orgs first."""
    if run is None or not run.has_figures:
        return []
    rules = rules or rules_current()
    rows = OrgIndicator.objects.filter(run=run).select_related("org", "run").defer("evidence")
    found = [c for c in (candidate_for(row, rules) for row in rows) if c is not None]
    return sorted(found, key=lambda c: (not c["actionable"], -len(c["tripped"]), c["org"].name))


# --- evidence as the pages show it -----------------------------------------------------------------

def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""


def evidence_display(row: OrgIndicator, limit: int | None = DISPLAY_ROWS) -> dict:
    """The stored evidence with its codes turned into the user's words; aggregated rows cut to
    ``limit`` for the page (None: all of them, for the export)."""
    evidence = row.evidence or {}

    def with_level(rows):
        return [{**r, "level_label": _label(Level, r.get("level"))} for r in rows]

    def shown(part: dict) -> dict:
        rows = part.get("rows", [])
        if limit is None:
            return {**part, "rows": rows}
        return {**part, "rows": rows[:limit], "more": part.get("more", 0) + max(0, len(rows) - limit)}

    training = evidence.get("training", {})
    issuance = evidence.get("issuance", {})
    anomalies = shown(evidence.get("anomalies", {}))
    plan, cells = shown(evidence.get("plan", {})), shown(issuance.get("cells", {}))
    kinds = {"site": _("考点"), "province": _("省份"), "level": _("全国（同考核方式证书等级比较）")}
    return {
        "training_national": with_level(training.get("national", [])),
        "training_hubei": with_level(training.get("hubei", [])),
        "plan": {**plan, "rows": with_level(plan["rows"])},
        "issuance_cells": {**cells, "rows": with_level(cells["rows"])},
        "issuance_waiting": [{**r, "level_label": _label(Level, r["level"]),
                              "status_label": _label(IssuanceRequest.Status, r["status"]),
                              "block_label": _label(IssuanceBlock, r["block_code"]) if r.get("block_code") else ""}
                             for r in issuance.get("waiting", [])],
        "anomalies": {"more": anomalies.get("more", 0), "rows": [
            {**r, "level_label": _label(Level, r["level"]), "kind_label": kinds.get(r["kind"], r["kind"]),
             "type_label": _label(AssessmentType, r.get("assessment_type"))} for r in anomalies.get("rows", [])]},
        "fees": shown(evidence.get("fees", {})),
        "complaints": {**evidence.get("complaints", {}), "rows": [
            {**r, "category_label": _label(Complaint.Category, r["category"])}
            for r in evidence.get("complaints", {}).get("rows", [])]},
        "complaint_categories": [(_label(Complaint.Category, k), v)
                                 for k, v in sorted(row.complaints_by_category.items())],
        "paper": {**evidence.get("paper", {}), "rows": [
            {**r, "level_label": _label(Level, r.get("level")), "status_label": _label(PaperCopyOrder.Status, r["status"])}
            for r in evidence.get("paper", {}).get("rows", [])]},
    }


def evidence_rows(row: OrgIndicator) -> list[tuple]:
    """The evidence flattened for one XLSX sheet: indicator, subject, level, where, figure, detail."""
    shown = evidence_display(row, limit=None)
    out = []
    for part, label in (("training_national", _("全国师资培训（本年度最早）")),
                        ("training_hubei", _("湖北师资培训（本年度最早）"))):
        for r in shown[part]:
            out.append((label, r["certificate"], r["level_label"], r["province"], r["teachers"],
                        _("%(s)s 至 %(e)s") % {"s": r["start"], "e": r["end"]}))
    for r in shown["plan"]["rows"]:
        out.append((_("计划完成率"), r["certificate"], r["level_label"], r["province"],
                    r["fulfilment"] if r["fulfilment"] is not None else "",
                    _("计划 %(p)d 人，实考 %(a)d 人") % {"p": r["planned"], "a": r["assessed"]}))
    for r in shown["issuance_cells"]["rows"]:
        out.append((_("发证及时性"), r["certificate"], r["level_label"], r["province"], r["avg_days"] or "",
                    _("已发证 %(i)d，超期 %(l)d，合格未发证 %(w)d，最长 %(m)s 天") % {
                        "i": r["issued"], "l": r["late"], "w": r["waiting"], "m": r["max_days"] or "—"}))
    for r in shown["issuance_waiting"]:
        out.append((_("合格未发证（最久）"), r["certificate"], r["level_label"], r["province"], r["days"],
                    f"{r['status_label']} {r['block_label']}".strip() + f" · {r['passed_on']}"))
    for r in shown["anomalies"]["rows"]:
        out.append((_("通过率异常"), r["certificate"], r["level_label"], f"{r['kind_label']} {r['where']}".strip(), r["z"],
                    _("通过率 %(r)s%%，同类中位数 %(m)s%%，离散度 %(s)s%%，实考 %(n)d 人，比较对象 %(p)d 个") % {
                        "r": r["rate"], "m": r["median"], "s": r["spread"], "n": r["n"], "p": r["peers"]}))
    for r in shown["fees"]["rows"]:
        out.append((_("超上限收费提议"), r["subject"], "", "", r["at"], r["note"]))
    for r in shown["complaints"]["rows"]:
        out.append((_("属实投诉"), r["reference"], "", r["category_label"], r["filed"], r["upheld"] or ""))
    for r in shown["paper"]["rows"]:
        out.append((_("未寄出纸质证书"), r["certificate"], r["level_label"], r["status_label"], r["days"], r["ordered"]))
    return out


def indicator_todos(actor: Actor) -> list:
    """The ministry's workbench: active orgs the latest month's figures point at, to decide on."""
    if not board_access(actor).may.card:
        return []
    run = runs_done().first()
    pending = [c for c in candidates_of(run) if c["actionable"]] if run else []
    if not pending:
        return []
    return [Todo(title=_("%(y)d年%(m)d月黄牌候选待研判") % {"y": run.month.year, "m": run.month.month},
                 url=reverse("pilot:candidates") + f"?month={run.month:%Y-%m}", count=len(pending))]
