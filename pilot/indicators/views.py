"""Pages of the supervision board: org behaviour indicators (行为监督评价指标) with their ranking,
run and history; one org's evidence; the yellow-card rules and candidates.

The ministry sees every page; an org may open its own indicators page (read only); everyone else
gets 404 (national data outside their scope) and 403 on an action — decided in
pilot.indicators.selectors (``require_ministry``, ``indicator_org_get``). A filter value that is not a
month or an org status shows an empty table with a message, never an error.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.forms import add_app_error
from assessments.reports.selectors import previous_month
from core.confirmation import confirmation_step
from core.errors import AppError
from core.exports import xlsx_response
from organizations.orgs.models import Org
from organizations.supervision import services as supervision
from organizations.supervision.models import OrgAction
from pilot.indicators import scoring, services
from pilot.indicators import selectors as sel
from pilot.indicators.forms import RuleSetForm, RunRequestForm, YellowCardForm
from pilot.indicators.models import OrgIndicator


def _component_labels() -> dict:
    return {"training": _("师资培训启动"), "plan": _("计划完成率"), "issuance": _("发证及时性"),
            "anomalies": _("通过率异常"), "complaints": _("属实投诉"), "fees": _("超上限收费提议"),
            "paper": _("纸质证书寄送")}


def _weights() -> list[tuple[str, int]]:
    labels = _component_labels()
    return [(labels[name], weight) for name, weight in scoring.WEIGHTS.items()]


def _run_form(data=None) -> RunRequestForm:
    return RunRequestForm(data, initial={"month": previous_month(timezone.localdate())})


def _month_query(run) -> str:
    return f"month={run.month:%Y-%m}" if run else ""


def _d(value) -> str:
    return f"{value:%Y-%m-%d}" if value else ""


# --- the ranking ------------------------------------------------------------------------------------

@login_required
def indicator_list(request, form=None, status=200):
    sel.require_ministry(request.actor)
    run, message = sel.run_for(request.GET.get("month"))
    rows = sel.run_rows(run) if run is not None and not message else OrgIndicator.objects.none()
    org_status = request.GET.get("status", "")
    if org_status and org_status not in Org.Status.values:
        message, rows = _("“%(v)s”不是有效的组织状态，未显示任何结果。") % {"v": org_status[:20]}, OrgIndicator.objects.none()
    elif org_status:
        rows = rows.filter(org__status=org_status)
    query = request.GET.get("q", "").strip()
    if query:
        rows = rows.filter(org__name__icontains=query)
    if request.GET.get("export") == "xlsx":
        return _ranking_xlsx(run, rows)
    return render(request, "pilot/indicators/list.html", {
        "run": run, "message": message, "page": Paginator(rows, 100).get_page(request.GET.get("page")),
        "form": form or _run_form(), "runs": sel.runs_recent(), "weights": _weights(),
        "statuses": Org.Status.choices, "status": org_status, "q": query, "month_query": _month_query(run),
        "query": f"{_month_query(run)}&status={org_status}&q={query}"}, status=status)


def _ranking_xlsx(run, rows):
    labels = _component_labels()
    headers = [_("排名"), _("培训评价组织"), _("状态"), _("综合得分"), _("全国首次师资培训"), _("湖北首次师资培训"),
               _("计划考核人数"), _("实考人数"), _("计划完成率（%）"), _("已发证"), _("平均发证天数"), _("合格未发证"),
               _("最长等待天数"), _("通过率异常"), _("超上限收费提议"), _("属实投诉"), _("未寄出纸质证书"),
               *[_("分项：%(c)s") % {"c": label} for label in labels.values()]]
    data = ((r.rank or "", r.org.name, r.org.get_status_display(), r.score, _d(r.training_first_national),
             _d(r.training_first_hubei), r.planned, r.assessed, r.fulfilment, r.issued, r.issuance_days_avg,
             r.passed_not_issued, r.oldest_waiting_days, r.anomalies, r.fee_refusals, r.complaints_upheld,
             r.paper_unfulfilled, *[r.components.get(name) for name in labels]) for r in rows)
    title = _("行为评价指标") + (f"-{run.month:%Y-%m}" if run else "")
    return xlsx_response(title, headers, data)


@login_required
@require_POST
def indicator_run(request):
    sel.require_ministry(request.actor, write=True)
    form = _run_form(request.POST)
    if form.is_valid():
        try:
            run = services.indicator_run_request(actor=request.actor, month=form.cleaned_data["month"])
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("已开始计算%(y)d年%(m)d月的行为评价指标。") % {
                "y": run.month.year, "m": run.month.month})
            return redirect(reverse("pilot:indicators") + f"?month={run.month:%Y-%m}")
    return indicator_list(request, form=form, status=400)


@never_cache
@login_required
def indicator_status(request, year: int, month: int):
    sel.require_ministry(request.actor)
    run = sel.run_get(year, month)
    return JsonResponse(run.status_json())


# --- one org ----------------------------------------------------------------------------------------

def _org_page(request, access, *, card_form=None, status=200):
    actor, org = request.actor, access.obj
    run, message = sel.org_runs(actor, org, request.GET.get("month") or request.POST.get("month"))
    row = sel.org_row(actor, org, run) if not message else None
    if run is not None and row is None and not message and run.has_figures:
        message = _("该月没有“%(org)s”的指标。") % {"org": org.name}
    candidate = sel.candidate_for(row) if (row is not None and access.may.card) else None
    if candidate and candidate["can_card"] and card_form is None:
        card_form = YellowCardForm(initial={"reason": candidate["reason"], "month": f"{run.month:%Y-%m}"})
    return render(request, "pilot/indicators/org.html", {
        "org": org, "access": access, "run": run, "row": row, "message": message,
        "evidence": sel.evidence_display(row) if row else None, "history": sel.org_history(actor, org)[:24],
        "candidate": candidate, "card_form": card_form if candidate and candidate["can_card"] else None,
        "components": [(label, row.components.get(name), scoring.WEIGHTS[name])
                       for name, label in _component_labels().items()] if row else [],
        "month_query": _month_query(run)}, status=status)


@login_required
def indicator_org(request, pk: int):
    """The ministry, or the org itself: one org's indicators, their evidence and their history."""
    access = sel.indicator_org_get(request.actor, pk)
    org = access.obj
    if request.GET.get("export") == "xlsx":
        run, message = sel.org_runs(request.actor, org, request.GET.get("month"))
        row = sel.org_row(request.actor, org, run) if not message else None
        rows = sel.evidence_rows(row) if row else []
        title = _("行为评价指标证据-%(org)s") % {"org": org.name} + (f"-{run.month:%Y-%m}" if row else "")
        return xlsx_response(title[:60], [_("指标"), _("证书/对象"), _("等级"), _("省份/地点"), _("数值"), _("说明")],
                             rows, sheet_title=_("证据"))
    return _org_page(request, access)


