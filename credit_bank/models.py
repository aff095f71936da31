"""The credit bank (学分银行): learning accounts, recognized outcomes, conversion rules and requests,
transcripts. See credit_bank/__init__.py for how the pieces fit and the choices behind them."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Person, Province
from certificates.catalog.models import Certificate, Level
from certificates.issuance.models import IssuedCertificate
from organizations.institutions.models import Enrolment, Institution

# Credits are Decimal with one place (学分 are counted in halves at most).
CREDIT_FIELD = {"max_digits": 4, "decimal_places": 1}
# The ministry's default credit value per level (documented in credit_bank/__init__.py).
DEFAULT_LEVEL_CREDITS = {Level.JUNIOR: Decimal("2.0"), Level.INTERMEDIATE: Decimal("4.0"), Level.SENIOR: Decimal("6.0")}
MAX_RECOGNIZED_CREDITS = Decimal("16.0")
# An institution's limits when it has set none (issue 8): one certificate per course, 8 credits per certificate.
DEFAULT_MAX_CERTIFICATES_PER_COURSE = 1
DEFAULT_MAX_CREDITS_PER_CERTIFICATE = Decimal("8.0")
MAX_CERTIFICATES_PER_COURSE_CEILING = 5


class CourseType(models.TextChoices):
    PUBLIC_BASIC = "public_basic", _("公共基础课")
    MAJOR_BASIC = "major_basic", _("专业基础课")
    MAJOR_CORE = "major_core", _("专业核心课")
    MAJOR_EXTENDED = "major_extended", _("专业拓展课")
    ELECTIVE = "elective", _("选修课")


class RecognizedOutcome(models.Model):
    """One version of the catalog entry of a certificate level: its credit value (学分) in the credit
    bank. The ministry maintains it; a change adds a version, outcomes keep the credits they were
    recorded with. The catalog is national reference data, readable by every signed-in role."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="+", verbose_name=_("证书"))
    level = models.CharField(_("等级"), max_length=16, choices=Level.choices)
    version = models.PositiveSmallIntegerField(_("版本"))
    credits = models.DecimalField(_("认定学分"), **CREDIT_FIELD)
    reason = models.CharField(_("调整说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("生效时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["certificate", "level", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["certificate", "level", "version"], name="recognizedoutcome_unique_version"),
            models.CheckConstraint(name="recognizedoutcome_credits_range",
                                   condition=Q(credits__gt=0) & Q(credits__lte=MAX_RECOGNIZED_CREDITS)),
        ]
        verbose_name = _("学习成果认定目录")
        verbose_name_plural = _("学习成果认定目录")

    def __str__(self):
        return gettext("%(certificate)s（%(level)s）%(credits)s 学分，第 %(version)s 版") % {
            "certificate": self.certificate.name, "level": self.get_level_display(), "credits": self.credits,
            "version": self.version}


class LearningAccount(models.Model):
    """A person's learning account (个人学习账户), opened with their first outcome. It is keyed on the
    person, the same identity (ID type and number) their certificates carry."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="learning_account",
                                  verbose_name=_("账户持有人"))
    opened_at = models.DateTimeField(_("开户时间"), auto_now_add=True)

    scope_paths = {"person": "person", "institution": "person__enrolments__institution",
                   "province": "outcomes__province"}
    scope_distinct = True

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("个人学习账户")
        verbose_name_plural = _("个人学习账户")

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        return f"XB{self.opened_at:%Y}{self.pk:08d}" if self.pk and self.opened_at else ""


class Outcome(models.Model):
    """A learning outcome (学习成果): one issued X certificate in its holder's account. Exactly one per
    issued certificate (the one-to-one key), whichever of the hook and the sweep records it first."""

    class Status(models.TextChoices):
        RECOGNIZED = "recognized", _("已认定")
        REVOKED = "revoked", _("证书已撤销")

    class Source(models.TextChoices):
        HOOK = "hook", _("发证时记录")
        SWEEP = "sweep", _("补录")

    account = models.ForeignKey(LearningAccount, on_delete=models.PROTECT, related_name="outcomes")
    issued = models.OneToOneField(IssuedCertificate, on_delete=models.PROTECT, related_name="credit_outcome",
                                  verbose_name=_("电子证书"))
    number = models.CharField(_("证书编号"), max_length=32)
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="+", verbose_name=_("证书"))
    level = models.CharField(_("等级"), max_length=16, choices=Level.choices)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("考核所在省份"))
    recognized = models.ForeignKey(RecognizedOutcome, on_delete=models.PROTECT, related_name="outcomes",
                                   verbose_name=_("认定目录版本"))
    credits = models.DecimalField(_("认定学分"), **CREDIT_FIELD)
    issued_on = models.DateField(_("发证日期"))
    certificate_version = models.PositiveSmallIntegerField(_("证书版本"), default=1)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.RECOGNIZED)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_reason = models.TextField(_("撤销原因"), blank=True)
    source = models.CharField(_("记录方式"), max_length=8, choices=Source.choices, default=Source.HOOK)
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True, db_index=True)

    scope_paths = {"person": "account__person", "institution": "account__person__enrolments__institution",
                   "province": "province"}
    scope_distinct = True

    class Meta:
        ordering = ["-issued_on", "-pk"]
        indexes = [models.Index(fields=["province", "status"]), models.Index(fields=["certificate", "level"])]
        constraints = [models.CheckConstraint(name="outcome_revoked_has_time",
                                              condition=~Q(status="revoked") | Q(revoked_at__isnull=False))]
        verbose_name = _("学习成果")
        verbose_name_plural = _("学习成果")

    def __str__(self):
        return f"{self.certificate.name}（{self.get_level_display()}）{self.number}"


class ConversionPolicy(models.Model):
    """An institution's limits on conversion. Without a row the defaults apply (one certificate per
    course, at most 8 credits per certificate); never more than the credit bank recognizes."""

    institution = models.OneToOneField(Institution, on_delete=models.PROTECT, related_name="credit_policy")
    max_certificates_per_course = models.PositiveSmallIntegerField(
        _("每门课程最多可认定的证书数"), default=DEFAULT_MAX_CERTIFICATES_PER_COURSE)
    max_credits_per_certificate = models.DecimalField(_("每个证书最多可转换的学分"), default=DEFAULT_MAX_CREDITS_PER_CERTIFICATE,
                                                      **CREDIT_FIELD)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    scope_paths = {"institution": "institution", "province": "institution__province"}
    scope_writers = ("institution", "alliance")

    class Meta:
        constraints = [
            models.CheckConstraint(name="conversionpolicy_certificates_range",
                                   condition=Q(max_certificates_per_course__gte=1)
                                   & Q(max_certificates_per_course__lte=MAX_CERTIFICATES_PER_COURSE_CEILING)),
            models.CheckConstraint(name="conversionpolicy_credits_range",
                                   condition=Q(max_credits_per_certificate__gt=0)
                                   & Q(max_credits_per_certificate__lte=MAX_RECOGNIZED_CREDITS)),
        ]
        verbose_name = _("学分转换限额")
        verbose_name_plural = _("学分转换限额")


class ConversionRule(models.Model):
    """A conversion rule (转换规则): at this institution, in this major, this certificate level
    converts into this course. What may change (course name, credits, type) lives in versions."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("生效")
        WITHDRAWN = "withdrawn", _("已停用")

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="credit_rules",
                                    verbose_name=_("院校"))
    major_code = models.CharField(_("专业代码"), max_length=16, blank=True)
    major_name = models.CharField(_("专业名称"), max_length=64)
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="+", verbose_name=_("证书"))
    level = models.CharField(_("等级"), max_length=16, choices=Level.choices)
    course_code = models.CharField(_("课程代码"), max_length=20)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    current = models.ForeignKey("ConversionRuleVersion", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("当前版本"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("停用原因"), max_length=200, blank=True)

    scope_paths = {"institution": "institution", "province": "institution__province"}
    scope_writers = ("institution", "alliance")

    class Meta:
        ordering = ["institution", "major_name", "certificate", "level", "course_code"]
        constraints = [models.UniqueConstraint(fields=["institution", "major_name", "certificate", "level", "course_code"],
                                               condition=Q(status="active"), name="conversionrule_one_active")]
        verbose_name = _("学分转换规则")
        verbose_name_plural = _("学分转换规则")

    def __str__(self):
        return f"{self.major_name}：{self.certificate.name}（{self.get_level_display()}）→ {self.course_code}"


class ConversionRuleVersion(models.Model):
    """One version of a rule. Conversions point at the version they were requested under."""

    rule = models.ForeignKey(ConversionRule, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveSmallIntegerField(_("版本"))
    course_name = models.CharField(_("课程名称"), max_length=64)
    course_credits = models.DecimalField(_("课程学分"), **CREDIT_FIELD)
    course_type = models.CharField(_("课程类型"), max_length=16, choices=CourseType.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("生效时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    scope_paths = {"institution": "rule__institution", "province": "rule__institution__province"}

    class Meta:
        ordering = ["rule", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "version"], name="conversionruleversion_unique"),
            models.CheckConstraint(name="conversionruleversion_credits_range",
                                   condition=Q(course_credits__gt=0) & Q(course_credits__lte=MAX_RECOGNIZED_CREDITS)),
        ]
        verbose_name = _("转换规则版本")
        verbose_name_plural = _("转换规则版本")

    def __str__(self):
        return gettext("%(code)s %(course)s，第 %(version)s 版") % {
            "code": self.rule.course_code, "course": self.course_name, "version": self.version}


class Conversion(models.Model):
    """A conversion request (学分转换申请) and, once approved, the converted credits."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待审核")
        APPROVED = "approved", _("已认定")
        DECLINED = "declined", _("未通过")
        WITHDRAWN = "withdrawn", _("已撤回")
        ANNULLED = "annulled", _("已撤销认定")

    OPEN_STATUSES = ("requested", "approved")

    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, related_name="conversions")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人"))
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="credit_conversions",
                                    verbose_name=_("院校"))
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="+", verbose_name=_("学籍"))
    rule_version = models.ForeignKey(ConversionRuleVersion, on_delete=models.PROTECT, related_name="conversions",
                                     verbose_name=_("转换规则版本"))
    course_code = models.CharField(_("课程代码"), max_length=20)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.REQUESTED)
    note = models.CharField(_("申请说明"), max_length=200, blank=True)
    converted_credits = models.DecimalField(_("认定学分"), null=True, blank=True, **CREDIT_FIELD)
    decision_reason = models.CharField(_("审核意见"), max_length=300, blank=True)
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    # Set when the certificate behind the outcome was revoked: the institution must look again.
    flagged_at = models.DateTimeField(_("标记时间"), null=True, blank=True)
    flag_reason = models.CharField(_("标记原因"), max_length=300, blank=True)

    scope_paths = {"person": "person", "institution": "institution", "province": "institution__province"}
    scope_writers = ("institution", "alliance")

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["institution", "status"])]
        constraints = [
            # The same outcome converts into the same course once (a declined or withdrawn request
            # may be made again).
            models.UniqueConstraint(fields=["outcome", "institution", "course_code"],
                                    condition=Q(status__in=["requested", "approved"]),
                                    name="conversion_once_per_outcome_and_course"),
            models.CheckConstraint(name="conversion_approved_has_credits",
                                   condition=~Q(status="approved") | Q(converted_credits__gt=0)),
            models.CheckConstraint(name="conversion_declined_has_reason",
                                   condition=~Q(status__in=["declined", "annulled"]) | ~Q(decision_reason="")),
        ]
        verbose_name = _("学分转换申请")
        verbose_name_plural = _("学分转换申请")

    def __str__(self):
        return f"{self.outcome.number} → {self.course_code}"

    @property
    def is_flagged(self) -> bool:
        return self.flagged_at is not None


def _transcript_path(instance, filename):
    return f"transcripts/{instance.issued_at:%Y}/{filename}"


class Transcript(models.Model):
    """A signed transcript (成绩单) of an account at one moment, with a share token. The snapshot is
    what the PDF prints and the public page shows; a later change makes a new transcript."""

    account = models.ForeignKey(LearningAccount, on_delete=models.PROTECT, related_name="transcripts")
    number = models.CharField(_("成绩单编号"), max_length=20, unique=True)
    token = models.CharField(max_length=48, unique=True)
    snapshot = models.JSONField(_("内容"))
    pdf = models.FileField(upload_to=_transcript_path, max_length=200, blank=True)
    issued_at = models.DateTimeField(_("签发时间"))
    withdrawn_at = models.DateTimeField(_("停止分享时间"), null=True, blank=True)

    scope_paths = {"person": "account__person"}

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("学分银行成绩单")
        verbose_name_plural = _("学分银行成绩单")

    def __str__(self):
        return self.number
