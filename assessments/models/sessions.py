"""Sites, assessment sessions, registrations and results: the pipeline from a scheduled session to
the passes handed to certificate issuance.

Registrations and results repeat a few of their session's facts (org, certificate, level, province,
date): the national figures aggregate millions of these rows, and with the facts on the row a
GROUP BY needs no join. Those copies are written only from their session (or registration), whose
own foreign keys guarantee them, so they carry no database constraint of their own
(``db_constraint=False``): a 100,000-row upload would otherwise run 100,000 redundant checks per
copied column at commit.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Person, Province
from certificates.models import AssessmentType, Certificate, Level
from organizations.models import Institution, Org


class Site(models.Model):
    """An assessment site (考点) of an org; its code goes into certificate numbers."""

    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="sites")
    code = models.CharField(_("考点代码"), max_length=8)
    name = models.CharField(_("考点名称"), max_length=128)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("省份"))
    city = models.CharField(_("城市"), max_length=64, blank=True)
    address = models.CharField(_("地址"), max_length=200)
    institution = models.ForeignKey(Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="sites",
                                    verbose_name=_("所在院校"))
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_paths = {"org": "org", "province": "province"}
    scope_writers = ("org",)

    class Meta:
        ordering = ["org", "code"]
        constraints = [models.UniqueConstraint(fields=["org", "code"], name="site_unique_code")]
        verbose_name = _("考点")
        verbose_name_plural = _("考点")

    def __str__(self):
        return self.name


class AssessmentSession(models.Model):
    """One sitting (考核批次) of one certificate level at one site on one date."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("报名中")
        CLOSED = "closed", _("报名截止")
        FINALIZED = "finalized", _("成绩已确认")
        CANCELLED = "cancelled", _("已取消")

    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="sessions")
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="sessions")
    level = models.CharField(_("等级"), max_length=16, choices=Level.choices)
    assessment_type = models.CharField(_("考核方式"), max_length=24, choices=AssessmentType.choices)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="sessions")
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("省份"))
    date = models.DateField(_("考核日期"), db_index=True)
    start_time = models.TimeField(_("开始时间"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("容量"))
    examiners = models.TextField(_("考评员"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    finalized_at = models.DateTimeField(_("成绩确认时间"), null=True, blank=True)
    finalized_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    scope_paths = {"org": "org", "province": "province"}
    scope_writers = ("org",)

    class Meta:
        ordering = ["-date", "pk"]
        indexes = [models.Index(fields=["org", "date"]), models.Index(fields=["province", "date"])]
        constraints = [models.CheckConstraint(name="session_capacity_positive", condition=Q(capacity__gt=0))]
        verbose_name = _("考核批次")
        verbose_name_plural = _("考核批次")

    def __str__(self):
        return f"{self.certificate.name}（{self.get_level_display()}）{self.date:%Y-%m-%d} {self.site.name}"


class Registration(models.Model):
    """A candidate (a Person) registered for a session: by their institution's file, or — a social
    learner — by themself, in which case the registering account later holds the certificate."""

    class Channel(models.TextChoices):
        INSTITUTION = "institution", _("院校报名")
        SELF = "self", _("个人报名")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("已报名")
        CANCELLED = "cancelled", _("已取消")

    session = models.ForeignKey(AssessmentSession, on_delete=models.PROTECT, related_name="registrations")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="registrations")
    institution = models.ForeignKey(Institution, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="registrations")
    channel = models.CharField(_("报名方式"), max_length=16, choices=Channel.choices)
    account = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="registrations", help_text=_("个人报名的账户，日后持证"))
    major_code = models.CharField(_("专业代码"), max_length=16, blank=True)
    major_name = models.CharField(_("专业"), max_length=64, blank=True)
    # The name as the registration gave it; when it differs from the person's name on file the
    # institution confirms it (never a second person).
    name_given = models.CharField(_("报名姓名"), max_length=64)
    name_mismatch = models.BooleanField(_("姓名与档案不一致"), default=False)
    name_confirmed_at = models.DateTimeField(null=True, blank=True)
    absent = models.BooleanField(_("缺考"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.REGISTERED)
    # Repeated from the session for aggregation without joins (checked through the session); the
    # composite indexes below lead with them, so they need no index of their own.
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False)
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="+", db_constraint=False,
                                    db_index=False)
    level = models.CharField(max_length=16, choices=Level.choices)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", db_constraint=False,
                                 db_index=False)
    session_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    scope_paths = {"org": "org", "province": "province", "institution": "institution", "person": "person"}

    class Meta:
        ordering = ["session", "pk"]
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="registration_once_per_session")]
        indexes = [models.Index(fields=["province", "session_date"]), models.Index(fields=["org", "session_date"]),
                   models.Index(fields=["certificate", "level", "session_date"])]
        verbose_name = _("报名")
        verbose_name_plural = _("报名")


class Result(models.Model):
    """A candidate's score; pass or fail follows the level's pass mark. Editable until the session is
    finalized; afterwards only through an audited ResultAmendment."""

    registration = models.OneToOneField(Registration, on_delete=models.PROTECT, related_name="result")
    score = models.DecimalField(_("成绩"), max_digits=6, decimal_places=1)
    passed = models.BooleanField(_("合格"))
    recorded_at = models.DateTimeField(auto_now=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    # Repeated from the registration for aggregation without joins (checked through the
    # registration); org and province lead the composite indexes below.
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False)
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    level = models.CharField(max_length=16, choices=Level.choices)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", db_constraint=False,
                                 db_index=False)
    institution = models.ForeignKey(Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    db_constraint=False)
    session_date = models.DateField()

    scope_paths = {"org": "org", "province": "province", "institution": "institution",
                   "person": "registration__person"}

    class Meta:
        indexes = [models.Index(fields=["province", "session_date"]), models.Index(fields=["org", "session_date"])]
        constraints = [models.CheckConstraint(name="result_score_nonnegative", condition=Q(score__gte=0))]
        verbose_name = _("成绩")
        verbose_name_plural = _("成绩")


class ResultAmendment(models.Model):
    """A correction of a finalized result: audited, with its reason; may follow a score review."""

    result = models.ForeignKey(Result, on_delete=models.PROTECT, related_name="amendments")
    score_before = models.DecimalField(max_digits=6, decimal_places=1)
    score_after = models.DecimalField(max_digits=6, decimal_places=1)
    passed_before = models.BooleanField()
    passed_after = models.BooleanField()
    reason = models.TextField(_("更正原因"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    scope_paths = {"org": "result__org", "province": "result__province", "institution": "result__institution",
                   "person": "result__registration__person"}


class ScoreReview(models.Model):
    """A candidate's request for a score review (成绩复核), answered by the org."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待复核")
        MAINTAINED = "maintained", _("维持原成绩")
        AMENDED = "amended", _("成绩已更正")

    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="reviews")
    reason = models.TextField(_("复核理由"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.REQUESTED)
    answer = models.TextField(_("复核结果说明"), blank=True)
    amendment = models.OneToOneField(ResultAmendment, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="review")
    requested_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    scope_paths = {"org": "registration__org", "province": "registration__province",
                   "institution": "registration__institution", "person": "registration__person"}

    class Meta:
        constraints = [models.UniqueConstraint(fields=["registration"], condition=Q(status="requested"),
                                               name="scorereview_one_open")]
