"""Issued certificates in the portal: the student's 我的证书, downloads, paper copies; the lists of
institutions, orgs, provinces and the ministry; the org's batches and print queue; the ministry's
queue. Every read goes through certificates.selectors_issued (scoped); every write is one service."""

import io
import zipfile
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import add_app_error
from accounts.identity import mask_id_number
from accounts.models import Role
from accounts.scoping import get_in_scope, require_role
from certificates.issuance import imports as certificate_import
from certificates.issuance import revocation
from certificates.issuance import selectors as issuance_selectors
from certificates.issuance.forms import ImportForm, ReissueForm, RevokeForm
from certificates.issuance.models import IssuanceRequest, IssuedCertificate
from certificates.issuance.worker import certificate_pdf_bytes, certificate_pdf_render, issuance_request_retry
from certificates.paper_copies import selectors as paper_copies_selectors
from core.base_url import public_base_url
from core.errors import AppError, Forbidden, NotInScope
from core.exports import file_response, xlsx_response

STAFF_ROLES = (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY, Role.ORG, Role.INSTITUTION, Role.ALLIANCE)


# Who sees full ID numbers (design rule 7): the person, and the org and institution handling them.
FULL_ID_ROLES = (Role.STUDENT, Role.ORG, Role.INSTITUTION, Role.ALLIANCE)


ZIP_LIMIT = 2000


# The PDF goes to the holder, the org, the holder's institution and the ministry only.
PDF_ROLES = (Role.STUDENT, Role.ORG, Role.INSTITUTION, Role.ALLIANCE, Role.MINISTRY)


def shown_id(actor, id_number: str) -> str:
    return id_number if actor.role in FULL_ID_ROLES else mask_id_number(id_number)


def verify_link(issued) -> str:
    return f"{public_base_url()}/verify/t/{issued.token}"


