"""The selection process (遴选) of a batch: applications and their reviews. The batch itself
(``SelectionBatch``) belongs to the catalog, whose certificates each name the batch that selected
them; it is imported here for the foreign key.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from certificates.catalog.models import Certificate, SelectionBatch
from organizations.orgs.models import Org


class BatchApplication(models.Model):
    """An applicant's submission to a selection batch: one body, one or more certificates."""

    batch = models.ForeignKey(SelectionBatch, on_delete=models.PROTECT, related_name="applications")
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
