"""Fee verification (费用核定): caps, itemized proposals and counter-proposals, verified standards.

Money is Decimal yuan with two places. Caps are versioned and never edited; every proposal and
standard records the cap it was checked against (its id and amount), so a database constraint holds
the "2357" rule on each row.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Province, Role
from certificates.catalog.models import AssessmentType, Certificate, Level
from organizations.orgs.models import Org

MONEY = {"max_digits": 10, "decimal_places": 2}


class CostItem(models.TextChoices):
    """The cost items of the speech (it says "12 items" and lists 14)."""

    QUESTION_BANK = "question_bank", _("题库建设")
    PAPER_ASSEMBLY = "paper_assembly", _("组卷")
    PRINTING = "printing", _("试卷印刷")
    MARKING = "marking", _("阅卷")
    CERTIFICATE = "certificate", _("证书印制及发放")
    EXAMINER_LABOUR = "examiner_labour", _("考评员劳务")
    EXAM_SYSTEM = "exam_system", _("考试系统技术支持与运维")
    EQUIPMENT_SETUP = "equipment_setup", _("设备调试")
    VENUE_RENTAL = "venue_rental", _("考场租赁")
    VENUE_SETUP = "venue_setup", _("考场布置")
    INVIGILATION = "invigilation", _("监考和考务管理费")
    REGISTRATION = "registration", _("报名费")
    CONSUMABLES = "consumables", _("耗材")
    SECURITY = "security", _("安保")


_ALL = set(AssessmentType.values)
_PRACTICAL = {AssessmentType.PRACTICAL_GENERAL, AssessmentType.PRACTICAL_SPECIAL}
# Which items make sense for which assessment type: a computer-based exam prints no papers, only
# practical exams set up equipment and use consumables, only computer exams run an exam system.
ITEM_APPLIES_TO = {
    CostItem.QUESTION_BANK: _ALL,
    CostItem.PAPER_ASSEMBLY: {AssessmentType.PAPER, AssessmentType.COMPUTER},
    CostItem.PRINTING: {AssessmentType.PAPER},
    CostItem.MARKING: {AssessmentType.PAPER, AssessmentType.COMPUTER},
    CostItem.CERTIFICATE: _ALL,
    CostItem.EXAMINER_LABOUR: _ALL,
    CostItem.EXAM_SYSTEM: {AssessmentType.COMPUTER},
    CostItem.EQUIPMENT_SETUP: _PRACTICAL,
    CostItem.VENUE_RENTAL: _ALL,
    CostItem.VENUE_SETUP: _ALL,
    CostItem.INVIGILATION: _ALL,
    CostItem.REGISTRATION: _ALL,
    CostItem.CONSUMABLES: _PRACTICAL,
    CostItem.SECURITY: _ALL,
}


class CostCap(models.Model):
    """A per-person-time cap for one assessment type, in force from a date. Never edited: a change
    is a new row with a later effective date."""

    assessment_type = models.CharField(_("考核方式"), max_length=24, choices=AssessmentType.choices)
    amount = models.DecimalField(_("上限（元/人次）"), **MONEY)
    effective_from = models.DateField(_("生效日期"))
    basis = models.CharField(_("依据"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["assessment_type", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["assessment_type", "effective_from"], name="costcap_unique_version"),
            models.CheckConstraint(name="costcap_positive", condition=Q(amount__gt=0)),
        ]
        verbose_name = _("考核成本上限")
        verbose_name_plural = _("考核成本上限")


class FixedItemPrice(models.Model):
    """Where a published rule fixes an item's price (nationally, or in one province), that price applies."""

    item = models.CharField(_("费用项目"), max_length=24, choices=CostItem.choices)
    province = models.ForeignKey(Province, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 help_text=_("空表示全国"))
    amount = models.DecimalField(_("规定价格（元/人次）"), **MONEY)
    rule = models.CharField(_("依据文件"), max_length=200)
    effective_from = models.DateField(_("生效日期"))

    class Meta:
        ordering = ["item", "-effective_from"]
        constraints = [models.CheckConstraint(name="fixeditemprice_nonnegative", condition=Q(amount__gte=0))]


