from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from certificates.catalog.models import PAPER_COPY_PRICE_CAP
from certificates.issuance.models import IssuedCertificate
from organizations.orgs.models import Org


class PaperCopyOffer(models.Model):
    """The price an org charges for a printed and mailed paper copy (纸质证书)."""

    org = models.OneToOneField(Org, on_delete=models.PROTECT, related_name="paper_copy_offer")
    price = models.DecimalField(_("价格（元，含邮费）"), max_digits=6, decimal_places=2)
    updated_at = models.DateTimeField(auto_now=True)

    scope_paths = {"org": "org"}
    scope_writers = ("org",)

    class Meta:
        constraints = [models.CheckConstraint(name="papercopyoffer_price_capped",
                                              condition=Q(price__gte=0) & Q(price__lte=PAPER_COPY_PRICE_CAP))]


class PaperCopyOrder(models.Model):
    """A student's order of a paper copy, worked by the org's print queue."""

    class Status(models.TextChoices):
        ORDERED = "ordered", _("已下单，待打印")
        PRINTED = "printed", _("已打印，待邮寄")
        MAILED = "mailed", _("已邮寄")
        CANCELLED = "cancelled", _("已取消")

    issued = models.ForeignKey(IssuedCertificate, on_delete=models.PROTECT, related_name="paper_copies")
    person = models.ForeignKey("accounts.Person", on_delete=models.PROTECT, related_name="paper_copy_orders")
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="paper_copy_orders")
    recipient = models.CharField(_("收件人"), max_length=64)
    phone = models.CharField(_("联系电话"), max_length=20)
    address = models.CharField(_("邮寄地址"), max_length=200)
    postcode = models.CharField(_("邮政编码"), max_length=6, blank=True)
    price = models.DecimalField(_("价格（元，含邮费）"), max_digits=6, decimal_places=2)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ORDERED)
    carrier = models.CharField(_("快递公司"), max_length=32, blank=True)
    tracking_number = models.CharField(_("快递单号"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("下单时间"), auto_now_add=True)
    printed_at = models.DateTimeField(_("打印时间"), null=True, blank=True)
    mailed_at = models.DateTimeField(_("邮寄时间"), null=True, blank=True)

    scope_paths = {"org": "org", "person": "person"}
    scope_writers = ("org",)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(name="papercopyorder_price_capped",
                                   condition=Q(price__gte=0) & Q(price__lte=PAPER_COPY_PRICE_CAP)),
            models.CheckConstraint(name="papercopyorder_mailed_has_tracking",
                                   condition=~Q(status="mailed") | ~Q(tracking_number="")),
        ]
        verbose_name = _("纸质证书订单")
        verbose_name_plural = _("纸质证书订单")

    @property
    def mailing_address(self) -> str:
        return f"{self.address} {self.postcode}".strip()
