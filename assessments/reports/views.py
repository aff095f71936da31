"""Pages of the monthly progress report (按月调度): the list of months, the ministry's button to
(re)generate a month with a progress bar, the month's figures and its PDF and XLSX. The ministry
sees the nation; a province its own province's rows; an org its own rows."""


from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.forms import add_app_error
from accounts.models import Role
from assessments.reports import selectors
from assessments.reports import services as reports
from assessments.reports.forms import ReportRequestForm
from core.errors import AppError, Forbidden
from core.exports import file_response
from core.tabular.schema import XLSX_TYPE


def _request_form(data=None) -> ReportRequestForm:
    return ReportRequestForm(data, initial={"month": selectors.previous_month(timezone.localdate())})


@login_required
def report_list(request):
    actor = request.actor
    form = None
    if actor.role == Role.MINISTRY:
        form = _request_form()
    return render(request, "assessments/reports.html", {
        "reports": selectors.reports_visible(actor)[:60], "form": form, "is_ministry": actor.role == Role.MINISTRY})


@login_required
@require_POST
def report_generate(request):
    if request.actor.role != Role.MINISTRY:
        raise Forbidden()
    form = _request_form(request.POST)
    if form.is_valid():
        try:
            report = reports.monthly_report_request(actor=request.actor, month=form.cleaned_data["month"])
        except AppError as error:
            add_app_error(form, error)
        else:
            return redirect("assessments:report_detail", report.month.year, report.month.month)
    return render(request, "assessments/reports.html", {
        "reports": selectors.reports_visible(request.actor)[:60], "form": form, "is_ministry": True}, status=400)


@login_required
def report_detail(request, year: int, month: int):
    actor = request.actor
    report = selectors.report_get(actor, year, month)
    context = {"report": report, "is_ministry": actor.role == Role.MINISTRY}
    if report.has_figures:
        context.update(selectors.report_content(actor, report))
    return render(request, "assessments/report_detail.html", context)


@never_cache
@login_required
def report_status(request, year: int, month: int):
    report = selectors.report_get(request.actor, year, month)
    return JsonResponse(report.status_json())


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    return file_response(content, filename, content_type)


@login_required
def report_pdf(request, year: int, month: int):
    report = selectors.report_get(request.actor, year, month)
    content, filename = selectors.report_document(request.actor, report, "pdf")
    return _download(content, filename, "application/pdf")


@login_required
def report_xlsx(request, year: int, month: int):
    report = selectors.report_get(request.actor, year, month)
    content, filename = selectors.report_document(request.actor, report, "xlsx")
    return _download(content, filename, XLSX_TYPE)