@login_required
@require_POST
def candidate_yellow_card(request, pk: int):
    """The ministry confirms a yellow card for a candidate, with the evidence as the reason."""
    sel.require_ministry(request.actor, write=True)
    access = sel.indicator_org_get(request.actor, pk)
    org = access.require("card")
    form = YellowCardForm(request.POST)
    if form.is_valid():
        if step := confirmation_step(request, title=_("黄牌警告"), subject=org.name,
                                     consequence=_("对该组织黄牌警告：记入其监管记录，并通知该组织。"),
                                     confirm_label=_("确认黄牌警告"),
                                     cancel_url=reverse("pilot:indicator_org", args=[org.pk])):
            return step
        try:
            supervision.org_action_record(actor=request.actor, org=org, kind=OrgAction.Kind.YELLOW_CARD,
                                          reason=form.cleaned_data["reason"])
        except AppError as error:
            if error.field in form.fields:
                add_app_error(form, error)
            else:  # e.g. the org is no longer active: the form is not shown again, the refusal is
                messages.error(request, str(error.message))
        else:
            messages.success(request, _("已对“%(org)s”黄牌警告，并已通知该组织。") % {"org": org.name})
            month = form.cleaned_data.get("month") or ""
            return redirect(reverse("pilot:indicator_org", args=[org.pk]) + (f"?month={month}" if month else ""))
    return _org_page(request, access, card_form=form, status=400)


# --- rules and candidates ------------------------------------------------------------------------------

@login_required
def rules_edit(request):
    sel.require_ministry(request.actor, write=request.method == "POST")
    rules = sel.rules_current()
    form = RuleSetForm(request.POST or None, instance=rules)
    if request.method == "POST" and form.is_valid():
        try:
            services.rules_set(actor=request.actor, **{name: form.cleaned_data[name] for name in services.RULE_FIELDS})
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("黄牌候选规则已保存。"))
            return redirect("pilot:indicator_rules")
    history = sel.rules_history()
    return render(request, "pilot/indicators/rules.html", {"form": form, "rules": rules, "history": history},
                  status=400 if request.method == "POST" else 200)


@login_required
def candidate_list(request):
    sel.require_ministry(request.actor)
    run, message = sel.run_for(request.GET.get("month"))
    rules = sel.rules_current()
    candidates = sel.candidates_of(run, rules) if not message else []
    if request.GET.get("export") == "xlsx":
        rows = ((c["org"].name, c["org"].get_status_display(), "、".join(t["label"] for t in c["tripped"]),
                 c["row"].score, c["row"].rank or "", c["reason"]) for c in candidates)
        title = _("黄牌候选") + (f"-{run.month:%Y-%m}" if run else "")
        return xlsx_response(title, [_("培训评价组织"), _("状态"), _("触发规则"), _("综合得分"), _("排名"), _("证据")], rows)
    for candidate in candidates:
        if candidate["can_card"]:
            candidate["form"] = YellowCardForm(initial={"reason": candidate["reason"], "month": f"{run.month:%Y-%m}"},
                                               auto_id=f"id_{candidate['org'].pk}_%s")
    return render(request, "pilot/indicators/candidates.html", {
        "run": run, "message": message, "candidates": candidates, "rules": rules,
        "deadline": sel.deadline_of(rules, run.as_of.year) if run and run.as_of else None,
        "actionable": sum(1 for c in candidates if c["actionable"]), "month_query": _month_query(run),
        "runs": sel.runs_done()[:24]})
