"""Pages of assessment plans (考核计划): the org uploads or edits its plan for the year's planning
window and sees warnings; a province reads the plans for its province; the ministry reads all and
sets the window."""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.forms import add_app_error
from assessments.plans import selectors
from assessments.plans import services as plans
from assessments.plans.forms import PlanningWindowForm, PlanRowFormSet, PlanUploadForm
from assessments.plans.imports import window_text
from core.choices import choices_answer
from core.errors import AppError, Forbidden
from core.exports import file_response, xlsx_response
from core.tabular.schema import XLSX_TYPE


def _year(request) -> int:
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and len(value) == 4 else selectors.default_plan_year()


def _require(request, action: str) -> None:
    """403 unless the plan pages allow the actor ``action`` (plans_page_access decides)."""
    if action not in selectors.plans_page_access(request.actor):
        raise Forbidden()


def _submitted(request, outcome) -> HttpResponse:
    plan = outcome.plan
    if outcome.superseded:
        messages.success(request, _("考核计划第 %(v)d 版已保存，替代第 %(old)d 版（旧版本保留可查）。") % {
            "v": plan.version, "old": outcome.superseded.version})
    else:
        messages.success(request, _("考核计划第 %(v)d 版已保存。") % {"v": plan.version})
    for warning in outcome.warnings[:20]:
        messages.warning(request, warning["message"])
    if len(outcome.warnings) > 20:
        messages.warning(request, _("另有 %(n)d 条提示，见计划详情。") % {"n": len(outcome.warnings) - 20})
    return redirect("assessments:plan_detail", pk=plan.pk)


@login_required
def plan_list(request):
    actor = request.actor
    year = _year(request)
    window = selectors.planning_window(year)
    if request.GET.get("export") == "xlsx":
        return _export_current(actor, year)
    may = selectors.plans_page_access(actor)
    context = {"year": year, "years": selectors.plan_years(actor), "window": window,
               "window_text": window_text(window.first_month, window.last_month), "may": may}
    if may.submit:
        versions = list(selectors.plans_visible(actor).filter(year=year).order_by("-version"))
        current = next((p for p in versions if p.is_current), None)
        context.update({"versions": versions, "current": current,
                        "matrix": selectors.plan_matrix(selectors.plan_rows(actor, current), current.months)
                        if current else None})
    else:
        context["overview"] = selectors.plans_overview(actor, year)
    return render(request, "assessments/plans.html", context)


def _export_current(actor, year: int) -> HttpResponse:
    rows = []
    for plan in selectors.current_plans(actor, year):
        for row in selectors.plan_rows(actor, plan):
            rows.append((plan.org.name, plan.year, plan.version, row.month, row.province.name, row.certificate.name,
                         row.certificate.code, row.get_level_display(), row.planned_candidates, row.planned_sessions))
    return xlsx_response(_("考核计划"), [_("培训评价组织"), _("年度"), _("版本"), _("月份"), _("省份"), _("证书"), _("证书代码"),
                                      _("等级"), _("计划考核人数"), _("计划考核批次")], rows)


@login_required
def plan_template(request):
    year = _year(request)
    content = plans.plan_template(actor=request.actor, year=year)
    return file_response(content, _("%(year)d年考核计划模板") % {"year": year} + ".xlsx", XLSX_TYPE)


@login_required
def plan_upload(request):
    _require(request, "submit")
    form = PlanUploadForm(request.POST or None, request.FILES or None, initial={"year": _year(request)})
    errors = None
    if request.method == "POST" and form.is_valid():
        try:
            outcome = plans.plan_upload(actor=request.actor, year=form.cleaned_data["year"],
                                        upload=form.cleaned_data["file"])
        except AppError as error:
            add_app_error(form, error)
            errors = error.details
        else:
            return _submitted(request, outcome)
    year = form.cleaned_data["year"] if form.is_bound and form.is_valid() else _year(request)
    window = selectors.planning_window(year)
    return render(request, "assessments/plan_upload.html", {
        "form": form, "errors": errors, "year": year, "window_text": window_text(window.first_month, window.last_month),
        "refusal": selectors.planning_refusal(request.actor)},
        status=400 if form.errors else 200)


@login_required
def plan_edit(request):
    actor = request.actor
    _require(request, "submit")
    year = _year(request)
    window = selectors.planning_window(year)
    certificates = list(selectors.plannable_certificates(actor))
    current = selectors.own_current_plan(actor, year)
    initial = [{"month": r.month, "province": r.province_id, "certificate": r.certificate.code, "level": r.level,
                "planned_candidates": r.planned_candidates, "planned_sessions": r.planned_sessions}
               for r in selectors.plan_rows(actor, current)] if current else []
    formset = PlanRowFormSet(request.POST or None, initial=initial, months=window.months, certificates=certificates)
    if answer := choices_answer(request, formset.empty_form):
        return answer
    errors = None
    refusal = selectors.planning_refusal(actor)
    refused = request.method == "POST" and refusal is not None
    if refused:  # shown unbound: rendering the rows would check them
        formset = PlanRowFormSet(initial=initial, months=window.months, certificates=certificates)
    # The refusal (shown above the form) is the answer, before the rows are checked: the org's
    # certificates are no longer offered, which would only read as an invalid choice.
    if request.method == "POST" and not refused and formset.is_valid():
        try:
            outcome = plans.plan_submit_records(actor=actor, year=year, records=formset.numbered_records(),
                                                source="form")
        except AppError as error:
            messages.error(request, str(error.message))
            errors = error.details
        else:
            return _submitted(request, outcome)
    return render(request, "assessments/plan_edit.html", {
        "formset": formset, "year": year, "current": current, "errors": errors, "refusal": refusal,
        "window_text": window_text(window.first_month, window.last_month)}, status=400 if errors or refused else 200)


@login_required
def plan_detail(request, pk: int):
    actor = request.actor
    plan = selectors.plan_get(actor, pk)
    rows = selectors.plan_rows(actor, plan)
    if request.GET.get("export") == "xlsx":
        data = ((r.month, r.province.name, r.certificate.name, r.certificate.code, r.get_level_display(),
                 r.planned_candidates, r.planned_sessions) for r in rows)
        headers = [_("月份"), _("省份"), _("证书"), _("证书代码"), _("等级"), _("计划考核人数"), _("计划考核批次")]
        return xlsx_response(_("考核计划第%(v)d版") % {"v": plan.version}, headers, data)
    return render(request, "assessments/plan_detail.html", {
        "plan": plan, "matrix": selectors.plan_matrix(rows, plan.months), "warnings": selectors.plan_warnings(actor, plan),
        "versions": selectors.plan_versions(actor, plan), "window_text": window_text(plan.first_month, plan.last_month)})


@login_required
def plan_window(request):
    _require(request, "set_window")
    year = _year(request)
    window = selectors.planning_window(year)
    form = PlanningWindowForm(request.POST or None, initial={"year": year, "first_month": window.first_month,
                                                              "last_month": window.last_month})
    if request.method == "POST" and form.is_valid():
        try:
            saved = plans.planning_window_set(actor=request.actor, **form.cleaned_data)
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("%(year)d 年考核计划时间窗口已设为%(window)s。") % {
                "year": saved.year, "window": window_text(saved.first_month, saved.last_month)})
            return redirect(f"{reverse('assessments:plans')}?year={saved.year}")
    return render(request, "assessments/plan_window.html", {"form": form, "year": year})
