"""Issuance requests: the hand-over from the assessment pipeline to certificate issuance; putting a
waiting request back in the queue; and having missing PDFs rendered.

``issuance_requests_create`` is what finalizing a session calls, inside its own transaction, with one
row per passed result. It is idempotent by result id, so a finalization retried or replayed never
creates a second request. The issuance workers (certificates.tasks) take pending requests from here.

``certificate_pdfs_queue`` is what a download of a certificate without its stored PDF calls: it
queues the render task and says when the PDF should be ready. Nothing renders or writes inside the
request (issue 14: no work that writes during a GET).
"""

import datetime
import decimal
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.scoping import Actor
from certificates.catalog.models import Certificate, CertificateLevel
from certificates.issuance.models import HELD_FOR_ORG, IssuanceRequest, IssuedCertificate
from certificates.issuance.notes import request_note
from certificates.issuance.selectors import issuance_pending_count, issuance_request_access
from core.errors import AppError
from core.jobs.queue import enqueue


@dataclass(frozen=True)
class PassedResult:
    """Everything a certificate needs about one finalized pass, copied out of the pipeline."""

    result_id: int
    session_id: int
    certificate_id: int
    level: str
    org_id: int
    person_id: int
    holder_name: str
    id_type: str
    id_number: str
    province_code: str
    institution_id: int | None
    site_code: str
    score: decimal.Decimal
    passed_on: datetime.date


def issuance_requests_create(*, passes: list[PassedResult]) -> int:
    """Record one issuance request per pass; returns how many were new. Must run inside the
    transaction that finalizes the session, so the requests exist exactly when the finalization does."""
    if not passes:
        return 0
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("issuance_requests_create must run inside the finalizing transaction")
    known = set(IssuanceRequest.objects.filter(result_id__in=[p.result_id for p in passes])
                .values_list("result_id", flat=True))
    rows = [IssuanceRequest(
        result_id=p.result_id, session_id=p.session_id, certificate_id=p.certificate_id, level=p.level,
        org_id=p.org_id, person_id=p.person_id, holder_name=p.holder_name, id_type=p.id_type, id_number=p.id_number,
        province_id=p.province_code, institution_id=p.institution_id, site_code=p.site_code, score=p.score,
        passed_on=p.passed_on) for p in passes if p.result_id not in known]
    _check_passes(passes)
    IssuanceRequest.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    if rows:
        issuance_kick()  # issued without anyone pressing a button, once the finalization commits
    return len(rows)


def issuance_kick() -> None:
    """Start ``ISSUANCE_PARALLEL`` issuing tasks, which share the pending requests chunk by chunk,
    once the current transaction commits (whatever created pending requests)."""
    for _i in range(settings.ISSUANCE_PARALLEL):
        enqueue("certificates.issue_pending")


def _check_passes(passes: list[PassedResult]) -> None:
    """Refuse (and so roll back the finalization) a "pass" that is not one: an unknown level of the
    certificate, or a score below its pass mark."""
    marks = {(cl.certificate_id, cl.level): cl.pass_mark for cl in
             CertificateLevel.objects.filter(certificate_id__in={p.certificate_id for p in passes})}
    for p in passes:
        mark = marks.get((p.certificate_id, p.level))
        if mark is None or p.score < mark:
            raise AppError(_("成绩 %(id)s 不是已确认的合格成绩（等级不存在或分数低于合格线），不能申请发证。") % {
                "id": p.result_id}, code="not_a_pass")


def certificate_accepts_new_work(certificate: Certificate) -> bool:
    """New plans and sessions need a published certificate; passes from sessions held before a
    suspension or delisting still become certificates (they are not new work)."""
    return certificate.status == Certificate.Status.PUBLISHED


