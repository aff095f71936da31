"""Paper copies (纸质证书): the student orders one with a postal address at the org's price (at most
40 yuan including shipping, domain rule 5); the org prints and mails it with a tracking number."""

import decimal
import re

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log, diff, snapshot
from accounts.scoping import Actor
from accounts.services import notify, notify_scope
from certificates.catalog.models import PAPER_COPY_PRICE_CAP
from certificates.issuance.models import IssuedCertificate
from certificates.issuance.selectors import issued_certificate_access
from certificates.paper_copies.models import PaperCopyOffer, PaperCopyOrder
from certificates.paper_copies.selectors import (
    paper_copy_refusal,
    paper_offer_access,
    paper_offer_of,
    paper_order_access,
)
from core import normalize
from core.errors import AppError
from organizations.orgs.models import Org

CAP = decimal.Decimal(PAPER_COPY_PRICE_CAP).quantize(decimal.Decimal("0.01"))


def _price(value) -> decimal.Decimal:
    try:
        price = decimal.Decimal(str(value)).quantize(decimal.Decimal("0.01"))
    except (decimal.InvalidOperation, ValueError):
        raise AppError(_("请填写有效的价格。"), field="price") from None
    if price < 0:
        raise AppError(_("价格不能为负数。"), field="price")
    if price > CAP:
        raise AppError(_("纸质证书价格（含邮费）不得超过 %(cap)s 元，当前为 %(price)s 元。") % {"cap": CAP, "price": price},
                       field="price", code="price_cap")
    return price


def paper_offer_set(*, actor: Actor, org: Org, price) -> PaperCopyOffer:
    paper_offer_access(actor=actor, org_id=org.pk).require("set_price")
    price = _price(price)
    with transaction.atomic():
        offer = PaperCopyOffer.objects.select_for_update().filter(org=org).first()
        before = {"price": offer.price if offer else None}
        if offer is None:
            offer = PaperCopyOffer.objects.create(org=org, price=price)
        else:
            offer.price = price
            offer.save(update_fields=["price", "updated_at"])
        audit_log(actor=actor, action="paper_copy.price_set", obj=offer, changes=diff(before, {"price": price}))
    return offer


_PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$", re.ASCII)


def paper_order_create(*, actor: Actor, issued: IssuedCertificate, recipient: str, phone: str, address: str,
                       postcode: str = "") -> PaperCopyOrder:
    """Only the holder orders, for a valid certificate, at the org's current price."""
    access = issued_certificate_access(actor=actor, number=issued.number)
    access.require("order_paper_copy", message=paper_copy_refusal(access))
    if issued.status != IssuedCertificate.Status.VALID:
        raise AppError(_("已撤销的证书不能申请纸质证书。"))
    recipient, address = normalize.text(recipient), normalize.text(address)
    phone, postcode = normalize.phone(phone), normalize.code(postcode)
    if not recipient:
        raise AppError(_("请填写收件人。"), field="recipient")
    if not _PHONE.match(phone):
        raise AppError(_("请填写 11 位手机号码或带区号的固定电话。"), field="phone")
    if len(address) < 8:
        raise AppError(_("请填写完整的邮寄地址（省、市、区县、街道门牌）。"), field="address")
    if postcode and not re.fullmatch(r"\d{6}", postcode):
        raise AppError(_("邮政编码应为 6 位数字。"), field="postcode")
    offer = paper_offer_of(issued.org_id)
    if offer is None:
        raise AppError(_("发证机构尚未公布纸质证书价格，暂不能申请。"))
    price = _price(offer.price)
    if PaperCopyOrder.objects.filter(issued=issued, status__in=["ordered", "printed"]).exists():
        raise AppError(_("该证书已有一份在办的纸质证书申请。"))
    with transaction.atomic():
        order = PaperCopyOrder.objects.create(issued=issued, person_id=issued.person_id, org_id=issued.org_id,
                                              recipient=recipient, phone=phone, address=address, postcode=postcode,
                                              price=price)
        audit_log(actor=actor, action="paper_copy.ordered", obj=order, changes={"price": [None, price]})
    notify_scope(role="org", scope_id=issued.org_id, category="paper_copy", link=reverse("issued:paper_queue"),
                 kind="paper_copy.ordered", params={"number": issued.number})
    return order


def paper_order_advance(*, actor: Actor, order: PaperCopyOrder, carrier: str = "",
                        tracking_number: str = "") -> PaperCopyOrder:
    """The org's print queue: ordered → printed → mailed (with the tracking number)."""
    paper_order_access(actor=actor, pk=order.pk).require("advance")
    with transaction.atomic():
        current = PaperCopyOrder.objects.select_for_update().get(pk=order.pk)
        before = snapshot(current, ["status", "carrier", "tracking_number"])
        if current.status == PaperCopyOrder.Status.ORDERED:
            current.status = PaperCopyOrder.Status.PRINTED
            current.printed_at = timezone.now()
        elif current.status == PaperCopyOrder.Status.PRINTED:
            carrier, tracking_number = (carrier or "").strip(), (tracking_number or "").strip()
            if not tracking_number:
                raise AppError(_("邮寄时必须填写快递单号。"), field="tracking_number")
            if not carrier:
                raise AppError(_("请填写快递公司。"), field="carrier")
            current.status = PaperCopyOrder.Status.MAILED
            current.carrier, current.tracking_number = carrier[:32], tracking_number[:40]
            current.mailed_at = timezone.now()
        else:
            raise AppError(_("该申请已办结。"))
        current.save()
        audit_log(actor=actor, action=f"paper_copy.{current.status}", obj=current,
                  changes=diff(before, snapshot(current, ["status", "carrier", "tracking_number"])))
    user = getattr(current.person, "user", None)
    if user is not None:
        notify(users=[user], category="paper_copy", link=reverse("issued:mine"),
               kind="paper_copy.mailed" if current.tracking_number else "paper_copy.advanced",
               params={"number": current.issued.number, "status": PaperCopyOrder.Status(current.status).label,
                       "carrier": current.carrier, "no": current.tracking_number})
    return current
