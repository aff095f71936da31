"""Reads of paper copies, and who may do what with them (design rule 2).

``paper_queue_access`` decides the print queue as a whole (the org works it and sets its price; the
ministry reads it), ``paper_order_access`` one order (the org that prints it advances it; 404
outside the actor's scope), ``paper_offer_access`` an org's price (the org itself sets it). Rows of
a list come with their decision from ``paper_order_rows``; the recipient's phone and address are
shown through accounts.personal_data (the mailing address: the holder and the org only). Whether
the holder may order a copy is decided on the certificate (certificates.issuance.selectors,
``order_paper_copy``).
"""

from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from accounts.access import Access, Permissions, decides_access
from accounts.models import Role
from accounts.personal_data import Relation, relations_of
from accounts.scoping import Actor, get_in_scope, scoped
from certificates.issuance.models import IssuedCertificate
from certificates.paper_copies.models import PaperCopyOffer, PaperCopyOrder
from organizations.orgs.models import Org

# The orders that hold a certificate's one paper copy; a cancelled order does not.
TAKEN = (PaperCopyOrder.Status.ORDERED, PaperCopyOrder.Status.PRINTED, PaperCopyOrder.Status.MAILED)


def paper_copy_taken(issued: IssuedCertificate) -> bool:
    """Whether ``issued`` already has its paper copy ordered, in print or mailed (the certificate's
    access decision asks this: ``order_paper_copy``)."""
    return PaperCopyOrder.objects.filter(issued_id=issued.pk, status__in=TAKEN).exists()


def paper_copy_refusal(access: Access[IssuedCertificate]) -> str | None:
    """Why the holder may not order a paper copy of this certificate, to say instead of a bare 403;
    None when they may, or when the actor is not its holder."""
    if access.may.order_paper_copy or Relation.SELF not in access.relations:
        return None
    issued = access.obj
    if issued.status != IssuedCertificate.Status.VALID:
        return _("已撤销的证书不能申请纸质证书。")
    order = PaperCopyOrder.objects.filter(issued_id=issued.pk, status__in=TAKEN).order_by("-created_at").first()
    if order is None:
        return None
    if order.status == PaperCopyOrder.Status.MAILED:
        return _("该证书的纸质证书已于 %(date)s 邮寄（%(carrier)s %(number)s），每份证书只邮寄一份纸质证书。") % {
            "date": f"{order.mailed_at:%Y-%m-%d}" if order.mailed_at else "", "carrier": order.carrier,
            "number": order.tracking_number}
    return _("该证书已有一份在办的纸质证书申请。")


def paper_queue_access(actor: Actor) -> Permissions:
    """The print queue: the org's to work (and to price), the ministry's to read."""
    if actor.role == Role.ORG:
        return Permissions({"view_queue", "set_price"})
    if actor.role == Role.MINISTRY:
        return Permissions({"view_queue"})
    return Permissions()


def paper_orders(*, actor: Actor, status: str = ""):
    qs = scoped(PaperCopyOrder, actor).select_related("issued", "issued__certificate")
    if status in PaperCopyOrder.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")


def _order_access_of(actor: Actor, order: PaperCopyOrder) -> Access[PaperCopyOrder]:
    relations = relations_of(actor, person_id=order.person_id, org_id=order.org_id)
    return Access(order, relations=relations, may=Permissions({"advance"} if Relation.ORG in relations else ()))


def paper_order_rows(actor: Actor, orders: Iterable[PaperCopyOrder]) -> Iterator[Access[PaperCopyOrder]]:
    """Each order of a list or export with its access decision (no extra query)."""
    return (_order_access_of(actor, order) for order in orders)


def paper_order_access(*, actor: Actor, pk: int) -> Access[PaperCopyOrder]:
    """One order: 404 outside ``actor``'s scope, else it with what the actor may do (``advance``)."""
    order = get_in_scope(PaperCopyOrder.objects.select_related("issued", "person__user"), actor, pk=pk)
    return _order_access_of(actor, order)


def paper_offer_access(*, actor: Actor, org_id: int) -> Access[Org]:
    """An org's paper-copy price: 404 for an org outside ``actor``'s scope; the org itself sets it."""
    org = get_in_scope(Org, actor, pk=org_id)
    relations = relations_of(actor, org_id=org.pk)
    return Access(org, relations=relations, may=Permissions({"set_price"} if Relation.ORG in relations else ()))


def paper_offer_of(org_id: int | None) -> PaperCopyOffer | None:
    """The org's current price of a paper copy, if it has set one."""
    return PaperCopyOffer.objects.filter(org_id=org_id).first() if org_id is not None else None


# The one decision per object, as the access matrix test asks it (accounts.access).
decides_access(PaperCopyOrder)(lambda actor, obj: paper_order_access(actor=actor, pk=obj.pk))
