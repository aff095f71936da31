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

from accounts.models import Province
from certificates.catalog.models import AssessmentType, Certificate, Level
from organizations.institutions.models import Institution
from organizations.orgs.models import Org


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
