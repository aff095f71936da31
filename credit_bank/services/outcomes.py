"""Learning accounts, outcomes and the catalog of recognized outcomes.

An issued certificate becomes an outcome in two ways that may both happen, in any order, any number
of times: the ``certificates_issued`` hook (credit_bank.receivers, delivered at least once) and the
sweep (``outcomes_sweep``, a beat task) over issued certificates without an outcome. The outcome's
one-to-one key on the certificate makes the second arrival a no-op, so each certificate becomes
exactly one outcome. Revocation and reissue arrive the same two ways.
"""

import logging
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log, audit_log_many
from accounts.models import Person
from accounts.scoping import Actor
from accounts.services import notify, notify_scope
from certificates.catalog.models import Certificate, CertificateLevel, Level
from certificates.issuance.models import IssuedCertificate
from core import normalize
from core.errors import AppError
from credit_bank import selectors
from credit_bank.models import (
    DEFAULT_LEVEL_CREDITS,
    MAX_RECOGNIZED_CREDITS,
    Conversion,
    LearningAccount,
    Outcome,
    RecognizedOutcome,
)
from credit_bank.selectors import catalog_entry_current

logger = logging.getLogger(__name__)
SWEEP_CHUNK = 500


def parse_credits(value, *, field: str = "credits") -> Decimal:
    """A credit value as Decimal with one place, or a clear error (half credits are the finest unit)."""
    try:
        credits = normalize.decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise AppError(_("学分必须是数字，例如 2 或 2.5。"), field=field) from None
    if not credits.is_finite():
        raise AppError(_("学分必须是数字，例如 2 或 2.5。"), field=field)
    if credits * 2 != (credits * 2).to_integral_value():
        raise AppError(_("学分以 0.5 为最小单位。"), field=field)
    return credits.quantize(Decimal("0.1"))


# --- the catalog of recognized outcomes ----------------------------------------------------------

def catalog_entry_ensure(*, certificate_id: int, level: str) -> RecognizedOutcome:
    """The current entry, writing the level's default as version 1 the first time it is needed, so
    every outcome points at the catalog version it was recognized under."""
    entry = catalog_entry_current(certificate_id=certificate_id, level=level)
    if entry is not None:
        return entry
    entry, _created = RecognizedOutcome.objects.get_or_create(
        certificate_id=certificate_id, level=level, version=1,
        defaults={"credits": DEFAULT_LEVEL_CREDITS[Level(level)], "reason": _("按等级默认学分")})
    return entry


def catalog_credits_set(*, actor: Actor, certificate: Certificate, level: str, credits, reason: str) -> RecognizedOutcome:
    """The ministry sets a certificate level's credit value; a new catalog version, audited.
    Outcomes already recorded keep the credits they were recognized with."""
    selectors.credit_bank_access(actor).require("edit_catalog")
    credits = parse_credits(credits)
    reason = (reason or "").strip()
    if not CertificateLevel.objects.filter(certificate=certificate, level=level).exists():
        raise AppError(_("证书“%(name)s”没有%(level)s等级。") % {"name": certificate.name,
                                                          "level": level_label(level)}, field="level")
    if credits <= 0 or credits > MAX_RECOGNIZED_CREDITS:
        raise AppError(_("认定学分应大于 0 且不超过 %(max)s 学分。") % {"max": MAX_RECOGNIZED_CREDITS}, field="credits")
    if not reason:
        raise AppError(_("调整认定学分必须填写说明。"), field="reason")
    with transaction.atomic():
        current = (RecognizedOutcome.objects.select_for_update()
                   .filter(certificate=certificate, level=level).order_by("-version").first())
        before = current.credits if current else DEFAULT_LEVEL_CREDITS[Level(level)]
        if current is not None and current.credits == credits:
            raise AppError(_("认定学分与当前版本相同，无需调整。"), field="credits")
        entry = RecognizedOutcome.objects.create(
            certificate=certificate, level=level, version=(current.version + 1) if current else 1, credits=credits,
            reason=reason[:200], created_by=actor.user)
        audit_log(actor=actor, action="credit.catalog_changed", obj=entry,
                  changes={"credits": [before, credits], "version": [current.version if current else None,
                                                                     entry.version]}, note=reason)
    return entry


def level_label(level: str) -> str:
    try:
        return str(Level(level).label)
    except ValueError:
        return level


# --- accounts and outcomes --------------------------------------------------------------------

def account_ensure(*, person: Person) -> LearningAccount:
    """The person's learning account, opened (and audited) the first time it is needed."""
    account = LearningAccount.objects.filter(person=person).first()
    if account is not None:
        return account
    account, created = LearningAccount.objects.get_or_create(person=person)
    if created:
        audit_log(actor=None, action="credit.account_opened", obj=account, changes={"person": [None, person.pk]})
    return account


