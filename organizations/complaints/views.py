"""Complaint pages: the public filing form, receipt and status look-up; the ministry's triage; the
org's read-only view of complaints against it (without the complainant)."""

import datetime
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.forms import add_app_error, render_form
from accounts.personal_data import Field
from core.choices import choices_answer, filter_choices_answer
from core.errors import AppError
from core.exports import xlsx_response
from core.uploads import stored_file_open, stored_file_read
from organizations.complaints import selectors, services
from organizations.complaints.forms import ComplaintForm, ComplaintLookupForm, ComplaintNoteForm, ComplaintTransitionForm
from organizations.complaints.models import Complaint
from organizations.complaints.scrub import without_metadata

RECEIPT_SESSION_KEY = "complaint_receipt"
PAGE_SIZE = 30


def _client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _date(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


# --- public: file, receipt, look up ------------------------------------------------------------

def complaint_new(request):
    form = ComplaintForm(request.POST or None, request.FILES or None)
    if answer := choices_answer(request, form):
        return answer
    refusal = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            complaint = services.complaint_file(
                actor=request.actor if request.user.is_authenticated else None,
                client_address=_client_address(request), org_id=data["org"].pk, category=data["category"],
                text=data["text"], contact_name=data["contact_name"], contact=data["contact"],
                evidence=data["evidence"])
        except AppError as error:
            add_app_error(form, error)
            refusal = error
        else:
            # The reference is a look-up key: it travels in the session, never in a URL.
            request.session[RECEIPT_SESSION_KEY] = {"reference": complaint.reference,
                                                    "has_contact": bool(complaint.contact),
                                                    "at": complaint.created_at.isoformat()}
            return redirect("organizations:complaint_receipt")
    return render_form(request, "organizations/complaint_form.html", {"form": form}, refusal=refusal)


@never_cache
def complaint_receipt(request):
    receipt = request.session.get(RECEIPT_SESSION_KEY)
    if not receipt:
        return redirect("organizations:complaint_new")
    return render(request, "organizations/complaint_receipt.html", {
        "receipt": receipt, "filed_at": datetime.datetime.fromisoformat(receipt["at"])})


@never_cache
def complaint_status(request):
    """Status and dates of one complaint, for whoever holds its reference (and contact, if given)."""
    form = ComplaintLookupForm(request.POST or None)
    found = refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            found = services.complaint_status_lookup(client_address=_client_address(request),
                                                     reference=form.cleaned_data["reference"],
                                                     contact=form.cleaned_data["contact"])
        except AppError as error:
            add_app_error(form, error)
            refusal = error
    result = None
    if found is not None:
        # Only these: no org, no text, no notes.
        result = {"reference": found.reference, "status": found.get_status_display(), "created_at": found.created_at,
                  "status_changed_at": found.status_changed_at, "closed_at": found.closed_at}
    return render_form(request, "organizations/complaint_status.html", {"form": form, "result": result},
                       refusal=refusal)


# --- ministry and org: lists and details -------------------------------------------------------

def _query_without(request, *names: str) -> str:
    query = request.GET.copy()
    for name in ("page", "export", *names):
        query.pop(name, None)
    return query.urlencode()


@login_required
def complaint_list(request):
    actor = request.actor
    filterset, qs = selectors.complaints_filtered(actor, request.GET)
    if answer := filter_choices_answer(request, filterset, "org"):
        return answer
    triage = selectors.complaints_access(actor).triage
    if request.GET.get("export") == "xlsx":
        return _export(selectors.complaint_rows(actor, qs[:100000]), triage)
    _unused, unfiltered_by_status = selectors.complaints_filtered(actor, _without(request.GET, "status"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.complaint_rows(actor, page.object_list)
    counts = selectors.complaint_status_counts(unfiltered_by_status)
    status_tabs = [{"value": value, "label": label, "count": counts[value]} for value, label in Complaint.Status.choices]
    return render(request, "organizations/complaint_list.html" if triage else "organizations/complaint_org_list.html", {
        "filter_form": filterset.form, "page": page, "rows": rows, "counts": counts, "status_tabs": status_tabs,
        "current_status": request.GET.get("status", ""), "query": _query_without(request),
        "query_no_status": _query_without(request, "status")})


def _without(params, name: str):
    params = params.copy()
    params.pop(name, None)
    return params


def _export(rows, triage: bool):
    """The list as XLSX: the triage columns (with the complainant, through the personal-data
    policy) for those who triage, the substance only for the org complained about."""
    if triage:
        headers = [_("受理编号"), _("被投诉组织"), _("类别"), _("状态"), _("提交时间"), _("状态变更时间"), _("办结时间"),
                   _("投诉内容"), _("证据数"), _("联系人"), _("联系方式"), _("提交账户")]
        data = ((c.reference, c.org.name, c.get_category_display(), c.get_status_display(), c.created_at,
                 c.status_changed_at, c.closed_at, c.text, len(c.evidence.all()), a.show(Field.COMPLAINANT, c.contact_name),
                 a.show(Field.COMPLAINANT, c.contact),
                 a.show(Field.COMPLAINANT, c.submitted_by.username if c.submitted_by else ""))
                for a, c in ((a, a.obj) for a in rows))
    else:
        headers = [_("受理编号"), _("类别"), _("状态"), _("提交时间"), _("状态变更时间"), _("办结时间"), _("投诉内容")]
        data = ((r.reference, r.category_label, r.status_label, r.created_at, r.status_changed_at, r.closed_at, r.text)
                for r in (a.obj for a in rows))
    return xlsx_response(_("投诉举报"), headers, data)


def _detail_context(access, transition_form=None, note_form=None) -> dict:
    complaint = access.obj
    upheld = selectors.complaints_upheld_counts(complaint.org)
    return {
        "access": access, "complaint": complaint,
        "notes": complaint.notes.select_related("author"),
        "evidence": complaint.evidence.order_by("pk"),
        "is_final": complaint.status in services.FINAL_STATUSES,
        "transition_form": transition_form or ComplaintTransitionForm(complaint=complaint),
        "note_form": note_form or ComplaintNoteForm(),
        "upheld_counts": upheld,
        "upheld_rows": [(label, upheld[value]) for value, label in Complaint.Category.choices],
    }


@login_required
def complaint_detail(request, pk: int):
    access = selectors.complaint_access(request.actor, pk)
    if access.may.triage:
        return render(request, "organizations/complaint_detail.html", _detail_context(access))
    return render(request, "organizations/complaint_org_detail.html", {"access": access, "complaint": access.obj})


@login_required
@require_POST
def complaint_transition(request, pk: int):
    access = selectors.complaint_access(request.actor, pk)
    complaint = access.require("triage")
    form = ComplaintTransitionForm(request.POST, complaint=complaint)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.complaint_transition(actor=request.actor, complaint=complaint, status=data["status"],
                                          note=data["note"], internal=data["internal"])
        except AppError as error:
            add_app_error(form, error)
        else:
            complaint.refresh_from_db()
            messages.success(request, _("投诉状态已改为“%(s)s”。") % {"s": complaint.get_status_display()})
            return redirect("organizations:complaint_detail", pk=complaint.pk)
    complaint.refresh_from_db()
    return render(request, "organizations/complaint_detail.html", _detail_context(access, transition_form=form),
                  status=400)


@login_required
@require_POST
def complaint_note(request, pk: int):
    access = selectors.complaint_access(request.actor, pk)
    complaint = access.require("triage")
    form = ComplaintNoteForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_note_add(actor=request.actor, complaint=complaint, note=form.cleaned_data["note"],
                                        internal=form.cleaned_data["internal"])
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("备注已添加。"))
            return redirect("organizations:complaint_detail", pk=complaint.pk)
    return render(request, "organizations/complaint_detail.html", _detail_context(access, note_form=form), status=400)


@login_required
def complaint_evidence(request, pk: int):
    return evidence_response(selectors.complaint_evidence_download(request.actor, pk))


def evidence_response(download: selectors.EvidenceDownload) -> FileResponse:
    """The evidence file as the selector decided: as uploaded, or a copy without its metadata."""
    if download.scrubbed:
        content = io.BytesIO(without_metadata(stored_file_read(download.evidence.file), download.content_type))
    else:
        content = stored_file_open(download.evidence.file)
    # Always an attachment: a file is never rendered by the browser inside the portal's origin.
    return FileResponse(content, as_attachment=True, filename=download.filename, content_type=download.content_type)


@login_required
def complaints_upheld(request):
    table = selectors.complaints_upheld_table(request.actor)
    categories = [label for _value, label in Complaint.Category.choices]
    if request.GET.get("export") == "xlsx":
        rows = ([r["org_name"], r["org_status"], *r["cells"], r["total"]] for r in table)
        return xlsx_response(_("属实投诉统计"), [_("培训评价组织"), _("组织状态"), *categories, _("合计")], rows)
    return render(request, "organizations/complaint_upheld.html", {"table": table, "categories": categories})
