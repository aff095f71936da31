"""Issuance: pending requests become numbered, stored, rendered, signed and announced certificates.

The worker (certificates.tasks) repeats three steps until no request is pending:

1. ``issuance_claim`` — ONE short transaction: take up to ``ISSUANCE_CHUNK`` pending requests
   (``FOR UPDATE SKIP LOCKED``, so parallel workers take disjoint chunks); park the requests of orgs
   without a seal as blocked (and tell the org), record a later pass of a level the person already
   holds as a duplicate, refuse anything that is not a pass; allocate the numbers in one block per
   prefix (row lock on the sequence) and store the certificates; mark the requests issued. Either
   all of it commits or none of it does, so a worker killed here loses nothing and leaves no gap.
2. ``issuance_render`` — outside any lock: render and sign each PDF and store it (a conditional
   update, so two workers rendering the same certificate store it once).
3. ``issuance_announce`` — fire the ``certificates_issued`` hook (once per chunk) and the
   ``certificate_issued`` hook (per certificate), tell the holders, then record it.

``issuance_sweep`` (beat, and after a restart) resumes what a killed worker left: certificates with
no PDF or not yet announced, and requests blocked only for a missing seal once the seal exists.
Issuance never looks at fees (domain rule 4).
"""

import datetime
import logging
import secrets
import time
from collections import defaultdict

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, OperationalError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.services import notify_each, notify_scope
from certificates import hooks, metrics
from certificates.catalog.models import CertificateLevel, Level
from certificates.issuance import numbering, pdf
from certificates.issuance.documents import certificate_pdf_render
from certificates.issuance.models import IssuanceBlock, IssuanceRequest, IssuedCertificate
from certificates.issuance.selectors import org_seals_current
from core import stamps
from core.jobs.queue import unreachable_errors
from organizations.supervision.selectors import org_standings

logger = logging.getLogger(__name__)


def new_token() -> str:
    return secrets.token_urlsafe(16)


# --- 1. claim: number and store, in one short transaction ---------------------------------------

# Every this many chunks a worker's connection has PostgreSQL plan its cached statements again.
PLANS_KEPT_FOR_CHUNKS = 20
_chunks_since_plans = 0


def _plans_refresh() -> None:
    """The foreign-key checks of every insert (an outcome's certificate and account, a certificate's
    person...) run statements PostgreSQL plans once per connection and keeps. Planned while a table
    looked empty (statistics taken then, and no autovacuum to take them again), they read the whole
    table on every check, so each chunk cost more than the one before (at 2,000 certificates, 120
    blocks a check instead of 4; bench/bench_issuance_scale.py). DISCARD PLANS has them planned
    again for the table as it is now."""
    global _chunks_since_plans
    _chunks_since_plans += 1
    if _chunks_since_plans < PLANS_KEPT_FOR_CHUNKS or connection.vendor != "postgresql":
        return
    _chunks_since_plans = 0
    with connection.cursor() as cursor:
        cursor.execute("DISCARD PLANS")


def issuance_claim(*, limit: int | None = None) -> list[int] | None:
    """Take one chunk of pending requests; returns the ids of the certificates it stored, which is
    empty for a chunk of blocked, duplicate or failed requests, or None when nothing is pending."""
    limit = limit or settings.ISSUANCE_CHUNK
    _plans_refresh()
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _claim(limit)
        except (IntegrityError, OperationalError) as error:
            # Another worker stored a certificate of the same person and level a moment ago, or the
            # two deadlocked (both giving a new org its code on its first chunks): the chunk rolled
            # back whole, and the next attempt sees what the other one committed.
            if attempt == 2 or not (isinstance(error, IntegrityError) or _deadlocked(error)):
                raise
            time.sleep(0.05)
    return []


def _deadlocked(error: OperationalError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) == "40P01"  # PostgreSQL's deadlock_detected


def _pending_locked(limit: int) -> list[int]:
    """Lock the ids of the oldest ``limit`` pending requests no other worker holds. The statement
    reads only the pending index, in its order, however stale the table's statistics are: right
    after a large finalization (or with autovacuum off) the planner took the pending rows for a
    handful and sorted all of them, joined and wide, for every chunk, so a claim cost grew with the
    batch (255 ms per chunk with 100,000 pending, against 1 ms in index order)."""
    pending = (IssuanceRequest.objects.select_for_update(skip_locked=True)
               .filter(status=IssuanceRequest.Status.PENDING).order_by("created_at", "pk").values_list("pk", flat=True))
    if connection.vendor != "postgresql":
        return list(pending[:limit])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        ids = list(pending[:limit])
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_sort")
    return ids


