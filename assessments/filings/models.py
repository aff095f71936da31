import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Province, StoredFile
from certificates.catalog.models import Certificate, Level
from core.jobs.models import BackgroundJob, job_phase_field, job_status_field
from organizations.institutions.models import Institution


class Filing(models.Model):
    """A province's filing (备案) of one institution's participation in one certificate for one
    year, with the students it declares per level (申报规模).

    Filing is not approval (domain rule 1): there is no approval state and no threshold; a filing
    counts from the moment it is recorded until the province withdraws it. A later filing of the
    same institution, certificate and year corrects this one (the audit log keeps what it was).
    """

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="filings",
                                    verbose_name=_("院校"))
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="filings",
                                    verbose_name=_("证书"))
    year = models.PositiveSmallIntegerField(_("年度"))
    # The institution's province, kept on the row so scope checks and national totals need no join.
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("省份"))
    contact_name = models.CharField(_("联系教师"), max_length=64)
    contact_phone = models.CharField(_("联系电话"), max_length=32)
    # The sum of the levels' declared students, kept for totals over millions of students.
    total_students = models.PositiveIntegerField(_("申报人数"))
    filed_at = models.DateTimeField(_("备案时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("最后更正时间"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("撤回原因"), max_length=200, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    scope_paths = {"province": "province", "institution": "institution", "org": "certificate__org"}
    scope_writers = ("province",)

    class Meta:
        ordering = ["-year", "institution__name", "certificate__name"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "certificate", "year"], name="filing_unique_key"),
            models.CheckConstraint(name="filing_total_positive", condition=Q(total_students__gt=0)),
        ]
        indexes = [
            models.Index(fields=["province", "year"], name="filing_province_year"),
            models.Index(fields=["certificate", "year"], name="filing_certificate_year"),
        ]
        verbose_name = _("院校备案")
        verbose_name_plural = _("院校备案")

    def __str__(self):
        return f"{self.institution.name} · {self.certificate.name} · {self.year}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


def level_rank() -> models.Case:
    """初级, 中级, 高级 in that order (the stored codes sort alphabetically otherwise)."""
    return models.Case(*(models.When(level=level, then=rank) for rank, level in enumerate(Level.values)),
                       default=len(Level.values))


class FilingLevel(models.Model):
    """The declared number of students of one level in a filing."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="levels")
    level = models.CharField(_("等级"), max_length=16, choices=Level.choices)
    declared_students = models.PositiveIntegerField(_("申报人数"))

    scope_paths = {"province": "filing__province", "institution": "filing__institution",
                   "org": "filing__certificate__org"}

    class Meta:
        ordering = ["filing", "level"]
        constraints = [
            models.UniqueConstraint(fields=["filing", "level"], name="filinglevel_unique"),
            models.CheckConstraint(name="filinglevel_declared_positive", condition=Q(declared_students__gt=0)),
        ]
        verbose_name = _("备案等级")
        verbose_name_plural = _("备案等级")


class FilingImport(StoredFile, BackgroundJob):
    """One uploaded bulk-filing file and what became of it. The file is kept so that the error
    report can be built from exactly what was sent. Read, validated and saved as a background job
    (``assessments.filings.import_jobs``)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("处理中")
        FAILED = "failed", _("未保存（有错误）")
        SUCCEEDED = "done", _("已保存")

    class Phase(models.TextChoices):
        WAITING = "waiting", _("等待处理")
        READING = "reading", _("读取文件")
        VALIDATING = "validating", _("逐行校验")
        SAVING = "saving", _("保存")
        DONE = "done", _("完成")

    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("省份"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = job_status_field(Status)
    phase = job_phase_field(Phase)
    total_rows = models.PositiveIntegerField(_("预计行数"), null=True, blank=True)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    row_count = models.PositiveIntegerField(_("数据行数"), default=0)
    filing_count = models.PositiveIntegerField(_("涉及备案数"), default=0)
    created_count = models.PositiveIntegerField(_("新增备案"), default=0)
    corrected_count = models.PositiveIntegerField(_("更正备案"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变化备案"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    error_row_count = models.PositiveIntegerField(_("有错误的行数"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)

    upload_folder = "filing-imports"
    scope_paths = {"province": "province"}
    scope_writers = ("province",)
    task_name = "assessments.filing_import_run"
    # A run whose worker died (no heartbeat for this long) may be taken over by a redelivered task.
    stale_after = datetime.timedelta(minutes=5)
    # Validation moves the bar up to 94% row by row (import_jobs); saving is the last 5%.
    phase_percent = {"saving": 95}

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("批量备案导入")
        verbose_name_plural = _("批量备案导入")

    def __str__(self):
        return self.original_name

    def progress_extra(self) -> dict:
        return {"processed": self.processed_rows, "total": self.total_rows}
