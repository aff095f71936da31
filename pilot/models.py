from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import StoredFile


class Notice(models.Model):
    """A public announcement (通知公告) the ministry publishes, with policy documents attached."""

    class Category(models.TextChoices):
        NOTICE = "notice", _("通知")
        ANNOUNCEMENT = "announcement", _("公告")
        POLICY = "policy", _("政策文件")

    title = models.CharField(_("标题"), max_length=200)
    category = models.CharField(_("栏目"), max_length=16, choices=Category.choices, default=Category.NOTICE)
    document_number = models.CharField(_("文号"), max_length=64, blank=True)
    body = models.TextField(_("正文"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, db_index=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("通知公告")
        verbose_name_plural = _("通知公告")

    def __str__(self):
        return self.title

    @property
    def is_public(self) -> bool:
        return self.published_at is not None and self.withdrawn_at is None


class NoticeAttachment(StoredFile):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments")

    upload_folder = "notices"

    class Meta:
        ordering = ["pk"]


# The dashboard's rollups live in their own module; importing them registers them with this app.
from pilot.dashboard.models import (  # noqa: E402,F401
    FeeFact,
    InstitutionFact,
    PilotFact,
    PilotYearFact,
    RollupChange,
    RollupRefresh,
    WaitingFact,
)

# The org behaviour indicators keep their models in their package (pilot/indicators/models.py).
from pilot.indicators.models import IndicatorRuleSet, IndicatorRun, OrgIndicator  # noqa: E402, F401
