from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import add_app_error
from accounts.models import Role
from accounts.scoping import get_in_scope, require_role
from certificates.issuance import selectors as issuance_selectors
from certificates.paper_copies import selectors as paper_copies_selectors
from certificates.paper_copies import services as paper_copies
from certificates.paper_copies.forms import MailForm, PaperOfferForm, PaperOrderForm
from certificates.paper_copies.models import PaperCopyOffer, PaperCopyOrder
from core.errors import AppError, Forbidden
from core.exports import xlsx_response


@login_required
def paper_order(request, number: str):
    require_role(request.actor, Role.STUDENT)
    issued = issuance_selectors.issued_get(actor=request.actor, number=number)
    offer = PaperCopyOffer.objects.filter(org_id=issued.org_id).first()
    form = PaperOrderForm(request.POST or None, initial={"recipient": issued.holder_name})
    if request.method == "POST" and form.is_valid():
        try:
            paper_copies.paper_order_create(actor=request.actor, issued=issued, **form.cleaned_data)
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("纸质证书申请已提交，发证机构打印邮寄后会通知您。"))
            return redirect("issued:mine")
    return render(request, "certificates/issued_paper_order.html", {"issued": issued, "offer": offer, "form": form})


@login_required
def paper_queue(request):
    require_role(request.actor, Role.ORG, Role.MINISTRY)
    status = request.GET.get("status", "")
    orders = paper_copies_selectors.paper_orders(actor=request.actor, status=status)
    offer_form = None
    if request.actor.role == Role.ORG:
        offer = PaperCopyOffer.objects.filter(org_id=request.actor.scope.org_id).first()
        offer_form = PaperOfferForm(request.POST or None, initial={"price": offer.price if offer else None})
        if request.method == "POST" and offer_form.is_valid():
            try:
                paper_copies.paper_offer_set(actor=request.actor, org=offer_form_org(request),
                                             price=offer_form.cleaned_data["price"])
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
                             ((o.issued.number, o.recipient, o.phone, o.address, o.postcode, o.price,
                               o.get_status_display(), o.carrier, o.tracking_number, o.created_at) for o in orders))
    page = Paginator(orders, 50).get_page(request.GET.get("page"))
    return render(request, "certificates/issued_paper_queue.html", {
        "page": page, "status": status, "statuses": PaperCopyOrder.Status.choices, "offer_form": offer_form,
        "mail_form": MailForm(), "query": f"status={status}", "is_org": request.actor.role == Role.ORG})


def offer_form_org(request):
    from organizations.orgs.models import Org

    return get_in_scope(Org, request.actor, pk=request.actor.scope.org_id)


@login_required
@require_POST
def paper_advance(request, pk: int):
    order = get_in_scope(PaperCopyOrder, request.actor, for_write=True, pk=pk)
    try:
        order = paper_copies.paper_order_advance(actor=request.actor, order=order,
                                                 carrier=request.POST.get("carrier", ""),
                                                 tracking_number=request.POST.get("tracking_number", ""))
    except AppError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("订单 %(n)s：%(s)s") % {"n": order.issued.number, "s": order.get_status_display()})
    return redirect("issued:paper_queue")
