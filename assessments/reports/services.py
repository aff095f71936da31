"""The monthly progress report (按月调度, domain rule 6): computed on the 1st of each month by a
Celery beat task for the previous month, or on demand by the ministry, with a progress bar.

Safe to run twice (design rule 4): one report per month (a unique constraint); a run is a
background job (``core.jobs``) claimed by a conditional update of its status, so a beat run and a
click never compute the same month at once, and a worker that died is taken over once its heartbeat
is stale. A run computes the figures in the database (``selectors_reports.progress_figures``),
renders the PDF and XLSX, then replaces the month's rows, figures and files in one transaction:
readers see the old report or the new one, never half of each, and never two.
"""

import datetime
import logging
import time
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.models import Province, Role
from accounts.scoping import Actor
from accounts.services import notify_scope
from assessments.models import MonthlyReport, MonthlyReportRow
from assessments.reports import pdf as report_pdf
from assessments.reports import xlsx as report_xlsx
from assessments.reports.models import METRICS, PERIODS
from assessments.reports.selectors import (
    content_for,
    month_start,
    periods_of,
    previous_month,
    progress_figures,
    reports_page_access,
    summarize,
)
from certificates.catalog.models import Certificate
from core.errors import AppError, Forbidden
from core.jobs.services import job_claim, job_enqueue, job_fail, job_finish, job_progress, job_request
from organizations.orgs.models import Org

logger = logging.getLogger(__name__)

FIRST_MONTH = datetime.date(2019, 1, 1)


def report_month_check(month: datetime.date) -> datetime.date:
    first = month_start(month)
    if first < FIRST_MONTH:
        raise AppError(_("试点自 2019 年开始，不能生成更早月份的报告。"), field="month")
    if first > month_start(timezone.localdate()):
        raise AppError(_("不能为尚未开始的月份生成报告。"), field="month")
    return first


@transaction.atomic
def monthly_report_request(*, actor: Actor | None, month: datetime.date, trigger: str = "manual",
                           enqueue: bool = True) -> MonthlyReport:
    """Queue the report of ``month`` (the ministry's button; ``actor`` None for the schedule).
    The month's report row is created once and then reused: a re-run replaces it."""
    if actor is not None and not reports_page_access(actor).generate:
        raise Forbidden()
    month = report_month_check(month)
    report, _created = MonthlyReport.objects.get_or_create(month=month)
    # A report may be (re)queued unless a run is under way and alive (a new row was never requested).
    if not job_request(MonthlyReport, report.pk, trigger=trigger, requested_by=actor.user if actor else None):
        if actor is None:
            return report  # the schedule found a run already under way: that run is the month's report
        raise AppError(_("%(y)d年%(m)d月的报告正在生成中，请稍候查看。") % {"y": month.year, "m": month.month},
                       code="report_running")
    audit_log(actor=actor, action="report.requested", obj=report,
              changes={"month": [None, month], "trigger": [None, trigger]})
    report.refresh_from_db()
    if enqueue:
        job_enqueue(MonthlyReport, report.pk)
    return report


def _progress(pk: int, phase: str) -> None:
    # Outside any transaction, so the polling page sees it at once.
    job_progress(MonthlyReport, pk, phase=phase)


def _row_dicts(figures: dict[tuple, dict]) -> list[dict]:
    org_ids = {key[0] for key in figures}
    certificate_ids = {key[2] for key in figures}
    orgs = dict(Org.objects.filter(pk__in=org_ids).values_list("pk", "name"))
    provinces = dict(Province.objects.values_list("code", "name"))
    certificates = {pk: (name, code) for pk, name, code in
                    Certificate.objects.filter(pk__in=certificate_ids).values_list("pk", "name", "code")}
    rows = []
    for (org_id, province_id, certificate_id), values in figures.items():
        rows.append({"org_id": org_id, "org": orgs.get(org_id, ""), "province_id": province_id,
                     "province": provinces.get(province_id, ""), "certificate_id": certificate_id,
                     "certificate": certificates.get(certificate_id, ("", ""))[0],
                     "certificate_code": certificates.get(certificate_id, ("", ""))[1],
                     **{period: {m: int(values.get(f"{period}_{m}", 0) or 0) for m in METRICS} for period in PERIODS}})
    rows.sort(key=lambda r: (r["org"], r["certificate"], r["province_id"]))
    return rows


def _stored_name(month: datetime.date, extension: str) -> str:
    return f"{month:%Y-%m}-{uuid.uuid4().hex}.{extension}"