def issuance_request_retry(*, actor: Actor, request: IssuanceRequest) -> IssuanceRequest:
    """The org or the ministry puts a blocked or failed request back in the queue."""
    issuance_request_access(actor=actor, pk=request.pk).require("retry")
    if request.status not in (IssuanceRequest.Status.BLOCKED, IssuanceRequest.Status.FAILED):
        raise AppError(_("只有暂缓或失败的发证请求可以重新发证。"))
    if request.block_code in HELD_FOR_ORG:
        raise AppError(_("%(note)s该合格成绩不能重新发证，请考生参加替换证书的考核。") % {"note": request_note(request)},
                       code="org_delisted")
    updated = IssuanceRequest.objects.filter(pk=request.pk, status=request.status).update(
        status=IssuanceRequest.Status.PENDING, block_code="", status_note="", note_params=None)
    if updated:
        audit_log(actor=actor, action="issuance.retried", obj=request, province=request.province_id,
                  changes={"status": [request.status, "pending"]})
        issuance_kick()  # sent once this transaction commits
    request.refresh_from_db()
    return request


# --- PDFs not (or no longer) in storage ----------------------------------------------------------

# Rendering and signing a certificate costs about 12 ms of CPU, ~45 signed certificates a second on
# two cores (README, issuance benchmark; design.md); a render queued from a download waits behind
# the passes the workers are issuing. The estimate assumes a conservative 20 a second and never
# promises less than 10 seconds.
RENDERS_PER_SECOND = 20
PDF_READY_MIN_SECONDS = 10


def pdf_ready_in(count: int) -> int:
    """In how many seconds ``count`` PDFs queued now should be stored."""
    backlog = issuance_pending_count() + count
    return max(PDF_READY_MIN_SECONDS, math.ceil(backlog / RENDERS_PER_SECOND))


def certificate_pdfs_queue(*, certificates: Sequence[IssuedCertificate]) -> int:
    """Have the workers render, sign and store the PDFs of ``certificates`` (never rendered, or
    missing from storage) with the certificates.render task, queued once per certificate while an
    earlier one is still expected to run; returns in how many seconds they should be ready."""
    seconds = pdf_ready_in(len(certificates))
    for issued in certificates:
        if cache.add(f"certificate-render-queued:{issued.pk}", 1, timeout=seconds):
            enqueue("certificates.render", issued.pk)
    return seconds


def certificate_ofds_queue(*, certificates: Sequence[IssuedCertificate]) -> int:
    """Have the workers make and store the signed OFDs of ``certificates`` (made on first download,
    certificates.issuance.ofd_files) with the certificates.render_ofd task, queued once per
    certificate while an earlier one is still expected to run; returns in how many seconds they
    should be ready (the PDFs' estimate, 20 a second: an OFD took at most about 50 ms of one core,
    README's ofd_ms, so two workers keep up with it)."""
    seconds = pdf_ready_in(len(certificates))
    for issued in certificates:
        if cache.add(f"certificate-ofd-queued:{issued.pk}", 1, timeout=seconds):
            enqueue("certificates.render_ofd", issued.pk)
    return seconds


def _when(seconds: int) -> str:
    return (_("%(n)d 分钟") % {"n": math.ceil(seconds / 60)}) if seconds >= 120 else (_("%(n)d 秒") % {"n": seconds})


def ofd_ready_message(seconds: int, *, in_zip: int | None = None) -> str:
    """What the user is told while an OFD is made (or ``in_zip`` OFDs of a ZIP they asked for)."""
    if in_zip is None:
        return _("证书 OFD 版式文件正在生成，预计约 %(when)s后可以下载，请届时重试。") % {"when": _when(seconds)}
    return _("其中 %(n)d 份证书的 OFD 版式文件正在生成，预计约 %(when)s后可以打包下载，请届时重试。") % {
        "n": in_zip, "when": _when(seconds)}


def pdf_ready_message(seconds: int, *, in_zip: int | None = None) -> str:
    """What the user is told while a PDF is rendered (or ``in_zip`` PDFs of a ZIP they asked for)."""
    when = (_("%(n)d 分钟") % {"n": math.ceil(seconds / 60)}) if seconds >= 120 else (_("%(n)d 秒") % {"n": seconds})
    if in_zip is None:
        return _("证书 PDF 正在生成，预计约 %(when)s后可以下载，请届时重试。") % {"when": when}
    return _("其中 %(n)d 份证书的 PDF 正在生成，预计约 %(when)s后可以打包下载，请届时重试。") % {"n": in_zip, "when": when}
