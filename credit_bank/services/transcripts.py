"""Transcripts (学分银行成绩单): a signed PDF of the account's outcomes and converted credits, and a
share link with an unguessable token that opens a public page showing the same content masked.

A transcript is a snapshot (``selectors.transcript_snapshot``): asking again while nothing changed
returns the same transcript (same number, same PDF, same link); after a change a new one is issued.
The public page (``selectors.transcript_verify``) also says when the account changed after the
transcript was issued, or a certificate on it was revoked since.
"""

import secrets

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.scoping import Actor
from core.errors import AppError
from credit_bank import pdf, selectors
from credit_bank.models import Transcript


def transcript_issue(*, actor: Actor) -> tuple[Transcript, bool]:
    """The student's current transcript: the latest one if nothing changed since, else a new signed
    one. Returns it and whether it is new."""
    account = selectors.account_own(actor=actor)
    content = selectors.transcript_snapshot(account)
    latest = account.transcripts.filter(withdrawn_at__isnull=True).order_by("-issued_at", "-pk").first()
    if latest is not None and latest.snapshot == content and latest.pdf:
        return latest, False
    now = timezone.now()
    transcript = Transcript(account=account, number=f"CJ{timezone.localtime(now):%Y%m%d}{secrets.token_hex(4).upper()}",
                            token=secrets.token_urlsafe(24), snapshot=content, issued_at=now)
    signed = pdf.transcript_pdf(transcript, verify_url=selectors.verify_url(transcript))
    with transaction.atomic():
        transcript.pdf.save(f"{transcript.number}.pdf", ContentFile(signed), save=False)
        transcript.save()
        audit_log(actor=actor, action="credit.transcript_issued", obj=transcript,
                  changes={"number": [None, transcript.number], "totals": [None, content["totals"]]})
    return transcript, True


def transcript_withdraw(*, actor: Actor, transcript: Transcript) -> Transcript:
    """The student stops sharing: the link then answers that the holder withdrew it."""
    transcript = selectors.transcript_get_own(actor=actor, number=transcript.number)
    if not Transcript.objects.filter(pk=transcript.pk, withdrawn_at__isnull=True).update(withdrawn_at=timezone.now()):
        raise AppError(_("该成绩单的分享链接已停用。"))
    audit_log(actor=actor, action="credit.transcript_withdrawn", obj=transcript)
    transcript.refresh_from_db()
    return transcript
