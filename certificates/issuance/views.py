"""Issued certificates in the portal: downloads; the lists of institutions, orgs, provinces and the
ministry; the org's batches; the ministry's queue; passes waiting for a certificate. Every read and
every access decision comes from certificates.issuance.selectors; every write is one service.

A download never renders or stores anything: a certificate whose PDF is not in storage is queued for
rendering (certificates.issuance.services.certificate_pdfs_queue) and the user is told when to come
back (HTTP 202 with ``Retry-After``). The bilingual variant is never stored; it is rendered per
request, writing nothing. The signed OFD beside the PDF goes the same way: made on its first
download by the workers (certificates.issuance.ofd_files), then served from storage.
"""

import io
import zipfile
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import add_app_error
from certificates.issuance import imports as certificate_import
from certificates.issuance import revocation, selectors, services
from certificates.issuance.documents import certificate_pdf_render, verify_url
from certificates.issuance.forms import ImportForm, ReissueForm, RevokeForm
from certificates.issuance.models import HELD_FOR_ORG, IssuanceRequest, IssuedCertificate
from certificates.issuance.notes import request_note
from certificates.issuance.ofd_files import OFD_TYPE
from core.confirmation import confirmation_step
from core.errors import AppError, Forbidden, NotInScope
from core.exports import export_filename, file_response, xlsx_response

ZIP_LIMIT = 2000


def _page_access(request, action: str):
    """What the actor may do on these pages; 403 unless ``action`` is one of them."""
    may = selectors.issuance_access(request.actor)
    if action not in may:
        raise Forbidden()
    return may


def pdf_pending(request, *, seconds: int, in_zip: int | None = None, ofd_message: str | None = None):
    """The page that says the PDF (or the OFD, told by ``ofd_message``) is being made and when to
    come back (202, ``Retry-After``), with a link that asks again."""
    response = render(request, "certificates/pdf_pending.html", {
        "message": ofd_message or services.pdf_ready_message(seconds, in_zip=in_zip), "ofd": bool(ofd_message),
        "retry_url": request.get_full_path()}, status=202)
    response["Retry-After"] = str(seconds)
    return response


@login_required
def certificate_pdf(request, number: str):
    """The PDF, to those who see the holder's full ID number (it prints it); everyone else 404."""
    access = selectors.issued_certificate_access(actor=request.actor, number=number)
    if not access.may.download_pdf:
        raise NotInScope()
    issued = access.obj
    if request.GET.get("variant", "zh") == "bilingual":
        return file_response(certificate_pdf_render(issued, variant="bilingual"), f"{issued.number}-zh-en.pdf",
                             "application/pdf")
    content = selectors.certificate_pdf_stored(issued)
    if content is None:
        seconds = services.certificate_pdfs_queue(certificates=[issued])
        return pdf_pending(request, seconds=seconds)
    return file_response(content, f"{issued.number}.pdf", "application/pdf")


@login_required
def certificate_ofd(request, number: str):
    """The signed OFD, to those who may take the PDF (it prints the same); everyone else 404."""
    access = selectors.issued_certificate_access(actor=request.actor, number=number)
    if not access.may.download_ofd:
        raise NotInScope()
    issued = access.obj
    content = selectors.certificate_ofd_stored(issued)
    if content is None:
        seconds = services.certificate_ofds_queue(certificates=[issued])
        return pdf_pending(request, seconds=seconds, ofd_message=services.ofd_ready_message(seconds))
    return file_response(content, f"{issued.number}.ofd", OFD_TYPE)


@login_required
def index(request):
    may = _page_access(request, "view_list")
    query, status = request.GET.get("q", "").strip(), request.GET.get("status", "")
    certificates = selectors.issued_list(actor=request.actor, query=query, status=status)
    export = request.GET.get("export")
    if export == "xlsx":
        rows = ((a.obj.number, a.show("name", a.obj.holder_name), a.show("id_number", a.obj.id_number), a.obj.certificate.name,
                 a.obj.get_level_display(), a.obj.org.name, a.obj.institution.name if a.obj.institution else "",
                 a.obj.issued_on, a.obj.get_status_display(), a.obj.version)
                for a in selectors.issued_rows(request.actor, certificates.iterator(chunk_size=2000)))
        return xlsx_response(_("电子证书"), [_("证书编号"), _("姓名"), _("证件号码"), _("证书"), _("等级"), _("发证机构"),
                                          _("院校"), _("发证日期"), _("状态"), _("版本")], rows)
    if export == "zip":
        if not may.export_zip:
            raise Forbidden()
        return _zip(request, certificates, with_ofd=request.GET.get("ofd") == "1")
    page = Paginator(certificates, 50).get_page(request.GET.get("page"))
    return render(request, "certificates/issued_list.html", {
        "page": page, "rows": list(selectors.issued_rows(request.actor, page)), "may": may, "q": query, "status": status,
        "statuses": IssuedCertificate.Status.choices, "query": f"q={quote(query)}&status={status}"})