def _claim(limit: int) -> list[int] | None:
    ids = _pending_locked(limit)
    if not ids:
        return None
    requests = list(IssuanceRequest.objects.filter(pk__in=ids).select_related("certificate", "org")
                    .order_by("created_at", "pk"))
    now = timezone.now()
    today = timezone.localdate()
    outcome: dict[str, list[IssuanceRequest]] = defaultdict(list)
    seals = org_seals_current({r.org_id for r in requests})
    standings = org_standings({r.org_id for r in requests})
    levels = {(cl.certificate_id, cl.level): cl for cl in
              CertificateLevel.objects.filter(certificate_id__in={r.certificate_id for r in requests})}
    held: dict = dict(((c.person_id, c.certificate_id, c.level), c.number) for c in IssuedCertificate.objects.filter(
        person_id__in={r.person_id for r in requests}, status=IssuedCertificate.Status.VALID).only(
        "person_id", "certificate_id", "level", "number"))
    to_issue: list[IssuanceRequest] = []
    for request in requests:
        key = (request.person_id, request.certificate_id, request.level)
        level = levels.get((request.certificate_id, request.level))
        if level is None or request.score < level.pass_mark:
            request.note_params = {}  # not a pass (certificates.issuance.notes words it)
            outcome["failed"].append(request)
        elif key in held:
            request.duplicate_of = held[key]
            outcome["duplicate"].append(request)
        elif not standings[request.org_id].allows(request.passed_on):
            # Assessed on or after the org's delisting: held, never issued (passes of before it are).
            standing = standings[request.org_id]
            request.block_code = IssuanceBlock.DELISTED if standing.delisted else IssuanceBlock.ORG_WITHDRAWN
            request.note_params = standing.as_params()
            outcome["blocked"].append(request)
        elif request.org_id not in seals:
            request.block_code = IssuanceBlock.NO_SEAL
            request.note_params = {}
            outcome["blocked"].append(request)
        else:
            try:
                pdf.glyph_plan(request.holder_name + request.id_number + request.certificate.name + request.org.name)
            except pdf.GlyphMissing as missing:
                request.block_code = IssuanceBlock.GLYPH
                request.note_params = {"chars": missing.chars}
                outcome["blocked"].append(request)
                continue
            held[key] = request  # a second pass of the same level in this chunk is a duplicate
            to_issue.append(request)
    created = _store(to_issue, seals=seals, today=today)
    numbers = {c.request_id: c.number for c in created}
    stamps.renew(*(stamps.name(stamps.CERTIFICATE_NUMBER, number) for number in numbers.values()))
    for request in outcome["duplicate"]:
        held_by = request.duplicate_of
        number = numbers[held_by.pk] if isinstance(held_by, IssuanceRequest) else held_by
        request.note_params = {"number": number}
    for status, rows in outcome.items():
        for request in rows:
            request.status = status
            request.status_note = ""
            request.processed_at = now
            request.attempts += 1
        IssuanceRequest.objects.bulk_update(rows, ["status", "note_params", "status_note", "block_code", "processed_at",
                                                   "attempts"])
    IssuanceRequest.objects.filter(pk__in=[r.pk for r in to_issue]).update(
        status=IssuanceRequest.Status.ISSUED, status_note="", note_params=None, block_code="", processed_at=now)
    if outcome["blocked"]:
        transaction.on_commit(lambda rows=list(outcome["blocked"]): _tell_orgs_blocked(rows))
    if created:
        # Counted once the chunk is committed: a chunk rolled back issued nothing.
        transaction.on_commit(lambda issued=len(created): metrics.ISSUED.inc(issued))
        audit_log(actor=None, action="certificate.issued", object_type="certificates.issuedcertificate",
                  object_id=str(created[0].pk), object_repr=_("%(n)d 份证书") % {"n": len(created)},
                  changes={"numbers": [c.number for c in created]})
    return [c.pk for c in created]


def _store(requests: list[IssuanceRequest], *, seals: dict, today: datetime.date) -> list[IssuedCertificate]:
    by_prefix: dict[str, list[IssuanceRequest]] = defaultdict(list)
    for request in requests:
        code = numbering.org_code_ensure(request.org)
        prefix = numbering.number_prefix(org_code=code, province_code=request.province_id,
                                         site_code=request.site_code, certificate_id=request.certificate_id,
                                         year=today.year, level=request.level)
        by_prefix[prefix].append(request)
    rows = []
    for prefix in sorted(by_prefix):  # one lock order for every worker: no deadlock between them
        chunk = by_prefix[prefix]
        for request, number in zip(chunk, numbering.numbers_allocate(prefix=prefix, count=len(chunk)), strict=True):
            rows.append(IssuedCertificate(
                number=number, request=request, person_id=request.person_id, certificate_id=request.certificate_id,
                level=request.level, org_id=request.org_id, province_id=request.province_id,
                institution_id=request.institution_id, holder_name=request.holder_name, id_type=request.id_type,
                id_number=request.id_number, seal=seals[request.org_id], issued_on=today, token=new_token()))
    return IssuedCertificate.objects.bulk_create(rows)


