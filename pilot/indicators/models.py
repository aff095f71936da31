"""Org behaviour indicators (行为监督评价指标) and the yellow-card rule set.

One ``IndicatorRun`` per month (a unique constraint): re-running a month replaces its rows in one
transaction, never adds a second set. The run is a background job (``core.jobs``) claimed by a
conditional update of ``status``, as the monthly progress report is, so the beat task and the
ministry's button never compute one month at once. Each ``OrgIndicator`` keeps the figures of one
org in one month together with the evidence behind them (the rows they were computed from, as
JSON), so the org's page shows why, and a later month never rewrites an earlier one.

The rule set is one row the ministry reads and tunes (audited); candidates are evaluated from the
stored indicators and the rules in force, so tuning a rule changes the list at once. Nothing is
carded automatically.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.jobs.models import BackgroundJob, job_phase_field, job_status_field
from organizations.orgs.models import Org


class IndicatorRuleSet(models.Model):
    """The yellow-card rules (and the lenient-assessment statistics' parameters). One row, pk 1."""

    training_rule_enabled = models.BooleanField(_("启用师资培训启动规则"), default=True)
    training_deadline_month = models.PositiveSmallIntegerField(
        _("师资培训启动截止月份"), default=9, validators=[MinValueValidator(1), MaxValueValidator(12)])
    training_deadline_day = models.PositiveSmallIntegerField(
        _("师资培训启动截止日"), default=10, validators=[MinValueValidator(1), MaxValueValidator(31)])
    plan_rule_enabled = models.BooleanField(_("启用计划完成率规则"), default=True)
    plan_fulfilment_threshold = models.PositiveSmallIntegerField(
        _("计划完成率下限（%）"), default=50, validators=[MinValueValidator(1), MaxValueValidator(100)])
    complaints_rule_enabled = models.BooleanField(_("启用投诉属实规则"), default=True)
    complaints_threshold = models.PositiveSmallIntegerField(
        _("属实投诉件数"), default=2, validators=[MinValueValidator(1), MaxValueValidator(100)])
    anomaly_min_candidates = models.PositiveIntegerField(
        _("通过率异常：最少实考人数"), default=30, validators=[MinValueValidator(5), MaxValueValidator(100000)])
    anomaly_z_threshold = models.DecimalField(
        _("通过率异常：稳健 z 值阈值"), max_digits=4, decimal_places=1, default=Decimal("3.0"),
        validators=[MinValueValidator(Decimal("1.0")), MaxValueValidator(Decimal("20.0"))])
    updated_at = models.DateTimeField(_("更新时间"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    scope_writers = ("ministry",)

    class Meta:
        constraints = [
            models.CheckConstraint(name="indicatorruleset_deadline_valid",
                                   condition=Q(training_deadline_month__gte=1) & Q(training_deadline_month__lte=12)
                                   & Q(training_deadline_day__gte=1) & Q(training_deadline_day__lte=31)),
            models.CheckConstraint(name="indicatorruleset_threshold_valid",
                                   condition=Q(plan_fulfilment_threshold__gte=1) & Q(plan_fulfilment_threshold__lte=100)
                                   & Q(complaints_threshold__gte=1)),
        ]
        verbose_name = _("黄牌候选规则")
        verbose_name_plural = _("黄牌候选规则")

    def __str__(self):
        return str(_("黄牌候选规则"))


class IndicatorRun(BackgroundJob):
    """The computation of one month's indicators, a background job (as the monthly report is)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("计算中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("计算失败")

    class Phase(models.TextChoices):
        WAITING = "waiting", _("等待处理")
        TRAINING = "training", _("师资培训")
        PLAN = "plan", _("计划完成率")
        ISSUANCE = "issuance", _("发证及时性")
        ANOMALY = "anomaly", _("通过率异常")
        FEES = "fees", _("超上限收费提议")
        COMPLAINTS = "complaints", _("属实投诉")
        PAPER = "paper", _("纸质证书订单")
        SAVING = "saving", _("保存结果")
        DONE = "done", _("完成")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("每月定时")
        MANUAL = "manual", _("手动计算")

    # The first day of the month the indicators describe (as of its last day, or today if earlier).
    month = models.DateField(_("月份"), unique=True)
    status = job_status_field(Status)
    phase = job_phase_field(Phase)
    trigger = models.CharField(_("触发方式"), max_length=16, choices=Trigger.choices, default=Trigger.MANUAL)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    # The date the stored figures describe, when they were computed, and how often.
    as_of = models.DateField(_("统计截止日期"), null=True, blank=True)
    generated_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    runs = models.PositiveIntegerField(_("计算次数"), default=0)
    seconds = models.FloatField(_("用时（秒）"), null=True, blank=True)
    # The parameters the run used (deadline, anomaly thresholds), to show next to its figures.
    parameters = models.JSONField(_("计算参数"), default=dict, blank=True)

    task_name = "pilot.indicator_run"
    stale_after = datetime.timedelta(minutes=10)
    phase_percent = {"training": 5, "plan": 15, "issuance": 35, "anomaly": 55, "fees": 80, "complaints": 85,
                     "paper": 88, "saving": 95, "done": 100}

    class Meta:
        ordering = ["-month"]
        verbose_name = _("行为评价指标计算")
        verbose_name_plural = _("行为评价指标计算")

    def __str__(self):
        return f"{self.month:%Y-%m}"

    def progress_extra(self) -> dict:
        return {"message": self.message}

    @property
    def has_figures(self) -> bool:
        return self.generated_at is not None


class OrgIndicator(models.Model):
    """One org's indicators in one month, with the evidence behind each."""

    run = models.ForeignKey(IndicatorRun, on_delete=models.CASCADE, related_name="rows")
    # Orgs are never deleted in operation; the benchmark's generated orgs take their indicators with them.
    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="+", verbose_name=_("培训评价组织"))
    # When the org's selection batch was published (None where unknown): the training deadline of a
    # year applies only to orgs selected by then.
    selected_on = models.DateField(_("遴选公布日期"), null=True, blank=True)
    # Teacher training started (this year, up to the as-of date): first start date nationally and in Hubei.
    training_first_national = models.DateField(_("全国首次师资培训"), null=True, blank=True)
    training_first_hubei = models.DateField(_("湖北首次师资培训"), null=True, blank=True)
    trainings = models.PositiveIntegerField(_("师资培训期数"), default=0)
    teachers_trained = models.PositiveIntegerField(_("培训教师人数"), default=0)
    # Plan fulfilment: assessed against the plan in force, months of the planning window to date.
    planned = models.PositiveIntegerField(_("计划考核人数"), default=0)
    assessed = models.PositiveIntegerField(_("实考人数"), default=0)
    fulfilment = models.DecimalField(_("计划完成率（%）"), max_digits=7, decimal_places=1, null=True, blank=True)
    # Issuance timeliness: days from the assessment date to the certificate; passes still waiting.
    issued = models.PositiveIntegerField(_("已发证"), default=0)
    issuance_days_avg = models.DecimalField(_("平均发证天数"), max_digits=7, decimal_places=1, null=True, blank=True)
    issuance_days_max = models.PositiveIntegerField(_("最长发证天数"), null=True, blank=True)
    issued_late = models.PositiveIntegerField(_("超期发证"), default=0)
    passed_not_issued = models.PositiveIntegerField(_("合格未发证"), default=0)
    oldest_waiting_days = models.PositiveIntegerField(_("最长等待天数"), null=True, blank=True)
    # Lenient assessment (考核放水): pass rates far above their peers.
    anomalies = models.PositiveIntegerField(_("通过率异常"), default=0)
    # Fee proposals refused for exceeding the caps (from the audit log).
    fee_refusals = models.PositiveIntegerField(_("超上限收费提议"), default=0)
    # Upheld complaints, in total and by category ({category: n}).
    complaints_upheld = models.PositiveIntegerField(_("属实投诉"), default=0)
    complaints_by_category = models.JSONField(_("属实投诉分类"), default=dict, blank=True)
    # Paper copies ordered and not yet mailed (nor cancelled).
    paper_unfulfilled = models.PositiveIntegerField(_("未寄出纸质证书"), default=0)
    paper_oldest_days = models.PositiveIntegerField(_("最久未寄出天数"), null=True, blank=True)
    # Composite score (0–100, higher is better; see pilot.indicators.scoring) and rank among operating orgs.
    score = models.DecimalField(_("综合得分"), max_digits=5, decimal_places=1)
    components = models.JSONField(_("分项得分"), default=dict, blank=True)
    rank = models.PositiveIntegerField(_("排名"), null=True, blank=True)
    # {indicator: [rows]}: what each figure was computed from.
    evidence = models.JSONField(_("证据"), default=dict, blank=True)

    scope_paths = {"org": "org"}

    class Meta:
        ordering = ["run", models.F("rank").asc(nulls_last=True), "org__name"]
        constraints = [models.UniqueConstraint(fields=["run", "org"], name="orgindicator_one_per_run")]
        indexes = [models.Index(fields=["org", "run"], name="orgindicator_org_run")]
        verbose_name = _("培训评价组织行为评价指标")
        verbose_name_plural = _("培训评价组织行为评价指标")

    def __str__(self):
        return f"{self.org_id} {self.run}"