def fee_subject(certificate_name: str, level: str, province_name: str) -> str:
    """How a negotiation is named (its audit entries, and the refusals of actions on it): certificate,
    level in the reader's words (or 各等级统一), province."""
    level_name = Level(level).label if level in Level.values else (level or gettext("各等级统一"))
    return f"{certificate_name} {level_name} {province_name}"


class FeeThread(models.Model):
    """The negotiation (双方协商) of one certificate (level) in one province: the org's proposal and
    the answers of the provincial pilot agency or an institution alliance, version by version."""

    class Status(models.TextChoices):
        NEGOTIATING = "negotiating", _("协商中")
        VERIFIED = "verified", _("已核定")

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="fee_threads")
    # Empty when every level of the certificate is assessed the same way (one standard for all).
    level = models.CharField(_("等级"), max_length=16, choices=Level.choices, blank=True)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="fee_threads")
    assessment_type = models.CharField(_("考核方式"), max_length=24, choices=AssessmentType.choices)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.NEGOTIATING)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    scope_paths = {"province": "province", "org": "org"}

    class Meta:
        ordering = ["-opened_at"]
        constraints = [models.UniqueConstraint(fields=["certificate", "level", "province"],
                                               condition=Q(status="negotiating"), name="feethread_one_open")]

    def __str__(self):
        return fee_subject(self.certificate.name, self.level, self.province.name)

    @property
    def waiting_days(self) -> int | None:
        """Days a negotiation has waited for verification since it was opened; None once verified."""
        if self.status != self.Status.NEGOTIATING or self.opened_at is None:
            return None
        return (timezone.localdate() - timezone.localdate(self.opened_at)).days


