"""Pilot-wide writes: the public notices (通知公告, 政策文件), which only the ministry writes."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.scoping import Actor
from core.errors import AppError
from core.uploads import check_document, stored_file_save
from pilot import selectors
from pilot.models import Notice, NoticeAttachment

MAX_ATTACHMENTS = 10


def _checked_fields(*, title: str, body: str, category: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise AppError(_("请填写标题。"), field="title")
    if not body:
        raise AppError(_("请填写正文。"), field="body")
    if category not in Notice.Category.values:
        raise AppError(_("栏目无效。"), field="category")
    return title, body


def _checked_attachments(attachments, *, already: int = 0) -> list:
    """Every attachment checked by content (PDF, OFD, Word, Excel) and size before anything is saved."""
    if already + len(attachments) > MAX_ATTACHMENTS:
        raise AppError(_("附件最多 %(n)d 个。") % {"n": MAX_ATTACHMENTS}, field="attachments")
    checked = []
    for upload in attachments:
        try:
            checked.append((upload, check_document(upload, max_bytes=settings.NOTICE_ATTACHMENT_MAX_BYTES)))
        except AppError as error:
            raise AppError(error.message, field="attachments", code=error.code) from None
    return checked


def _attach(notice: Notice, checked) -> None:
    for upload, info in checked:
        stored_file_save(NoticeAttachment(notice=notice), upload, original_name=upload.name,
                         content_type=info.content_type, extension=info.extension)


@transaction.atomic
def notice_create(*, actor: Actor, title: str, body: str, category: str, document_number: str = "",
                  attachments=(), publish: bool = True) -> Notice:
    """Save a notice (通知公告 or 政策文件), published at once or kept as a draft only the ministry sees.
    Every attachment is checked before anything is saved."""
    selectors.pilot_access(actor).require("publish_notice")
    title, body = _checked_fields(title=title, body=body, category=category)
    checked = _checked_attachments(attachments)
    notice = Notice.objects.create(title=title, body=body, category=category,
                                   document_number=(document_number or "").strip(),
                                   published_at=timezone.now() if publish else None, created_by=actor.user)
    _attach(notice, checked)
    audit_log(actor=actor, action="notice.published" if publish else "notice.drafted", obj=notice,
              changes={"title": [None, title], "attachments": [None, len(checked)]})
    return notice


@transaction.atomic
def notice_update(*, actor: Actor, notice: Notice, title: str, body: str, category: str, document_number: str = "",
                  attachments=(), remove_attachments=()) -> Notice:
    """Correct a notice (its text, its column, its attachments); a published one stays published."""
    notice = selectors.notice_get(actor, notice.pk).require("edit")
    title, body = _checked_fields(title=title, body=body, category=category)
    removed = list(notice.attachments.filter(pk__in=[a.pk for a in remove_attachments]))
    checked = _checked_attachments(attachments, already=notice.attachments.count() - len(removed))
    values = {"title": title, "body": body, "category": category, "document_number": (document_number or "").strip()}
    changes = {field: [getattr(notice, field), value] for field, value in values.items()
               if getattr(notice, field) != value}
    for field, value in values.items():
        setattr(notice, field, value)
    notice.save(update_fields=list(values))
    for attachment in removed:
        field_file = attachment.file
        attachment.delete()
        # The file goes only once the removal is committed (a rolled-back edit keeps it).
        transaction.on_commit(lambda f=field_file: f.storage.delete(f.name))
    _attach(notice, checked)
    if removed or checked:
        changes["attachments"] = [[a.original_name for a in removed], [u.name for u, _info in checked]]
    audit_log(actor=actor, action="notice.edited", obj=notice, changes=changes)
    return notice


def notice_publish(*, actor: Actor, notice: Notice) -> Notice:
    """Publish a draft: from now on everyone reads it."""
    notice = selectors.notice_get(actor, notice.pk).require("publish")
    updated = Notice.objects.filter(pk=notice.pk, published_at__isnull=True).update(published_at=timezone.now())
    if not updated:
        raise AppError(_("该公告已发布。"))
    notice.refresh_from_db()
    audit_log(actor=actor, action="notice.published", obj=notice, changes={"title": [None, notice.title]})
    return notice


def notice_withdraw(*, actor: Actor, notice: Notice) -> None:
    notice = selectors.notice_get(actor, notice.pk).require("withdraw")
    if notice.withdrawn_at:
        raise AppError(_("该公告已撤回。"))
    notice.withdrawn_at = timezone.now()
    notice.save(update_fields=["withdrawn_at"])
    audit_log(actor=actor, action="notice.withdrawn", obj=notice)
