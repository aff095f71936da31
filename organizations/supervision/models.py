from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import StoredFile
from organizations.orgs.models import Org


class OrgAction(models.Model):
    """A supervision action on an org (or its own withdrawal): the org's timeline, with evidence."""

    class Kind(models.TextChoices):
        YELLOW_CARD = "yellow_card", _("黄牌警告")
        LIFT_YELLOW_CARD = "lift_yellow_card", _("撤销黄牌")
        DELIST = "delist", _("摘牌")
        WITHDRAW = "withdraw", _("主动退出")
        REINSTATE = "reinstate", _("恢复正常")

    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(_("措施"), max_length=24, choices=Kind.choices)
    status_before = models.CharField(max_length=16, choices=Org.Status.choices)
    status_after = models.CharField(max_length=16, choices=Org.Status.choices)
    reason = models.TextField(_("原因"))
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    scope_paths = {"org": "org"}

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("监管措施")
        verbose_name_plural = _("监管措施")


class OrgActionEvidence(StoredFile):
    action = models.ForeignKey(OrgAction, on_delete=models.CASCADE, related_name="evidence")
    upload_folder = "evidence"


# What each supervision action applies to: action -> (org states it applies to, state it leads to).
# A rule of the data, read by the pages that offer an action and enforced by the service.
TRANSITIONS = {
    OrgAction.Kind.YELLOW_CARD: ({Org.Status.ACTIVE}, Org.Status.YELLOW_CARD),
    OrgAction.Kind.LIFT_YELLOW_CARD: ({Org.Status.YELLOW_CARD}, Org.Status.ACTIVE),
    OrgAction.Kind.DELIST: ({Org.Status.ACTIVE, Org.Status.YELLOW_CARD}, Org.Status.DELISTED),
    OrgAction.Kind.WITHDRAW: ({Org.Status.ACTIVE, Org.Status.YELLOW_CARD}, Org.Status.WITHDRAWN),
}
