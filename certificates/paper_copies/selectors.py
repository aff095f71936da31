from accounts.scoping import Actor, scoped
from certificates.paper_copies.models import PaperCopyOrder


def paper_orders(*, actor: Actor, status: str = ""):
    qs = scoped(PaperCopyOrder, actor).select_related("issued", "issued__certificate")
    if status in PaperCopyOrder.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")