class FeeVersion(models.Model):
    """One itemized proposal or counter-proposal. Its total is computed from the items, never typed."""

    thread = models.ForeignKey(FeeThread, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("版本"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    author_role = models.CharField(_("提出方"), max_length=24, choices=Role.choices)
    note = models.TextField(_("说明"), blank=True)
    total = models.DecimalField(_("合计（元/人次）"), **MONEY)
    cap = models.ForeignKey(CostCap, on_delete=models.PROTECT, related_name="+")
    cap_amount = models.DecimalField(**MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_paths = {"province": "thread__province", "org": "thread__org"}

    class Meta:
        ordering = ["thread", "number"]
        constraints = [
            models.UniqueConstraint(fields=["thread", "number"], name="feeversion_unique_number"),
            models.CheckConstraint(name="feeversion_total_within_cap",
                                   condition=Q(total__gte=0) & Q(total__lte=F("cap_amount"))),
        ]

    def __str__(self):
        return str(self.thread)  # a proposal's audit entries name its negotiation


class FeeVersionItem(models.Model):
    version = models.ForeignKey(FeeVersion, on_delete=models.CASCADE, related_name="items")
    item = models.CharField(_("费用项目"), max_length=24, choices=CostItem.choices)
    amount = models.DecimalField(_("金额（元/人次）"), **MONEY)
    basis = models.CharField(_("测算依据"), max_length=300, blank=True)
    fixed_by = models.ForeignKey(FixedItemPrice, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["version", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "item"], name="feeversionitem_unique"),
            models.CheckConstraint(name="feeversionitem_nonnegative", condition=Q(amount__gte=0)),
        ]


class FeeStandard(models.Model):
    """THE verified standard (核定标准) of one certificate (level) in one province from a date; a later
    verification supersedes it from its own effective date, never silently."""

    thread = models.ForeignKey(FeeThread, on_delete=models.PROTECT, related_name="standards")
    version = models.OneToOneField(FeeVersion, on_delete=models.PROTECT, related_name="standard")
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="fee_standards")
    level = models.CharField(_("等级"), max_length=16, choices=Level.choices, blank=True)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="fee_standards")
    assessment_type = models.CharField(_("考核方式"), max_length=24, choices=AssessmentType.choices)
    amount = models.DecimalField(_("核定标准（元/人次）"), **MONEY)
    cap = models.ForeignKey(CostCap, on_delete=models.PROTECT, related_name="+")
    cap_amount = models.DecimalField(**MONEY)
    effective_from = models.DateField(_("生效日期"))
    effective_until = models.DateField(_("失效日期"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    verified_at = models.DateTimeField(auto_now_add=True)

    # Verified standards are also public (fees.selectors.standards_public) for institutions and anyone.
    scope_paths = {"province": "province", "org": "org"}

    class Meta:
        ordering = ["province", "certificate", "level", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["certificate", "level", "province", "effective_from"],
                                    name="feestandard_one_per_day"),
            models.CheckConstraint(name="feestandard_within_cap",
                                   condition=Q(amount__gte=0) & Q(amount__lte=F("cap_amount"))),
            models.CheckConstraint(name="feestandard_dates_ordered",
                                   condition=Q(effective_until__isnull=True) | Q(effective_until__gte=F("effective_from"))),
        ]


class FeeStandardLevel(models.Model):
    """Which certificate level a verified standard applies to, and when: a standard verified for one
    level has one row, one verified for all levels (各等级统一) a row per level of the certificate.
    "同一证书在同一省域内标准统一": at any date one row at most per certificate, level and province —
    the service checks it, and on PostgreSQL an exclusion constraint over the validity range holds it
    (migration 0005). A later standard ends a row the day before its own start and is recorded as
    the one that superseded it."""

    standard = models.ForeignKey(FeeStandard, on_delete=models.CASCADE, related_name="levels")
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("等级"), max_length=16, choices=Level.choices)
    effective_from = models.DateField(_("生效日期"))
    effective_until = models.DateField(_("失效日期"), null=True, blank=True)
    superseded_by = models.ForeignKey(FeeStandard, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_levels")

    scope_paths = {"province": "province", "org": "standard__org"}

    class Meta:
        ordering = ["province", "certificate", "level", "effective_from"]
        constraints = [
            models.CheckConstraint(name="feestandardlevel_dates_ordered",
                                   condition=Q(effective_until__isnull=True) | Q(effective_until__gte=F("effective_from"))),
        ]
        indexes = [models.Index(fields=["certificate", "province", "level"], name="feestandardlevel_lookup")]

    def applies_on(self, day) -> bool:
        return self.effective_from <= day and (self.effective_until is None or self.effective_until >= day)


class FeePayment(models.Model):
    """A payment (拨付) of assessment fees for one finalized session: by an institution for its
    candidates, or — recorded by the org — by a social learner who pays the org directly.
    Paper-copy fees are not here: the student pays those with the paper-copy order."""

    session = models.ForeignKey("assessments.AssessmentSession", on_delete=models.PROTECT, related_name="fee_payments")
    institution = models.ForeignKey("organizations.Institution", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="fee_payments")
    person = models.ForeignKey("accounts.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               help_text=_("社会学习者本人缴费时填写"))
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="fee_payments")
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    paid_on = models.DateField(_("支付日期"))
    reference = models.CharField(_("凭证号"), max_length=64)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    scope_paths = {"province": "province", "org": "org", "institution": "institution", "person": "person"}

    class Meta:
        ordering = ["-paid_on", "-pk"]
        constraints = [
            models.CheckConstraint(name="feepayment_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(name="feepayment_payer", condition=Q(institution__isnull=False, person__isnull=True)
                                   | Q(institution__isnull=True, person__isnull=False)),
        ]
        verbose_name = _("费用支付")
        verbose_name_plural = _("费用支付")
