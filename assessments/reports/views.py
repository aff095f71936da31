"""Pages of the monthly progress report (按月调度): the list of months, the ministry's button to
(re)generate a month with a progress bar, the month's figures and its PDF and XLSX. The ministry
sees the nation; a province its own province's rows; an org its own rows. The PDF and XLSX of a
province or an org are rendered here from the selectors' content (renderers are leaves); the
ministry gets the stored national files."""


from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.forms import add_app_error
from assessments.reports import pdf as pdf_renderer
from assessments.reports import selectors
from assessments.reports import services as reports
from assessments.reports import xlsx as xlsx_renderer
from assessments.reports.forms import ReportRequestForm
from core.errors import AppError, Forbidden
from core.exports import file_response
from core.tabular.schema import XLSX_TYPE


def _request_form(data=None) -> ReportRequestForm:
    return ReportRequestForm(data, initial={"month": selectors.previous_month(timezone.localdate())})


@login_required
def report_list(request):
    actor = request.actor
    may = selectors.reports_page_access(actor)
    return render(request, "assessments/reports.html", {
        "reports": selectors.reports_visible(actor)[:60], "form": _request_form() if may.generate else None,
        "may": may})


@login_required
@require_POST
def report_generate(request):
    may = selectors.reports_page_access(request.actor)
    if not may.generate:
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
        "reports": selectors.reports_visible(request.actor)[:60], "form": form, "may": may}, status=400)


@login_required
def report_detail(request, year: int, month: int):
    actor = request.actor
    report = selectors.report_get(actor, year, month)
    context = {"report": report, "may": selectors.reports_page_access(actor)}
    if report.has_figures:
        context.update(selectors.report_content(actor, report))
    return render(request, "assessments/report_detail.html", context)


@never_cache
@login_required
def report_status(request, year: int, month: int):
    report = selectors.report_get(request.actor, year, month)
    return JsonResponse(report.status_json())


def _document(request, year: int, month: int, kind: str, render_document, content_type: str) -> HttpResponse:
    """The month's PDF or XLSX for the actor: the stored national file for the ministry, else the
    actor's own figures rendered now (a read: nothing is stored)."""
    actor = request.actor
    report = selectors.report_get(actor, year, month)
    selectors.require_report_ready(actor, report)
    content = selectors.report_stored_file(actor, report, kind)
    if content is None:
        content = render_document(selectors.report_content(actor, report))
    return file_response(content, selectors.report_file_name(actor, report, kind), content_type)


@login_required
def report_pdf(request, year: int, month: int):
    return _document(request, year, month, "pdf", pdf_renderer.render_report_pdf, "application/pdf")


@login_required
def report_xlsx(request, year: int, month: int):
    return _document(request, year, month, "xlsx", xlsx_renderer.render_report_xlsx, XLSX_TYPE)
