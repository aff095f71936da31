"""Issuance requests: the hand-over from the assessment pipeline to certificate issuance.

``issuance_requests_create`` is what finalizing a session calls, inside its own transaction, with one
row per passed result. It is idempotent by result id, so a finalization retried or replayed never
creates a second request. The issuance workers (certificates.tasks) take pending requests from here.
"""

import datetime
import decimal
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from certificates.catalog.models import Certificate, CertificateLevel
from certificates.issuance.models import IssuanceRequest
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