def outcome_record(*, issued: IssuedCertificate, source: str = Outcome.Source.HOOK) -> tuple[Outcome, bool]:
    """The outcome of ``issued``, recorded now unless it exists; returns it and whether it is new.
    Safe to call any number of times, also concurrently."""
    existing = Outcome.objects.filter(issued_id=issued.pk).first()
    if existing is not None:
        return existing, False
    account = account_ensure(person=issued.person)
    entry = catalog_entry_ensure(certificate_id=issued.certificate_id, level=issued.level)
    revoked = issued.status == IssuedCertificate.Status.REVOKED
    try:
        with transaction.atomic():
            outcome = Outcome.objects.create(
                account=account, issued=issued, number=issued.number, certificate_id=issued.certificate_id,
                level=issued.level, province_id=issued.province_id, recognized=entry, credits=entry.credits,
                issued_on=issued.issued_on, certificate_version=issued.version, source=source,
                status=Outcome.Status.REVOKED if revoked else Outcome.Status.RECOGNIZED,
                revoked_at=(issued.revoked_at or timezone.now()) if revoked else None,
                revoked_reason=issued.revoked_reason if revoked else "")
            audit_log(actor=None, action="credit.outcome_recorded", obj=outcome, province=issued.province_id,
                      changes={"certificate": [None, issued.number], "credits": [None, entry.credits],
                               "status": [None, outcome.status]}, note=str(Outcome.Source(source).label))
    except IntegrityError:
        # Recorded a moment ago by the other path (hook or sweep): that one counts.
        return Outcome.objects.get(issued_id=issued.pk), False
    return outcome, True


def outcomes_record_many(*, issued: list[IssuedCertificate], source: str = Outcome.Source.HOOK) -> int:
    """``outcome_record`` for a chunk of certificates (with ``certificate`` loaded) in a few queries
    for the whole chunk: the accounts it lacks opened in one insert, the outcomes in another, their
    audit entries in one each. Returns how many outcomes are new. Should another path record some of
    them at the same moment, the chunk rolls back and each certificate is recorded on its own."""
    have = set(Outcome.objects.filter(issued_id__in=[c.pk for c in issued]).values_list("issued_id", flat=True))
    todo = [c for c in issued if c.pk not in have]
    if not todo:
        return 0
    entries = {key: catalog_entry_ensure(certificate_id=key[0], level=key[1])
               for key in sorted({(c.certificate_id, c.level) for c in todo})}
    try:
        with transaction.atomic():
            accounts = _accounts_ensure_many(person_ids={c.person_id for c in todo})
            now = timezone.now()
            rows = []
            for c in todo:
                entry = entries[(c.certificate_id, c.level)]
                revoked = c.status == IssuedCertificate.Status.REVOKED
                rows.append(Outcome(
                    account=accounts[c.person_id], issued=c, number=c.number, certificate_id=c.certificate_id,
                    level=c.level, province_id=c.province_id, recognized=entry, credits=entry.credits,
                    issued_on=c.issued_on, certificate_version=c.version, source=source,
                    status=Outcome.Status.REVOKED if revoked else Outcome.Status.RECOGNIZED,
                    revoked_at=(c.revoked_at or now) if revoked else None,
                    revoked_reason=c.revoked_reason if revoked else ""))
            Outcome.objects.bulk_create(rows)
            note = str(Outcome.Source(source).label)
            audit_log_many(actor=None, entries=(
                {"action": "credit.outcome_recorded", "object_type": Outcome._meta.label_lower, "object_id": o.pk,
                 "object_repr": f"{c.certificate.name}（{o.get_level_display()}）{o.number}",
                 "province": o.province_id, "note": note,
                 "changes": {"certificate": [None, o.number], "credits": [None, o.credits],
                             "status": [None, o.status]}} for o, c in zip(rows, todo, strict=True)))
    except IntegrityError:
        # Recorded (or an account opened) a moment ago by the other path: one at a time, as it allows.
        return sum(outcome_record(issued=c, source=source)[1] for c in todo)
    return len(rows)


def _accounts_ensure_many(*, person_ids: set[int]) -> dict[int, LearningAccount]:
    """The learning accounts of ``person_ids`` by person, opening (and auditing) those missing."""
    accounts = {a.person_id: a for a in LearningAccount.objects.filter(person_id__in=person_ids)}
    opened = LearningAccount.objects.bulk_create([LearningAccount(person_id=p) for p in sorted(person_ids - set(accounts))])
    if opened and opened[0].pk is None:  # a backend that returns no keys from a bulk insert
        opened = list(LearningAccount.objects.filter(person_id__in=[a.person_id for a in opened]))
    audit_log_many(actor=None, entries=(
        {"action": "credit.account_opened", "object_type": LearningAccount._meta.label_lower, "object_id": a.pk,
         "object_repr": str(a), "changes": {"person": [None, a.person_id]}} for a in opened))
    accounts.update((a.person_id, a) for a in opened)
    return accounts


