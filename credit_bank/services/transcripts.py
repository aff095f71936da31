"""Transcripts (学分银行成绩单): a signed PDF of the account's outcomes and converted credits, and a
share link with an unguessable token that opens a public page showing the same content masked.

A transcript is a snapshot: asking again while nothing changed returns the same transcript (same
number, same PDF, same link); after a change a new one is issued. The public page also says when
the account changed after the transcript was issued, or a certificate on it was revoked since.
"""

import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.identity import mask_id_number, mask_name
from accounts.models import IdType
from accounts.scoping import Actor, require_role
from core.base_url import public_base_url
from core.errors import AppError, NotInScope
from credit_bank.models import Conversion, CourseType, LearningAccount, Outcome, Transcript
from organizations.institutions.models import Enrolment


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def transcript_snapshot(account: LearningAccount) -> dict:
    """Everything a transcript prints, as plain JSON (credits as text, dates as ISO)."""
    person = account.person
    outcomes = list(account.outcomes.select_related("certificate", "issued__org").order_by("issued_on", "pk"))
    conversions = list(Conversion.objects.filter(outcome__account=account, status=Conversion.Status.APPROVED)
                       .select_related("institution", "enrolment", "rule_version", "outcome__certificate")
                       .order_by("decided_at", "pk"))
    recognized = sum((o.credits for o in outcomes if o.status == Outcome.Status.RECOGNIZED), start=Decimal("0.0"))
    converted = sum((c.converted_credits for c in conversions), start=Decimal("0.0"))
    return {
        "account_number": account.number,
        "holder_name": person.name,
        "id_type": _label(IdType, person.id_type),
        "id_number_masked": mask_id_number(person.id_number),
        "enrolments": [{"institution": e.institution.name, "major_code": e.major_code, "major_name": e.major_name,
                        "entry_year": e.entry_year}
                       for e in Enrolment.objects.filter(person=person).select_related("institution").order_by("pk")],
        "outcomes": [{"number": o.number, "certificate": o.certificate.name, "level": o.get_level_display(),
                      "org": o.issued.org.name, "issued_on": o.issued_on.isoformat(), "credits": str(o.credits),
                      "status": o.status, "status_label": o.get_status_display()} for o in outcomes],
        "conversions": [{"institution": c.institution.name, "major_name": c.enrolment.major_name,
                         "course_code": c.course_code, "course_name": c.rule_version.course_name,
                         "course_type": _label(CourseType, c.rule_version.course_type),
                         "credits": str(c.converted_credits), "rule_version": c.rule_version.version,
                         "outcome_number": c.outcome.number, "certificate": c.outcome.certificate.name,
                         "level": c.outcome.get_level_display(),
                         "approved_on": timezone.localtime(c.decided_at).date().isoformat(),
                         "flagged": c.is_flagged} for c in conversions],
        "totals": {"outcomes": sum(1 for o in outcomes if o.status == Outcome.Status.RECOGNIZED),
                   "recognized_credits": str(recognized), "conversions": len(conversions),
                   "converted_credits": str(converted)},
    }


def verify_url(transcript: Transcript) -> str:
    return f"{public_base_url()}{reverse('credit:transcript_verify', args=[transcript.token])}"


def _own_account(actor: Actor) -> LearningAccount:
    require_role(actor, "student")
    account = LearningAccount.objects.filter(person_id=actor.scope.person_id).select_related("person").first()
    if account is None or actor.scope.person_id is None:
        raise AppError(_("您的学习账户中还没有学习成果，暂时无法生成成绩单。证书签发后会自动记入学习账户。"),
                       code="no_account")
    return account


def transcript_issue(*, actor: Actor) -> tuple[Transcript, bool]:
    """The student's current transcript: the latest one if nothing changed since, else a new signed
    one. Returns it and whether it is new."""
    from credit_bank import pdf

    account = _own_account(actor)
    content = transcript_snapshot(account)
    latest = account.transcripts.filter(withdrawn_at__isnull=True).order_by("-issued_at", "-pk").first()
    if latest is not None and latest.snapshot == content and latest.pdf:
        return latest, False
    now = timezone.now()
    transcript = Transcript(account=account, number=f"CJ{timezone.localtime(now):%Y%m%d}{secrets.token_hex(4).upper()}",
                            token=secrets.token_urlsafe(24), snapshot=content, issued_at=now)
    signed = pdf.transcript_pdf(transcript, verify_url=verify_url(transcript))
    with transaction.atomic():
        transcript.pdf.save(f"{transcript.number}.pdf", ContentFile(signed), save=False)
        transcript.save()
        audit_log(actor=actor, action="credit.transcript_issued", obj=transcript,
                  changes={"number": [None, transcript.number], "totals": [None, content["totals"]]})
    return transcript, True


def transcript_get_own(*, actor: Actor, number: str) -> Transcript:
    require_role(actor, "student")
    transcript = Transcript.objects.filter(number=number, account__person_id=actor.scope.person_id).first()
    if transcript is None or actor.scope.person_id is None:
        raise NotInScope()
    return transcript


def transcript_pdf_bytes(transcript: Transcript) -> bytes:
    with transcript.pdf.open("rb") as handle:
        return handle.read()


def transcript_withdraw(*, actor: Actor, transcript: Transcript) -> Transcript:
    """The student stops sharing: the link then answers that the holder withdrew it."""
    transcript = transcript_get_own(actor=actor, number=transcript.number)
    if not Transcript.objects.filter(pk=transcript.pk, withdrawn_at__isnull=True).update(withdrawn_at=timezone.now()):
        raise AppError(_("该成绩单的分享链接已停用。"))
    audit_log(actor=actor, action="credit.transcript_withdrawn", obj=transcript)
    transcript.refresh_from_db()
    return transcript


@dataclass(frozen=True)
class TranscriptCheck:
    """What the public page of a share link shows."""

    found: bool
    withdrawn: bool = False
    number: str = ""
    issued_at: object = None
    content: dict | None = None
    changed_since: bool = False
    revoked_since: tuple[str, ...] = ()


def transcript_verify(*, token: str) -> TranscriptCheck:
    """The public view of a shared transcript: the holder's name masked, no ID number, the outcomes
    and conversions as issued, and whether anything changed since."""
    token = (token or "").strip()[:64]
    transcript = Transcript.objects.filter(token=token).select_related("account__person").first() if token else None
    if transcript is None:
        return TranscriptCheck(found=False)
    if transcript.withdrawn_at is not None:
        return TranscriptCheck(found=True, withdrawn=True, number=transcript.number)
    content = dict(transcript.snapshot)
    content["holder_name"] = mask_name(content["holder_name"])
    content.pop("id_number_masked", None)
    numbers = [o["number"] for o in content["outcomes"] if o["status"] == Outcome.Status.RECOGNIZED]
    revoked = tuple(Outcome.objects.filter(account=transcript.account, number__in=numbers,
                                           status=Outcome.Status.REVOKED).values_list("number", flat=True))
    changed = transcript_snapshot(transcript.account) != transcript.snapshot
    return TranscriptCheck(found=True, number=transcript.number, issued_at=transcript.issued_at, content=content,
                           changed_since=changed, revoked_since=revoked)
