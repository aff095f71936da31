from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import StoredFile
from organizations.orgs.models import Org


class Complaint(models.Model):
    """A complaint (投诉举报) against an org. The org sees its substance, never who made it."""

    class Category(models.TextChoices):
        BUNDLED_SALES = "bundled_sales", _("捆绑销售")
        EXCESSIVE_FEES = "excessive_fees", _("高收费")
        LENIENT_ASSESSMENT = "lenient_assessment", _("考核放水")
        FALSE_PUBLICITY = "false_publicity", _("宣传不实")
        INACTION = "inaction", _("推进不力")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        RECEIVED = "received", _("已受理")
        INVESTIGATING = "investigating", _("调查中")
        UPHELD = "upheld", _("属实")
        DISMISSED = "dismissed", _("不属实")

    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("被投诉组织"))
    # The receipt number the submitter keeps (e.g. TS2026-K7QM-4XPD): random, so it reveals neither
    # the database id nor how many complaints exist, and it is the key of the public status lookup.
    reference = models.CharField(_("受理编号"), max_length=20, unique=True)
    category = models.CharField(_("类别"), max_length=24, choices=Category.choices)
    text = models.TextField(_("投诉内容"))
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.RECEIVED)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True, db_index=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)

    scope_paths = {"org": "org"}

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("投诉举报")
        verbose_name_plural = _("投诉举报")

    def __str__(self):
        # Used in audit entries: the reference only, never the complainant.
        return self.reference


class ComplaintEvidence(StoredFile):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="evidence")
    upload_folder = "complaints"


class ComplaintNote(models.Model):
    """The ministry's triage trail: each status change or note, in order."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="notes")
    status_before = models.CharField(max_length=16, choices=Complaint.Status.choices)
    status_after = models.CharField(max_length=16, choices=Complaint.Status.choices)
    text = models.TextField(_("处理意见"))
    # Triage notes are shown to the complained-about org unless the ministry marks them internal.
    internal = models.BooleanField(_("仅教育部可见"), default=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
