"""The monthly progress report (按月调度, domain rule 6): plan against actual per org, province and
certificate for one month and the year to date, with its PDF and XLSX.

One report per month (a unique constraint): re-running a month replaces its figures and files in
place, never adds a second report. The run is a background job (``core.jobs``): claimed by a
conditional update of ``status``, so two workers (or a beat run and a click in the ministry's page)
never compute it at once.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Province
from certificates.catalog.models import Certificate
from core.jobs.models import BackgroundJob, job_phase_field, job_status_field
from organizations.orgs.models import Org

# The figures of every row, in the order the tables show them; each is kept for the month
# ("month_…") and for the year to date ("ytd_…").
METRICS = ("planned_candidates", "planned_sessions", "sessions", "teachers_trained", "registered", "assessed",
           "passed", "issued", "passed_not_issued")
METRIC_LABELS = {
    "planned_candidates": _("计划考核人数"),
    "planned_sessions": _("计划考核批次"),
    "sessions": _("实际考核批次"),
    "teachers_trained": _("培训教师"),
    "registered": _("报名人数"),
    "assessed": _("实考人数"),
    "passed": _("合格人数"),
    "issued": _("已发证"),
    "passed_not_issued": _("合格未发证"),
}
PERIODS = ("month", "ytd")


def _report_file_path(instance, filename):
    return f"monthly-reports/{filename}"


class MonthlyReport(BackgroundJob):
    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已生成")
        FAILED = "failed", _("生成失败")

    class Phase(models.TextChoices):
        WAITING = "waiting", _("等待处理")
        PLANS = "plans", _("汇总考核计划")
        TRAININGS = "trainings", _("汇总师资培训")
        SESSIONS = "sessions", _("汇总考核批次")
        REGISTRATIONS = "registrations", _("汇总报名")
        RESULTS = "results", _("汇总成绩")
        ISSUANCE = "issuance", _("汇总发证")
        SAVING = "saving", _("保存统计数据")
        PDF = "pdf", _("生成 PDF 报告")
        XLSX = "xlsx", _("生成 Excel 报表")
        DONE = "done", _("完成")

    # The first day of the reported month.
    month = models.DateField(_("月份"), unique=True)
    status = job_status_field(Status)
    phase = job_phase_field(Phase)
    trigger = models.CharField(_("触发方式"), max_length=16, default="manual",
                               choices=[("schedule", _("每月定时")), ("manual", _("手动生成"))])
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    # When the figures now stored were computed, and how often the month has been (re)computed.
    generated_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    runs = models.PositiveIntegerField(_("生成次数"), default=0)
    seconds = models.FloatField(_("用时（秒）"), null=True, blank=True)
    # National and per-province / per-org totals, for the pages and the PDF without re-summing rows.
    figures = models.JSONField(_("统计数据"), default=dict, blank=True)
    pdf = models.FileField(upload_to=_report_file_path, max_length=300, blank=True)
    xlsx = models.FileField(upload_to=_report_file_path, max_length=300, blank=True)

    task_name = "assessments.monthly_report_run"
    # A run whose worker stopped answering for this long may be taken over by another.
    stale_after = datetime.timedelta(minutes=10)
    phase_percent = {"plans": 4, "trainings": 8, "sessions": 12, "registrations": 20, "results": 40, "issuance": 60,
                     "saving": 95, "pdf": 70, "xlsx": 85, "done": 100}

    class Meta:
        ordering = ["-month"]
        verbose_name = _("月度进展报告")
        verbose_name_plural = _("月度进展报告")

    def __str__(self):
        return gettext("%(month)s月度进展报告") % {"month": formats.date_format(self.month, "YEAR_MONTH_FORMAT")}

    def progress_extra(self) -> dict:
        return {"message": self.message}

    @property
    def has_figures(self) -> bool:
        return self.generated_at is not None


class MonthlyReportRow(models.Model):
    """The figures of one certificate (and so one org) in one province, for the month and the
    year to date."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, related_name="rows")
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+", verbose_name=_("培训评价组织"))
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("省份"))
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="+", verbose_name=_("证书"))

    month_planned_candidates = models.PositiveIntegerField(default=0)
    month_planned_sessions = models.PositiveIntegerField(default=0)
    month_sessions = models.PositiveIntegerField(default=0)
    month_teachers_trained = models.PositiveIntegerField(default=0)
    month_registered = models.PositiveIntegerField(default=0)
    month_assessed = models.PositiveIntegerField(default=0)
    month_passed = models.PositiveIntegerField(default=0)
    month_issued = models.PositiveIntegerField(default=0)
    month_passed_not_issued = models.PositiveIntegerField(default=0)
    ytd_planned_candidates = models.PositiveIntegerField(default=0)
    ytd_planned_sessions = models.PositiveIntegerField(default=0)
    ytd_sessions = models.PositiveIntegerField(default=0)
    ytd_teachers_trained = models.PositiveIntegerField(default=0)
    ytd_registered = models.PositiveIntegerField(default=0)
    ytd_assessed = models.PositiveIntegerField(default=0)
    ytd_passed = models.PositiveIntegerField(default=0)
    ytd_issued = models.PositiveIntegerField(default=0)
    ytd_passed_not_issued = models.PositiveIntegerField(default=0)

    scope_paths = {"org": "org", "province": "province"}

    class Meta:
        ordering = ["report", "org__name", "certificate__name", "province__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["report", "certificate", "province"], name="monthlyreportrow_unique_key"),
        ]
        indexes = [models.Index(fields=["report", "province"], name="monthlyreportrow_prov"),
                   models.Index(fields=["report", "org"], name="monthlyreportrow_org")]
        verbose_name = _("月度进展报告明细")
        verbose_name_plural = _("月度进展报告明细")

    def figure(self, period: str, metric: str) -> int:
        return getattr(self, f"{period}_{metric}")