def monthly_report_generate(*, report_id: int) -> MonthlyReport | None:
    """Compute, render and store one month's report; None when another run holds it."""
    if not job_claim(MonthlyReport, report_id, phase=MonthlyReport.Phase.PLANS, percent=1):
        return None
    report = MonthlyReport.objects.get(pk=report_id)
    started = time.perf_counter()
    new_files = []
    try:
        figures = progress_figures(report.month, progress=lambda phase: _progress(report.pk, phase))
        rows = _row_dicts(figures)
        summary = summarize(rows)
        generated_at = timezone.now()
        report.generated_at = generated_at
        summary.update({"rows": len(rows), "generated_at": generated_at.isoformat(),
                        "periods": {k: [a.isoformat(), b.isoformat()] for k, (a, b) in periods_of(report.month).items()}})
        content = content_for(report, summary=summary, detail=rows, national=True, scope_title=_("全国"))
        _progress(report.pk, "pdf")
        pdf = report_pdf.render_report_pdf(content)
        _progress(report.pk, "xlsx")
        xlsx = report_xlsx.render_report_xlsx(content)
        _progress(report.pk, "saving")
        storage = MonthlyReport._meta.get_field("pdf").storage
        pdf_name = storage.save(f"monthly-reports/{_stored_name(report.month, 'pdf')}", ContentFile(pdf))
        new_files.append(pdf_name)
        xlsx_name = storage.save(f"monthly-reports/{_stored_name(report.month, 'xlsx')}", ContentFile(xlsx))
        new_files.append(xlsx_name)
        report = _replace(report.pk, rows=rows, summary=summary, generated_at=generated_at, pdf_name=pdf_name,
                          xlsx_name=xlsx_name, seconds=time.perf_counter() - started)
    except Exception as error:
        for name in new_files:
            MonthlyReport._meta.get_field("pdf").storage.delete(name)
        logger.exception("monthly report %s failed", report_id)
        job_fail(MonthlyReport, report_id, message=_(
            "生成失败（%(kind)s），已保留上一次生成的报告。请稍后重试，或联系平台管理员。") % {"kind": type(error).__name__})
        raise
    return report


@transaction.atomic
def _replace(pk: int, *, rows: list[dict], summary: dict, generated_at, pdf_name: str, xlsx_name: str,
             seconds: float) -> MonthlyReport:
    """Swap the month's rows, figures and files for the new ones in one transaction."""
    report = MonthlyReport.objects.select_for_update().get(pk=pk)
    old_files = [name for name in (report.pdf.name, report.xlsx.name) if name]
    old_rows = MonthlyReportRow.objects.filter(report=report).count()
    MonthlyReportRow.objects.filter(report=report).delete()
    MonthlyReportRow.objects.bulk_create([
        MonthlyReportRow(report=report, org_id=r["org_id"], province_id=r["province_id"],
                         certificate_id=r["certificate_id"],
                         **{f"{period}_{m}": r[period][m] for period in PERIODS for m in METRICS})
        for r in rows], batch_size=2000)
    runs_before = report.runs
    report.figures = summary
    report.generated_at = generated_at
    report.runs = runs_before + 1
    report.pdf.name, report.xlsx.name = pdf_name, xlsx_name
    report.seconds = round(seconds, 2)
    report.save(update_fields=["figures", "generated_at", "runs", "pdf", "xlsx", "seconds"])
    job_finish(MonthlyReport, report.pk, message=_("已生成：%(n)d 条明细（培训评价组织 × 证书 × 省份）。") % {"n": len(rows)})
    report.refresh_from_db()
    audit_log(actor=None, action="report.generated", obj=report, changes={
        "runs": [runs_before, report.runs], "rows": [old_rows, len(rows)],
        "registered_ytd": [None, summary["total"]["ytd"]["registered"]]})
    storage = MonthlyReport._meta.get_field("pdf").storage
    transaction.on_commit(lambda: [storage.delete(name) for name in old_files])
    return report


def monthly_report_scheduled_run(*, today: datetime.date | None = None) -> MonthlyReport | None:
    """The beat task's work on the 1st of each month: the previous month's report."""

    today = today or timezone.localdate()
    month = previous_month(today)
    report = monthly_report_request(actor=None, month=month, trigger="schedule", enqueue=False)
    generated = monthly_report_generate(report_id=report.pk)
    if generated is not None:
        from django.urls import reverse

        notify_scope(role=Role.MINISTRY, kind="report.generated", params={"y": month.year, "m": month.month},
                     link=reverse("assessments:report_detail", args=[month.year, month.month]), category="report")
    return generated
