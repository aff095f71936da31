"""Assessment plans (考核计划): per month, province and certificate level, how many candidates an
org plans to assess and in how many sessions, inside the planning window the ministry sets for the
year (September–December unless it says otherwise).

A plan is versioned: each submission is a new version that supersedes the current one; every
version is kept, so the monthly report always compares against the version in force and the
history shows what changed.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Province
from certificates.catalog.models import Certificate, Level
from organizations.orgs.models import Org

DEFAULT_WINDOW = (9, 12)


class PlanningWindow(models.Model):
    """The months of one year for which orgs submit plans; without a row, September–December."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    first_month = models.PositiveSmallIntegerField(_("起始月份"))
    last_month = models.PositiveSmallIntegerField(_("截止月份"))
    set_at = models.DateTimeField(_("设置时间"), default=timezone.now)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")

    scope_writers = ("ministry",)

    class Meta:
        ordering = ["-year"]
        constraints = [models.CheckConstraint(
            name="planningwindow_months_valid",
            condition=Q(first_month__gte=1) & Q(last_month__lte=12) & Q(first_month__lte=F("last_month")))]
        verbose_name = _("考核计划时间窗口")
        verbose_name_plural = _("考核计划时间窗口")

    def __str__(self):
        return gettext("%(y)d年%(a)d月至%(b)d月") % {"y": self.year, "a": self.first_month, "b": self.last_month}

    @property
    def months(self) -> list[int]:
        return list(range(self.first_month, self.last_month + 1))


class AssessmentPlan(models.Model):
    """One version of an org's plan for one year. The current version has no ``superseded_at``."""

    class Source(models.TextChoices):
        UPLOAD = "upload", _("上传文件")
        FORM = "form", _("在线填写")
        API = "api", _("接口提交")

    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="assessment_plans",
                            verbose_name=_("培训评价组织"))
    year = models.PositiveSmallIntegerField(_("年度"))
    version = models.PositiveIntegerField(_("版本"))
    source = models.CharField(_("提交方式"), max_length=16, choices=Source.choices)
    original_name = models.CharField(_("文件名"), max_length=200, blank=True)
    first_month = models.PositiveSmallIntegerField(_("窗口起始月份"))
    last_month = models.PositiveSmallIntegerField(_("窗口截止月份"))
    total_candidates = models.PositiveIntegerField(_("计划考核人数合计"), default=0)
    total_sessions = models.PositiveIntegerField(_("计划考核批次合计"), default=0)
    # Rows over what the province's institutions declared: accepted, and shown to the org.
    warnings = models.JSONField(_("提示"), default=list, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    superseded_at = models.DateTimeField(_("被替代时间"), null=True, blank=True)

    scope_paths = {"org": "org", "province": "rows__province"}
    scope_distinct = True
    scope_writers = ("org",)

    class Meta:
        ordering = ["-year", "org__name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["org", "year", "version"], name="assessmentplan_unique_version"),
            models.UniqueConstraint(fields=["org", "year"], condition=Q(superseded_at__isnull=True),
                                    name="assessmentplan_one_current"),
        ]
        verbose_name = _("考核计划")
        verbose_name_plural = _("考核计划")

    def __str__(self):
        return gettext("%(org)s %(y)d年考核计划（第%(v)d版）") % {"org": self.org.name, "y": self.year, "v": self.version}

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    @property
    def months(self) -> list[int]:
        return list(range(self.first_month, self.last_month + 1))


class AssessmentPlanRow(models.Model):
    """One month, province and certificate level of a plan version."""

    plan = models.ForeignKey(AssessmentPlan, on_delete=models.CASCADE, related_name="rows")
    month = models.PositiveSmallIntegerField(_("月份"))
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("省份"))
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="plan_rows",
                                    verbose_name=_("证书"))
    level = models.CharField(_("等级"), max_length=16, choices=Level.choices)
    planned_candidates = models.PositiveIntegerField(_("计划考核人数"))
    planned_sessions = models.PositiveIntegerField(_("计划考核批次"))

    scope_paths = {"org": "plan__org", "province": "province"}

    class Meta:
        ordering = ["plan", "month", "province__sort_order", "certificate__name", "level"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "month", "province", "certificate", "level"],
                                    name="assessmentplanrow_unique_key"),
            models.CheckConstraint(name="assessmentplanrow_month_valid", condition=Q(month__gte=1) & Q(month__lte=12)),
        ]
        verbose_name = _("考核计划明细")
        verbose_name_plural = _("考核计划明细")