def _tell_orgs_blocked(rows: list[IssuanceRequest]) -> None:
    """One notice per org and reason (its label, translated when read); each candidate's own note is
    on the waiting page the notice links to."""
    by_reason: dict[tuple[int, str], int] = defaultdict(int)
    for request in rows:
        by_reason[(request.org_id, request.block_code)] += 1
    for (org_id, block_code), n in sorted(by_reason.items()):
        notify_scope(role="org", scope_id=org_id, category="issuance", kind="issuance.held",
                     params={"n": n, "reason": IssuanceBlock(block_code).label},
                     link=reverse("issued:waiting") + "?status=blocked")


# --- 2. render, sign, store -------------------------------------------------------------------

def pdf_filename(issued: IssuedCertificate, version: int) -> str:
    return f"{issued.number}-v{version}.pdf"


def issuance_render(*, certificate_id: int) -> bool:
    """Render, sign and store one certificate's PDF unless it is stored already; a PDF recorded but
    gone missing from storage is rendered again and stored under its name."""
    return issuance_render_many(certificate_ids=[certificate_id]) == 1 or _render_missing(certificate_id)


def _render_missing(certificate_id: int) -> bool:
    issued = (IssuedCertificate.objects.select_related("certificate", "org", "seal")
              .filter(pk=certificate_id).exclude(pdf="").first())
    if issued is None or issued.pdf.storage.exists(issued.pdf.name):
        return False
    logger.warning("the stored PDF of certificate %s is missing; rendering it again", issued.number)
    content = certificate_pdf_render(issued)
    stored = issued.pdf.storage.save(issued.pdf.name, ContentFile(content))
    return bool(IssuedCertificate.objects.filter(pk=issued.pk, version=issued.version, pdf=issued.pdf.name)
                .update(pdf=stored, pdf_size=len(content)))


def issuance_render_many(*, certificate_ids: list[int]) -> int:
    """Render, sign and store the PDFs of a chunk: one query to read them, one short transaction to
    record the files (a conditional update per row: a version changed meanwhile, or a PDF another
    worker stored first, is left alone and our file removed). Returns how many were stored."""
    chunk = list(IssuedCertificate.objects.select_related("certificate", "org", "seal")
                 .filter(pk__in=certificate_ids, pdf=""))
    written: dict[int, tuple[int, str, int]] = {}
    storage = IssuedCertificate._meta.get_field("pdf").storage
    try:
        for issued in chunk:
            content = certificate_pdf_render(issued)
            name = issued.pdf.field.generate_filename(issued, pdf_filename(issued, issued.version))
            if storage.exists(name):  # left by a worker killed after writing, before recording it
                storage.delete(name)
            written[issued.pk] = (issued.version, storage.save(name, ContentFile(content)), len(content))
    finally:
        stored = _record_pdfs(written, storage) if written else 0
    return stored


def _record_pdfs(written: dict[int, tuple[int, str, int]], storage) -> int:
    """Record the stored files in ONE statement: each row only if it still has no PDF and is still
    the version rendered (a conditional update, so a concurrent worker or a reissue wins cleanly);
    files not recorded are removed."""
    kept = _record_pdfs_update(written)
    for pk, (_version, name, _size) in written.items():
        if pk not in kept:
            storage.delete(name)
    return len(kept)


def _record_pdfs_update(written: dict[int, tuple[int, str, int]]) -> set[int]:
    if connection.vendor != "postgresql":
        return {pk for pk, (version, name, size) in written.items()
                if IssuedCertificate.objects.filter(pk=pk, version=version, pdf="").update(pdf=name, pdf_size=size)}
    table = connection.ops.quote_name(IssuedCertificate._meta.db_table)
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(written))
    params = [value for pk, (version, name, size) in written.items() for value in (pk, version, name, size)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET pdf = v.pdf, pdf_size = v.size "
            f"FROM (VALUES {rows}) AS v(id, version, pdf, size) "
            f"WHERE t.id = v.id AND t.version = v.version AND t.pdf = '' RETURNING t.id", params)
        return {row[0] for row in cursor.fetchall()}


