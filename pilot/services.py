"""Pilot-wide writes: the public notices (通知公告)."""

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


@transaction.atomic
def notice_publish(*, actor: Actor, title: str, body: str, category: str, document_number: str = "",
                   attachments=()) -> Notice:
    """Publish a notice at once. Every attachment is checked before anything is saved."""
    selectors.pilot_access(actor).require("publish_notice")
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise AppError(_("请填写标题。"), field="title")
    if not body:
        raise AppError(_("请填写正文。"), field="body")
    if category not in Notice.Category.values:
        raise AppError(_("栏目无效。"), field="category")
    if len(attachments) > MAX_ATTACHMENTS:
        raise AppError(_("附件最多 %(n)d 个。") % {"n": MAX_ATTACHMENTS}, field="attachments")
    checked = []
    for upload in attachments:
        try:
            checked.append((upload, check_document(upload, max_bytes=settings.NOTICE_ATTACHMENT_MAX_BYTES)))
        except AppError as error:
            raise AppError(error.message, field="attachments", code=error.code) from None
    notice = Notice.objects.create(title=title, body=body, category=category,
                                   document_number=document_number.strip(), published_at=timezone.now(),
                                   created_by=actor.user)
    for upload, info in checked:
        stored_file_save(NoticeAttachment(notice=notice), upload, original_name=upload.name,
                         content_type=info.content_type, extension=info.extension)
    audit_log(actor=actor, action="notice.published", obj=notice,
              changes={"title": [None, title], "attachments": [None, len(checked)]})
    return notice


def notice_withdraw(*, actor: Actor, notice: Notice) -> None:
    notice = selectors.notice_get(actor, notice.pk).require("withdraw")
    if notice.withdrawn_at:
        raise AppError(_("该公告已撤回。"))
    notice.withdrawn_at = timezone.now()
    notice.save(update_fields=["withdrawn_at"])
    audit_log(actor=actor, action="notice.withdrawn", obj=notice)