def _pdf_response(content: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    return file_response(content, filename, "application/pdf", inline=inline)


@login_required
def mine(request):
    """我的证书: the holder's certificates, paper copies, and passes still waiting for a certificate."""
    require_role(request.actor, Role.STUDENT)
    certificates = list(issuance_selectors.issued_list(actor=request.actor))
    orders = list(paper_copies_selectors.paper_orders(actor=request.actor))
    for issued in certificates:
        issued.verify_url = verify_link(issued)
        issued.orders = [o for o in orders if o.issued_id == issued.pk]
    return render(request, "certificates/issued_mine.html", {
        "certificates": certificates, "waiting": list(issuance_selectors.issuance_waiting(actor=request.actor))})


@login_required
def certificate_pdf(request, number: str):
    """The PDF, to its holder, its org, the holder's institution and the ministry only."""
    if request.actor.role not in PDF_ROLES:
        raise NotInScope()
    issued = issuance_selectors.issued_get(actor=request.actor, number=number)
    variant = request.GET.get("variant", "zh")
    if variant == "bilingual":
        content = certificate_pdf_render(issued, variant="bilingual")
        return _pdf_response(content, f"{issued.number}-zh-en.pdf")
    return _pdf_response(certificate_pdf_bytes(issued), f"{issued.number}.pdf")


@login_required
def index(request):
    require_role(request.actor, *STAFF_ROLES)
    query, status = request.GET.get("q", "").strip(), request.GET.get("status", "")
    certificates = issuance_selectors.issued_list(actor=request.actor, query=query, status=status)
    export = request.GET.get("export")
    if export == "xlsx":
        rows = ((c.number, c.holder_name, shown_id(request.actor, c.id_number), c.certificate.name, c.get_level_display(),
                 c.org.name, c.institution.name if c.institution else "", c.issued_on, c.get_status_display(),
                 c.version) for c in certificates.iterator())
        return xlsx_response(_("电子证书"), [_("证书编号"), _("姓名"), _("证件号码"), _("证书"), _("等级"), _("发证机构"),
                                          _("院校"), _("发证日期"), _("状态"), _("版本")], rows)
    if export == "zip":
        return _zip(request, certificates)
    page = Paginator(certificates, 50).get_page(request.GET.get("page"))
    for c in page:
        c.shown_id = shown_id(request.actor, c.id_number)
    return render(request, "certificates/issued_list.html", {
        "page": page, "q": query, "status": status, "statuses": IssuedCertificate.Status.choices,
        "query": f"q={quote(query)}&status={status}",
        "can_zip": request.actor.role in (Role.INSTITUTION, Role.ALLIANCE, Role.ORG, Role.MINISTRY)})


def _zip(request, certificates):
    """One ZIP of the listed certificates' PDFs (the institution's download of its students')."""
    if request.actor.role not in (Role.INSTITUTION, Role.ALLIANCE, Role.ORG, Role.MINISTRY):
        raise Forbidden()
    chosen = list(certificates.select_related("seal")[:ZIP_LIMIT + 1])
    if len(chosen) > ZIP_LIMIT:
        raise AppError(_("一次最多打包 %(n)d 份证书，请先按条件筛选。") % {"n": ZIP_LIMIT})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # PDFs are compressed already
        for issued in chosen:
            archive.writestr(f"{issued.number}-{issued.holder_name}.pdf", certificate_pdf_bytes(issued))
    return file_response(buffer.getvalue(), f"{_('电子证书')}-{timezone.localdate():%Y%m%d}.zip", "application/zip")


@login_required
def detail(request, number: str):
    issued = issuance_selectors.issued_get(actor=request.actor, number=number)
    can_write = request.actor.role in (Role.ORG, Role.MINISTRY)
    revoke_form = RevokeForm(request.POST if request.POST.get("action") == "revoke" else None, prefix="revoke")
    reissue_form = ReissueForm(request.POST if request.POST.get("action") == "reissue" else None, prefix="reissue")
    if request.method == "POST":
        issued = issuance_selectors.issued_get(actor=request.actor, number=number, for_write=True)
        require_role(request.actor, Role.ORG, Role.MINISTRY)
        form = revoke_form if request.POST.get("action") == "revoke" else reissue_form
        if form.is_valid():
            try:
                if form is revoke_form:
                    revocation.certificate_revoke(actor=request.actor, issued=issued, **form.cleaned_data)
                    messages.success(request, _("证书 %(n)s 已撤销。") % {"n": issued.number})
                else:
                    revocation.certificate_reissue(actor=request.actor, issued=issued, **form.cleaned_data)
                    messages.success(request, _("证书 %(n)s 已换发新版本。") % {"n": issued.number})
            except AppError as error:
                add_app_error(form, error)
            else:
                return redirect("issued:detail", number=issued.number)
    return render(request, "certificates/issued_detail.html", {
        "issued": issued, "shown_id": shown_id(request.actor, issued.id_number), "can_write": can_write,
        "versions": list(issued.versions.all()), "revoke_form": revoke_form, "reissue_form": reissue_form,
        "verify_url": verify_link(issued), "is_holder": request.actor.role == Role.STUDENT})


@login_required
def batches(request):
    """The org's (and the ministry's) issuance batches with a progress bar, one per session."""
    require_role(request.actor, Role.ORG, Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY)
    rows = issuance_selectors.issuance_batches(actor=request.actor)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    for row in page:
        row["done"] = row["issued"] + row["duplicate"]
    return render(request, "certificates/issued_batches.html", {"page": page})


@login_required
def queue(request):
    """The ministry's view of the issuance queue."""
    require_role(request.actor, Role.MINISTRY)
    rows = list(issuance_selectors.issuance_queue(actor=request.actor))
    labels = dict(IssuanceRequest.Status.choices)
    for row in rows:
        row["status_label"] = labels.get(row["status"], row["status"])
    if request.GET.get("export") == "xlsx":
        return xlsx_response(_("发证队列"), [_("培训评价组织"), _("状态"), _("人数"), _("最早提交")],
                             ((r["org__name"], r["status_label"], r["n"], r["oldest"]) for r in rows))
    return render(request, "certificates/issued_queue.html", {"rows": rows})


@login_required
def waiting(request):
    """Passed but no certificate yet, and why (institutions, orgs, provinces, the ministry)."""
    require_role(request.actor, *STAFF_ROLES)
    status = request.GET.get("status", "")
    rows = issuance_selectors.issuance_waiting(actor=request.actor, status=status)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(_("合格未发证"), [_("姓名"), _("证件号码"), _("证书"), _("等级"), _("培训评价组织"), _("院校"),
                                            _("考核日期"), _("状态"), _("原因")],
                             ((r.holder_name, shown_id(request.actor, r.id_number), r.certificate.name,
                               r.get_level_display(), r.org.name, r.institution.name if r.institution else "",
                               r.passed_on, r.get_status_display(), r.status_note) for r in rows.iterator()))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    for r in page:
        r.shown_id = shown_id(request.actor, r.id_number)
    return render(request, "certificates/issued_waiting.html", {
        "page": page, "status": status, "query": f"status={status}",
        "can_retry": request.actor.role in (Role.ORG, Role.MINISTRY)})


@login_required
@require_POST
def retry(request, pk: int):
    require_role(request.actor, Role.ORG, Role.MINISTRY)
    issuance_request = get_in_scope(IssuanceRequest, request.actor, pk=pk)
    try:
        issuance_request_retry(actor=request.actor, request=issuance_request)
    except AppError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("已重新排队发证。"))
    return redirect("issued:waiting")


@login_required
def import_certificates(request):
    require_role(request.actor, Role.MINISTRY, Role.ORG)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["xlsx"]
        try:
            count = certificate_import.certificates_import(actor=request.actor, upload=upload, filename=upload.name)
        except AppError as error:
            add_app_error(form, error)
            return render(request, "certificates/issued_import.html", {"form": form, "details": error.details},
                          status=400)
        messages.success(request, _("已导入 %(n)d 份平台启用前签发的证书，可按编号查验。") % {"n": count})
        return redirect("issued:index")
    return render(request, "certificates/issued_import.html", {"form": form, "columns": certificate_import.COLUMNS})