# --- 3. announce ---------------------------------------------------------------------------------

def issuance_announce(*, certificate_id: int) -> bool:
    return issuance_announce_many(certificate_ids=[certificate_id]) == 1


def issuance_announce_many(*, certificate_ids: list[int]) -> int:
    """Fire the issued hooks (once for the chunk, then once per certificate) for the certificates
    not yet announced and tell the holders (one bulk insert), then record it. At least once: a
    worker killed in between announces again later."""
    chunk = list(IssuedCertificate.objects.select_related("certificate", "person__user")
                 .filter(pk__in=certificate_ids, announced_at__isnull=True))
    if not chunk:
        return 0
    notices = []
    hooks.send(hooks.certificates_issued, certificates=chunk)
    for issued in chunk:
        hooks.send(hooks.certificate_issued, certificate=issued)
        user = getattr(issued.person, "user", None)
        if user is not None:
            notices.append((user, "certificate.issued", {
                "name": issued.certificate.name, "level": Level(issued.level).label, "number": issued.number}))
    notify_each(notices, category="certificate", link=reverse("issued:mine"))
    return IssuedCertificate.objects.filter(pk__in=[c.pk for c in chunk], announced_at__isnull=True).update(
        announced_at=timezone.now())


# --- the loop a task runs, and the sweep -----------------------------------------------------------

class ChunkInterrupted(Exception):
    """The database or broker went away after a chunk was numbered and stored, while its PDFs were
    rendered or it was announced: the task retries with these ids (``issuance_run(resume=...)``)
    rather than leave them to the sweep's staleness wait. The cause is the outage's error."""

    def __init__(self, certificate_ids: list[int]):
        super().__init__(f"issuance of {len(certificate_ids)} certificates interrupted")
        self.certificate_ids = certificate_ids


def issuance_run(*, max_seconds: float = 300, limit: int | None = None,
                 resume: list[int] | None = None) -> tuple[int, bool]:
    """Issue chunks until none is pending or time is up; returns (certificates stored, more left).
    ``resume``: the certificates of a chunk an outage interrupted, finished first."""
    started = time.monotonic()
    total = 0
    if resume:
        _finish(resume)
    while time.monotonic() - started < max_seconds:
        ids = issuance_claim(limit=limit)
        if ids is None:
            return total, False
        if not ids:
            continue  # a chunk of requests blocked (no seal), duplicate or failed: the next chunk
        total += len(ids)
        _finish(ids)
    return total, IssuanceRequest.objects.filter(status=IssuanceRequest.Status.PENDING).exists()


def _finish(ids: list[int]) -> None:
    """Render and announce a stored chunk. An unreachable database or broker interrupts it (the
    task retries it); any other rendering failure leaves the PDFs to the sweep (or a download)."""
    outage = unreachable_errors()
    try:
        try:
            issuance_render_many(certificate_ids=ids)
        except outage:
            raise
        except Exception:  # left without a PDF: the sweep (or a download, which queues it) renders it
            logger.exception("rendering certificates %s failed", ids)
        issuance_announce_many(certificate_ids=ids)
    except outage as exc:
        raise ChunkInterrupted(ids) from exc


def issuance_sweep(*, stale_seconds: int = 120) -> dict[str, int]:
    """Resume what stopped half-way: requests blocked only for a missing seal whose org now has
    one, and certificates older than ``stale_seconds`` still without a PDF or not announced."""
    resumed = IssuanceRequest.objects.filter(
        status=IssuanceRequest.Status.BLOCKED, block_code=IssuanceBlock.NO_SEAL,
        org_id__in=list(org_seals_current(None))).update(status=IssuanceRequest.Status.PENDING, block_code="")
    before = timezone.now() - datetime.timedelta(seconds=stale_seconds)
    stale = IssuedCertificate.objects.filter(created_at__lte=before)
    rendered = 0
    # Imported certificates are rendered when first downloaded (the download queues them): most
    # are never downloaded.
    for certificate_id in stale.filter(pdf="", origin=IssuedCertificate.Origin.ISSUED,
                                       status=IssuedCertificate.Status.VALID).values_list("pk", flat=True).iterator():
        try:
            rendered += issuance_render(certificate_id=certificate_id)
        except Exception:
            logger.exception("rendering certificate %s failed", certificate_id)
    announced = sum(issuance_announce(certificate_id=pk)
                    for pk in stale.filter(announced_at__isnull=True).values_list("pk", flat=True).iterator())
    return {"resumed": resumed, "rendered": rendered, "announced": announced}