def outcome_revoke(*, issued: IssuedCertificate, reason: str) -> Outcome:
    """The certificate was revoked: its outcome is marked revoked and every open conversion built on
    it is flagged for the institution. Idempotent."""
    outcome, _new = outcome_record(issued=issued, source=Outcome.Source.SWEEP)
    now = timezone.now()
    reason = (reason or issued.revoked_reason or "")[:500]
    with transaction.atomic():
        changed = Outcome.objects.filter(pk=outcome.pk, status=Outcome.Status.RECOGNIZED).update(
            status=Outcome.Status.REVOKED, revoked_at=issued.revoked_at or now, revoked_reason=reason)
        revoked = {"number": issued.number, "date": f"{timezone.localtime(issued.revoked_at or now):%Y-%m-%d}",
                   "reason": reason}
        flag = _("证书 %(number)s 已于 %(date)s 撤销：%(reason)s") % revoked
        flagged = list(Conversion.objects.select_for_update().filter(
            outcome=outcome, status__in=Conversion.OPEN_STATUSES, flagged_at__isnull=True))
        Conversion.objects.filter(pk__in=[c.pk for c in flagged]).update(flagged_at=now, flag_reason=flag[:300])
        if changed or flagged:
            audit_log(actor=None, action="credit.outcome_revoked", obj=outcome, province=outcome.province_id,
                      changes={"status": ["recognized", "revoked"] if changed else ["revoked", "revoked"],
                               "flagged_conversions": [c.pk for c in flagged]}, note=reason)
            transaction.on_commit(lambda: _tell_revoked(outcome, flagged, revoked))
    outcome.refresh_from_db()
    return outcome


def _tell_revoked(outcome: Outcome, flagged: list[Conversion], revoked: dict) -> None:
    for institution_id in sorted({c.institution_id for c in flagged}):
        notify_scope(role="institution", scope_id=institution_id, category="credit",
                     kind="credit.outcome_revoked_to_institution", params=revoked,
                     link=reverse("credit:requests") + "?flagged=1")
    user = getattr(outcome.account.person, "user", None)
    if user is not None:
        notify(users=[user], category="credit", link=reverse("credit:account"),
               kind="credit.outcome_revoked_to_student", params=revoked)


def outcome_reissued(*, issued: IssuedCertificate) -> Outcome:
    """A name correction reissued the certificate under the same number: the outcome follows the
    new version (the person, and so the account, is the same)."""
    outcome, _new = outcome_record(issued=issued, source=Outcome.Source.SWEEP)
    if outcome.certificate_version != issued.version:
        before = outcome.certificate_version
        if Outcome.objects.filter(pk=outcome.pk, certificate_version=before).update(certificate_version=issued.version):
            audit_log(actor=None, action="credit.outcome_updated", obj=outcome, province=outcome.province_id,
                      changes={"certificate_version": [before, issued.version]})
        outcome.refresh_from_db()
    return outcome


def outcomes_sweep(*, limit: int = 5000) -> dict[str, int]:
    """Catch up with issuance whatever the hooks did: record outcomes for issued certificates that
    have none, mark outcomes of revoked certificates, follow reissued versions. Returns counts; a
    second run finds nothing to do."""
    counts = {"recorded": 0, "revoked": 0, "updated": 0}
    missing = (IssuedCertificate.objects.filter(credit_outcome__isnull=True).select_related("person")
               .order_by("pk")[:limit])
    for issued in missing.iterator(chunk_size=SWEEP_CHUNK):
        try:
            counts["recorded"] += outcome_record(issued=issued, source=Outcome.Source.SWEEP)[1]
        except Exception:  # one bad row must not stop the rest; it is retried on the next sweep
            logger.exception("recording the outcome of certificate %s failed", issued.number)
    stale = (Outcome.objects.filter(status=Outcome.Status.RECOGNIZED, issued__status=IssuedCertificate.Status.REVOKED)
             .select_related("issued")[:limit])
    for outcome in stale:
        outcome_revoke(issued=outcome.issued, reason=outcome.issued.revoked_reason)
        counts["revoked"] += 1
    drifted = Outcome.objects.exclude(certificate_version=F("issued__version")).select_related("issued")[:limit]
    for outcome in drifted:
        outcome_reissued(issued=outcome.issued)
        counts["updated"] += 1
    return counts


def outcomes_sweep_has_more() -> bool:
    return IssuedCertificate.objects.filter(credit_outcome__isnull=True).exists()