def _zip(request, certificates, *, with_ofd: bool = False):
    """One ZIP of the listed certificates' PDFs (the institution's download of its students'), and
    ``with_ofd`` their signed OFDs beside them. Files not in storage yet are queued, and the ZIP is
    offered again once they should be ready."""
    chosen = list(certificates.select_related("seal")[:ZIP_LIMIT + 1])
    if len(chosen) > ZIP_LIMIT:
        raise AppError(_("一次最多打包 %(n)d 份证书，请先按条件筛选。") % {"n": ZIP_LIMIT})
    files, missing, missing_ofd = [], [], []
    for access in selectors.issued_rows(request.actor, chosen):
        if not access.may.download_pdf:
            continue
        stem = f"{access.obj.number}-{access.obj.holder_name}"
        content = selectors.certificate_pdf_stored(access.obj)
        if content is None:
            missing.append(access.obj)
        else:
            files.append((f"{stem}.pdf", content))
        if with_ofd and access.may.download_ofd:
            ofd = selectors.certificate_ofd_stored(access.obj)
            if ofd is None:
                missing_ofd.append(access.obj)
            else:
                files.append((f"{stem}.ofd", ofd))
    if missing_ofd:
        ofd_seconds = services.certificate_ofds_queue(certificates=missing_ofd)
    if missing:
        seconds = services.certificate_pdfs_queue(certificates=missing)
        return pdf_pending(request, seconds=seconds, in_zip=len(missing))
    if missing_ofd:
        return pdf_pending(request, seconds=ofd_seconds,
                           ofd_message=services.ofd_ready_message(ofd_seconds, in_zip=len(missing_ofd)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # PDFs and OFDs are compressed already
        for name, content in files:
            archive.writestr(name, content)
    return file_response(buffer.getvalue(), export_filename(_("电子证书"), "zip"), "application/zip")


@login_required
def detail(request, number: str):
    access = selectors.issued_certificate_access(actor=request.actor, number=number)
    issued = access.obj
    action = request.POST.get("action")
    revoke_form = RevokeForm(request.POST if action == "revoke" else None, prefix="revoke")
    reissue_form = ReissueForm(request.POST if action == "reissue" else None, prefix="reissue")
    if request.method == "POST":
        form = revoke_form if action == "revoke" else reissue_form
        access.require("revoke" if form is revoke_form else "reissue")
        if form.is_valid():
            if form is revoke_form and (step := confirmation_step(
                    request, title=_("撤销证书"), subject=f"{issued.number} · {issued.holder_name}",
                    consequence=_("该证书将被撤销，公开查验时显示“已撤销”及撤销原因（%(r)s）；撤销后不能恢复。") % {
                        "r": form.cleaned_data["reason"]},
                    confirm_label=_("确认撤销证书"), cancel_url=reverse("issued:detail", args=[issued.number]))):
                return step
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
        "access": access, "issued": issued, "versions": list(issued.versions.all()), "revoke_form": revoke_form,
        "reissue_form": reissue_form, "verify_url": verify_url(issued.token)})


@login_required
def batches(request):
    """The org's (and the ministry's) issuance batches with a progress bar, one per session."""
    may = _page_access(request, "view_batches")
    rows = selectors.issuance_batches(actor=request.actor)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    labels = selectors.session_labels(row["session_id"] for row in page)
    for row in page:
        row["done"] = row["issued"] + row["duplicate"]
        row["session_label"] = labels[row["session_id"]]
    return render(request, "certificates/issued_batches.html", {
        "page": page, "may": may, "one_org": request.actor.scope.org_id is not None})


@login_required
def queue(request):
    """The ministry's view of the issuance queue."""
    _page_access(request, "view_queue")
    rows = list(selectors.issuance_queue(actor=request.actor))
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
    _page_access(request, "view_waiting")
    status = request.GET.get("status", "")
    requests = selectors.issuance_waiting(actor=request.actor, status=status)
    if request.GET.get("export") == "xlsx":
        rows = ((a.show("name", a.obj.holder_name), a.show("id_number", a.obj.id_number), a.obj.certificate.name,
                 a.obj.get_level_display(), a.obj.org.name, a.obj.institution.name if a.obj.institution else "",
                 a.obj.passed_on, a.obj.get_status_display(), request_note(a.obj), selectors.issuance_way_forward(a.obj))
                for a in selectors.issuance_request_rows(request.actor, requests.iterator(chunk_size=2000)))
        return xlsx_response(_("合格未发证"), [_("姓名"), _("证件号码"), _("证书"), _("等级"), _("培训评价组织"), _("院校"),
                                            _("考核日期"), _("状态"), _("原因"), _("处理途径")], rows)
    page = Paginator(requests, 50).get_page(request.GET.get("page"))
    rows = list(selectors.issuance_request_rows(request.actor, page))
    return render(request, "certificates/issued_waiting.html", {
        "page": page, "rows": rows, "status": status, "query": f"status={status}",
        "may_retry": any(a.may.retry for a in rows), "held_for_org": HELD_FOR_ORG})



@login_required
@require_POST
def retry(request, pk: int):
    access = selectors.issuance_request_access(actor=request.actor, pk=pk)
    access.require("retry")
    try:
        services.issuance_request_retry(actor=request.actor, request=access.obj)
    except AppError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("已重新排队发证。"))
    return redirect("issued:waiting")


@login_required
def import_certificates(request):
    _page_access(request, "import")
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
