"""Complaints (投诉举报): anyone files one against an org; the ministry triages it; the org learns of an
upheld complaint's substance, never of who made it.

Every refusal raises AppError with the field it concerns, before anything is saved: a complaint with
one bad evidence file is refused whole.
"""

import io
import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.models import Role
from accounts.scoping import Actor
from accounts.services import notify_scope
from core import normalize, ratelimit
from core.errors import AppError, Throttled
from core.uploads import check_document, check_image, read_head, stored_file_save
from organizations.complaints.models import Complaint, ComplaintEvidence, ComplaintNote
from organizations.complaints.selectors import complaint_access_of, complaint_target_orgs

Status = Complaint.Status

MAX_EVIDENCE_FILES = 5
TEXT_MIN_CHARS = 10
TEXT_MAX_CHARS = 5000
NOTE_MAX_CHARS = 2000
TRANSITIONS = {
    Status.RECEIVED: (Status.INVESTIGATING, Status.UPHELD, Status.DISMISSED),
    Status.INVESTIGATING: (Status.UPHELD, Status.DISMISSED),
}
FINAL_STATUSES = (Status.UPHELD, Status.DISMISSED)
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


class ComplaintThrottled(Throttled):
    """Too many complaints (or status look-ups) from one address or account: 429 with Retry-After."""


# --- contact ---------------------------------------------------------------------------------

def contact_normalize(*, contact: str) -> str:
    """A phone number (mobile or landline) or an e-mail address in one canonical form, or ""."""
    value = (contact or "").strip()
    if not value:
        return ""
    if "@" in value:
        try:
            validate_email(value)
        except ValidationError:
            raise AppError(_("电子邮箱“%(v)s”格式不正确。") % {"v": value}, field="contact") from None
        return value.lower()
    try:
        return normalize.mobile(value)
    except ValueError:
        pass
    phone = re.sub(r"^(\+86|0086)-?", "", re.sub(r"[()]", "", normalize.phone(value)))
    if _LANDLINE.match(phone):
        return phone
    raise AppError(_("联系方式应为 11 位手机号码、带区号的固定电话（如 010-66096114）或电子邮箱。"), field="contact")


# --- rate limit ------------------------------------------------------------------------------

def _filing_limits(actor: Actor | None, client_address: str) -> tuple[str, int, int, bool]:
    user = getattr(actor, "user", None)
    if user is not None and user.is_authenticated and user.pk:
        return f"user:{user.pk}", settings.COMPLAINT_USER_MAX_PER_HOUR, settings.COMPLAINT_USER_MAX_PER_DAY, True
    return (f"addr:{client_address or 'unknown'}", settings.COMPLAINT_ANON_MAX_PER_HOUR,
            settings.COMPLAINT_ANON_MAX_PER_DAY, False)


def _release(taken: list[tuple[ratelimit.Count, int]]) -> None:
    for count, window in taken:
        ratelimit.give_back(count, window=window)


def _throttle_reserve(actor: Actor | None, client_address: str) -> list[tuple[ratelimit.Count, int]]:
    """Take one filing from this submitter's hourly and daily allowance (Redis in production, so
    every web process counts together). A filing that fails validation gives its slot back."""
    who, per_hour, per_day, signed_in = _filing_limits(actor, client_address)
    taken: list[tuple[ratelimit.Count, int]] = []
    for window, limit in ((3600, per_hour), (86400, per_day)):
        count = ratelimit.hit(f"complaint-filings:{who}:{window}", window=window)
        taken.append((count, window))
        if count.hits > limit:
            _release(taken)
            if window == 3600:
                message = _("您的账户每小时最多提交 %(n)d 件投诉，请稍后再试。") if signed_in else \
                    _("同一网络地址每小时最多提交 %(n)d 件投诉，请稍后再试。")
            else:
                message = _("您的账户每天最多提交 %(n)d 件投诉，请明天再试。") if signed_in else \
                    _("同一网络地址每天最多提交 %(n)d 件投诉，请明天再试。")
            raise ComplaintThrottled(message % {"n": limit}, retry_after=count.retry_after)
    return taken


