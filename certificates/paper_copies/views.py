"""The holder's 我的证书 (certificates with their paper copies and the passes still waiting), the
order of a paper copy, and the org's print queue. 我的证书 lives here, above issuance, because it
shows each certificate with its paper copies: issuance never imports paper copies. Access decisions
come from the selectors (certificates.issuance.selectors for a certificate, .selectors here for the
queue and its orders); every write is one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import add_app_error
from certificates.issuance import selectors as issuance_selectors
from certificates.issuance.documents import verify_url
from certificates.paper_copies import selectors
from certificates.paper_copies import services as paper_copies
from certificates.paper_copies.forms import MailForm, PaperOfferForm, PaperOrderForm
from certificates.paper_copies.models import PaperCopyOrder
from core.errors import AppError, Forbidden
from core.exports import xlsx_response


@login_required
def mine(request):
    """我的证书: the holder's certificates, paper copies, and passes still waiting for a certificate."""
    if not issuance_selectors.issuance_access(request.actor).view_mine:
        raise Forbidden()
    rows = list(issuance_selectors.issued_rows(request.actor, issuance_selectors.issued_list(actor=request.actor)))
    orders = list(selectors.paper_orders(actor=request.actor))
    cards = [{"access": access, "verify_url": verify_url(access.obj.token),
              "orders": [o for o in orders if o.issued_id == access.obj.pk]} for access in rows]
    return render(request, "certificates/issued_mine.html", {
        "cards": cards, "waiting": list(issuance_selectors.issuance_waiting(actor=request.actor))})


@login_required
def paper_order(request, number: str):
    access = issuance_selectors.issued_certificate_access(actor=request.actor, number=number)
    issued = access.require("order_paper_copy", message=selectors.paper_copy_refusal(access))
    form = PaperOrderForm(request.POST or None, initial={"recipient": issued.holder_name})
    if request.method == "POST" and form.is_valid():
        try:
            paper_copies.paper_order_create(actor=request.actor, issued=issued, **form.cleaned_data)
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("纸质证书申请已提交，发证机构打印邮寄后会通知您。"))
            return redirect("issued:mine")
    return render(request, "certificates/issued_paper_order.html", {
        "issued": issued, "offer": selectors.paper_offer_of(issued.org_id), "form": form})


@login_required
def paper_queue(request):
    may = selectors.paper_queue_access(request.actor)
    if not may.view_queue:
        raise Forbidden()
    status = request.GET.get("status", "")
    orders = selectors.paper_orders(actor=request.actor, status=status)
    offer_form = None
    if may.set_price:
        org = selectors.paper_offer_access(actor=request.actor, org_id=request.actor.scope.org_id).require("set_price")
        offer = selectors.paper_offer_of(org.pk)
        offer_form = PaperOfferForm(request.POST or None, initial={"price": offer.price if offer else None})
        if request.method == "POST" and offer_form.is_valid():
            try:
                paper_copies.paper_offer_set(actor=request.actor, org=org, price=offer_form.cleaned_data["price"])
            except AppError as error:
                add_app_error(offer_form, error)
            else:
                messages.success(request, _("纸质证书价格已更新。"))
                return redirect("issued:paper_queue")
    elif request.method == "POST":
        raise Forbidden()
    if request.GET.get("export") == "xlsx":
        return xlsx_response(_("纸质证书订单"), [_("证书编号"), _("收件人"), _("电话"), _("地址"), _("邮编"), _("价格"),
                                              _("状态"), _("快递公司"), _("快递单号"), _("下单时间")],
                             ((a.obj.issued.number, a.show("name", a.obj.recipient), a.show("address", a.obj.phone),
                               a.show("address", a.obj.address), a.show("address", a.obj.postcode), a.obj.price,
                               a.obj.get_status_display(), a.obj.carrier, a.obj.tracking_number, a.obj.created_at)
                              for a in selectors.paper_order_rows(request.actor, orders)))
    page = Paginator(orders, 50).get_page(request.GET.get("page"))
    return render(request, "certificates/issued_paper_queue.html", {
        "page": page, "rows": list(selectors.paper_order_rows(request.actor, page)), "may": may, "status": status,
        "statuses": PaperCopyOrder.Status.choices, "offer_form": offer_form, "mail_form": MailForm(),
        "query": f"status={status}"})


@login_required
@require_POST
def paper_advance(request, pk: int):
    access = selectors.paper_order_access(actor=request.actor, pk=pk)
    access.require("advance")
    try:
        order = paper_copies.paper_order_advance(actor=request.actor, order=access.obj,
                                                 carrier=request.POST.get("carrier", ""),
                                                 tracking_number=request.POST.get("tracking_number", ""))
    except AppError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("订单 %(n)s：%(s)s") % {"n": order.issued.number, "s": order.get_status_display()})
    return redirect("issued:paper_queue")
