from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from certificates.catalog.models import Certificate
from organizations.orgs.models import Org


class SelectionBatch(models.Model):
    """A selection batch (遴选批次) of training-evaluation orgs and their certificates."""

    class Status(models.TextChoices):
        OPEN = "open", _("申报中")
        REVIEWING = "reviewing", _("评审中")
        PUBLISHED = "published", _("已公布")

    number = models.PositiveSmallIntegerField(_("批次"), unique=True)
    name = models.CharField(_("名称"), max_length=100)
    opened_on = models.DateField(_("开始申报日期"))
    closes_on = models.DateField(_("申报截止日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    published_on = models.DateField(_("公布日期"), null=True, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("遴选批次")
        verbose_name_plural = _("遴选批次")

    def __str__(self):
        return self.name


class BatchApplication(models.Model):
    """An applicant's submission to a selection batch: one body, one or more certificates."""

    batch = models.ForeignKey("certificates.SelectionBatch", on_delete=models.PROTECT, related_name="applications")
    applicant_name = models.CharField(_("申报单位"), max_length=128)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18)
    org_type = models.CharField(_("单位类型"), max_length=32, choices=Org.OrgType.choices)
    # Set when an existing org applies, or when an approved applicant becomes an org.
    org = models.ForeignKey(Org, null=True, blank=True, on_delete=models.PROTECT, related_name="applications")
    submitted_at = models.DateTimeField(_("申报时间"), auto_now_add=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    scope_paths = {"org": "org"}

    class Meta:
        ordering = ["batch", "applicant_name"]
        constraints = [models.UniqueConstraint(fields=["batch", "credit_code"], name="batchapplication_unique")]


class ApplicationCertificate(models.Model):
    """One certificate in an application, with its review: expert score, public notice, decision."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("待评审")
        SHORTLISTED = "shortlisted", _("公示中")
        APPROVED = "approved", _("通过")
        REJECTED = "rejected", _("未通过")

    application = models.ForeignKey(BatchApplication, on_delete=models.CASCADE, related_name="certificates")
    name = models.CharField(_("证书名称"), max_length=100)
    field = models.CharField(_("领域"), max_length=32)
    levels = models.JSONField(_("等级与考核方式"), default=list)  # [{"level": ..., "assessment_type": ..., "pass_mark": ...}]
    expert_score = models.DecimalField(_("专家评审分"), max_digits=5, decimal_places=2, null=True, blank=True)
    notice_from = models.DateField(_("公示开始"), null=True, blank=True)
    notice_until = models.DateField(_("公示结束"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    certificate = models.OneToOneField(Certificate, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="application")

    scope_paths = {"org": "application__org"}

    class Meta:
        ordering = ["application", "pk"]