def complaint_lookup_throttle(*, client_address: str) -> None:
    """Refuse a client that tries too many status look-ups (references must not be guessable)."""
    count = ratelimit.hit(f"complaint-lookups:{client_address or 'unknown'}", window=3600)
    if count.hits > settings.COMPLAINT_LOOKUP_MAX_PER_HOUR:
        raise ComplaintThrottled(_("查询过于频繁，请一小时后再试。"), retry_after=count.retry_after)


# --- evidence --------------------------------------------------------------------------------

_PDF_ACTIVE_NAMES = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA|SubmitForm|ImportData)"
                               rb"(?![A-Za-z0-9#])")
_PDF_BAD_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/RichMediaExecute", "/GoToE"}
_PDF_BAD_ANNOTATIONS = {"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"}
_MARKUP = (b"<script", b"<html", b"<iframe", b"<!doctype", b"<?php")
# Stream contents are compressed, near-random bytes where a short name like "/JS" turns up by chance;
# the raw scan skips them (the parsed-document checks below see what is inside object streams).
_PDF_STREAM = re.compile(rb"stream\r?\n.*?endstream", re.S)


def _pdf_check_inert(upload, name: str) -> None:
    """A real PDF with nothing that runs or hides a file: no JavaScript, launch or submit actions,
    no embedded files, no markup, nothing appended after its end. Looked for in the raw bytes
    and, because objects may be compressed, in the parsed document too."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    active = AppError(_("PDF 文件“%(name)s”包含脚本、附件或自动执行的动作，已拒绝。") % {"name": name}, code="pdf_active")
    if _PDF_ACTIVE_NAMES.search(_PDF_STREAM.sub(b"", data)) or any(marker in data.lower() for marker in _MARKUP):
        raise active
    if not data.rstrip(b"\x00\t\n\r\x0c ").endswith(b"%%EOF"):
        raise AppError(_("文件“%(name)s”末尾附加了其他数据，已拒绝。") % {"name": name}, code="polyglot")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise AppError(_("PDF 文件“%(name)s”已加密，请上传未加密的文件。") % {"name": name}, code="pdf_encrypted")
        root = reader.trailer["/Root"].get_object()
        names = root.get("/Names")
        names = names.get_object() if names is not None else {}
        if "/JavaScript" in names or "/EmbeddedFiles" in names or "/AA" in root:
            raise active
        acroform = root.get("/AcroForm")
        if acroform is not None and "/XFA" in acroform.get_object():
            raise active
        open_action = root.get("/OpenAction")
        if open_action is not None and _pdf_action_is_active(open_action.get_object()):
            raise active
        if len(reader.pages) == 0:
            raise PdfReadError("no pages")
        for page in reader.pages:
            if "/AA" in page:
                raise active
            for annotation in page.get("/Annots") or []:
                annotation = annotation.get_object()
                if annotation.get("/Subtype") in _PDF_BAD_ANNOTATIONS or "/AA" in annotation:
                    raise active
                action = annotation.get("/A")
                if action is not None and _pdf_action_is_active(action.get_object()):
                    raise active
    except AppError:
        raise
    except Exception:  # pypdf raises many types on a broken file; all mean "not a usable PDF"
        raise AppError(_("文件“%(name)s”不是有效的 PDF 文档。") % {"name": name}, code="file_type") from None


def _pdf_action_is_active(action) -> bool:
    if not hasattr(action, "get"):
        return False
    if action.get("/S") in _PDF_BAD_ACTIONS:
        return True
    follow = action.get("/Next")
    follow = follow.get_object() if follow is not None else None
    followers = follow if isinstance(follow, list) else [follow] if follow is not None else []
    return any(_pdf_action_is_active(f.get_object()) for f in followers)


def evidence_check(*, upload) -> tuple[str, str]:
    """(content type, extension) of an acceptable evidence file: a PNG or JPEG image that is only an
    image, or a PDF that does nothing when opened; anything else is refused with the reason."""
    max_bytes = settings.COMPLAINT_EVIDENCE_MAX_BYTES
    name = upload.name or ""
    head = read_head(upload, 16)
    if head.startswith(b"\x89PNG\r\n\x1a\n") or head.startswith(b"\xff\xd8\xff"):
        info = check_image(upload, max_bytes=max_bytes)
        return info.content_type, info.extension
    try:
        info = check_document(upload, max_bytes=max_bytes, kinds=("pdf",))
    except AppError as error:
        if error.code == "file_type":
            raise AppError(_("文件“%(name)s”不是允许的证据格式：只接受 PNG、JPEG 图片和 PDF 文档。") % {"name": name},
                           code="file_type") from None
        raise
    _pdf_check_inert(upload, name)
    return info.content_type, info.extension


def _evidence_check_all(evidence) -> list[tuple]:
    evidence = [upload for upload in (evidence or []) if upload]
    if len(evidence) > MAX_EVIDENCE_FILES:
        raise AppError(_("证据文件最多 %(n)d 个，您选择了 %(m)d 个。") % {"n": MAX_EVIDENCE_FILES, "m": len(evidence)},
                       field="evidence", code="too_many_files")
    checked = []
    for upload in evidence:
        try:
            checked.append((upload, *evidence_check(upload=upload)))
        except AppError as error:
            raise AppError(error.message, field="evidence", code=error.code) from None
    return checked


# --- filing ----------------------------------------------------------------------------------

def _new_reference(now) -> str:
    raw = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"TS{timezone.localtime(now):%Y}-{raw[:4]}-{raw[4:]}"


def reference_normalize(*, reference: str) -> str:
    return re.sub(r"\s", "", reference or "").upper()


def _validated_filing(org_id, category: str, text: str, contact_name: str, contact: str) -> dict:
    org_id = str(getattr(org_id, "pk", org_id) or "")
    org = complaint_target_orgs().filter(pk=int(org_id)).first() if org_id.isdigit() else None
    if org is None:
        raise AppError(_("请选择被投诉的培训评价组织。"), field="org")
    if category not in Complaint.Category.values:
        raise AppError(_("请选择投诉类别。"), field="category")
    text = (text or "").strip()
    if len(text) < TEXT_MIN_CHARS:
        raise AppError(_("投诉内容至少 %(n)d 个字，请写明时间、地点和具体情况。") % {"n": TEXT_MIN_CHARS}, field="text")
    if len(text) > TEXT_MAX_CHARS:
        raise AppError(_("投诉内容最多 %(n)d 个字（现有 %(m)d 个）。") % {"n": TEXT_MAX_CHARS, "m": len(text)}, field="text")
    contact_name = (contact_name or "").strip()
    if len(contact_name) > 64:
        raise AppError(_("联系人姓名最多 64 个字。"), field="contact_name")
    contact = contact_normalize(contact=contact)
    if len(contact) > 100:
        raise AppError(_("联系方式最多 100 个字符。"), field="contact")
    return {"org": org, "category": category, "text": text, "contact_name": contact_name, "contact": contact}


def complaint_file(*, actor: Actor | None, client_address: str, org_id, category: str, text: str,
                   contact_name: str = "", contact: str = "", evidence=()) -> Complaint:
    """File a complaint. Anonymous filing is allowed and rate-limited per client address; a
    signed-in submitter is recorded and has a higher limit. Nothing is saved unless all is valid."""
    taken = _throttle_reserve(actor, client_address)
    try:
        fields = _validated_filing(org_id, category, text, contact_name, contact)
        checked = _evidence_check_all(evidence)
        complaint = _complaint_save(actor, fields, checked)
    except BaseException:
        _release(taken)
        raise
    return complaint


def _complaint_save(actor: Actor | None, fields: dict, checked: list[tuple]) -> Complaint:
    user = getattr(actor, "user", None)
    submitted_by = user if user is not None and user.pk and user.is_authenticated else None
    for _attempt in range(5):
        try:
            with transaction.atomic():
                now = timezone.now()
                complaint = Complaint.objects.create(reference=_new_reference(now), submitted_by=submitted_by,
                                                     status_changed_at=now, **fields)
                for upload, content_type, extension in checked:
                    stored_file_save(ComplaintEvidence(complaint=complaint), upload, original_name=upload.name,
                                     content_type=content_type, extension=extension)
                # The audit entry names the complaint by its reference only, never its complainant.
                audit_log(actor=actor if submitted_by else None, action="complaint.filed", obj=complaint,
                          changes={"org": [None, fields["org"].pk], "category": [None, fields["category"]],
                                   "evidence": [None, len(checked)]})
                return complaint
        except IntegrityError:  # a reference collision (1 in 10^12): draw another
            continue
    raise AppError(_("系统繁忙，请稍后重试。"), code="reference_exhausted")


def complaint_status_lookup(*, client_address: str, reference: str, contact: str = "") -> Complaint:
    """The complaint a submitter asks about. The reference must match, and so must the contact if
    one was given when filing; any mismatch is the same answer, so nothing is revealed."""
    complaint_lookup_throttle(client_address=client_address)
    not_found = AppError(_("未找到该投诉，请核对受理编号和联系方式。"), code="not_found")
    complaint = Complaint.objects.filter(reference=reference_normalize(reference=reference)).first()
    if complaint is None:
        raise not_found
    try:
        given = contact_normalize(contact=contact)
    except AppError:
        raise not_found from None
    if not secrets.compare_digest(given.encode(), complaint.contact.encode()):
        raise not_found
    return complaint


# --- triage ----------------------------------------------------------------------------------

def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if not note:
        raise AppError(_("请填写处理意见。"), field="note")
    if len(note) > NOTE_MAX_CHARS:
        raise AppError(_("处理意见最多 %(n)d 个字。") % {"n": NOTE_MAX_CHARS}, field="note")
    return note


@transaction.atomic
def complaint_transition(*, actor: Actor, complaint: Complaint, status: str, note: str,
                         internal: bool = False) -> Complaint:
    """Move a complaint along received → investigating → upheld | dismissed, with a required note.
    Upheld and dismissed are final. Upholding notifies the org's staff of the substance."""
    complaint_access_of(actor, complaint).require("triage")
    note = _clean_note(note)
    if status not in Status.values:
        raise AppError(_("目标状态无效。"), field="status")
    locked = Complaint.objects.select_for_update().select_related("org").get(pk=complaint.pk)
    before = locked.status
    if before in FINAL_STATUSES:
        raise AppError(_("该投诉已办结（%(s)s），状态不能再变更。") % {"s": Status(before).label}, field="status",
                       code="closed")
    if status not in TRANSITIONS.get(before, ()):
        raise AppError(_("投诉不能从“%(a)s”改为“%(b)s”。") % {"a": Status(before).label, "b": Status(status).label},
                       field="status", code="forbidden_transition")
    now = timezone.now()
    locked.status = status
    locked.status_changed_at = now
    if status in FINAL_STATUSES:
        locked.closed_at = now
    locked.save(update_fields=["status", "status_changed_at", "closed_at"])
    ComplaintNote.objects.create(complaint=locked, status_before=before, status_after=status, text=note,
                                 internal=internal, author=actor.user)
    changes = {"status": [before, status], "internal_note": internal}
    if status in FINAL_STATUSES:
        changes["closed_at"] = [None, now]
    audit_log(actor=actor, action="complaint.status_changed", obj=locked, note=note, changes=changes)
    if status == Status.UPHELD:
        _notify_org_upheld(locked, None if internal else note)
    return locked


def _notify_org_upheld(complaint: Complaint, note: str | None) -> None:
    """Tell every staff member of the org what was upheld: category and substance, never the complainant."""
    params = {"category": Complaint.Category(complaint.category).label, "ref": complaint.reference,
              "text": complaint.text[:1000], "note": note or ""}
    notify_scope(role=Role.ORG, scope_id=complaint.org_id, category="complaint",
                 kind="complaint.upheld_with_note" if note else "complaint.upheld", params=params,
                 link=reverse("organizations:complaint_detail", args=[complaint.pk]))


@transaction.atomic
def complaint_note_add(*, actor: Actor, complaint: Complaint, note: str, internal: bool = False) -> ComplaintNote:
    """A triage note that does not change the status (also allowed after closing: follow-ups)."""
    complaint_access_of(actor, complaint).require("triage")
    note = _clean_note(note)
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    entry = ComplaintNote.objects.create(complaint=locked, status_before=locked.status, status_after=locked.status,
                                         text=note, internal=internal, author=actor.user)
    audit_log(actor=actor, action="complaint.note_added", obj=locked, note=note, changes={"internal_note": internal})
    return entry
