"""Celery tasks of certificate issuance: they take ids (or nothing), re-fetch, and call one service.

``issuance_kick`` (certificates.issuance.services) is what finalizing a session triggers: once the
finalization commits it starts ``ISSUANCE_PARALLEL`` issuing tasks that share the pending requests
chunk by chunk. ``certificates.sweep`` runs from beat and resumes whatever a killed worker left.
Running any of them twice is harmless (see certificates.issuance.worker).
"""

from celery import shared_task

from certificates.issuance.models import IssuanceRequest
from certificates.issuance.services import issuance_kick
from certificates.issuance.worker import issuance_render, issuance_run, issuance_sweep


@shared_task(name="certificates.issue_pending", acks_late=True)
def issue_pending(max_seconds: float = 300, limit: int | None = None) -> int:
    issued, more = issuance_run(max_seconds=max_seconds, limit=limit)
    if more:  # time is up and work remains: hand it on rather than hold the worker
        issue_pending.delay(max_seconds=max_seconds, limit=limit)
    return issued


@shared_task(name="certificates.sweep", acks_late=True)
def sweep(stale_seconds: int = 120) -> dict:
    result = issuance_sweep(stale_seconds=stale_seconds)
    if IssuanceRequest.objects.filter(status=IssuanceRequest.Status.PENDING).exists():
        issuance_kick()
    return result


@shared_task(name="certificates.render", acks_late=True)
def render(certificate_id: int) -> bool:
    return issuance_render(certificate_id=certificate_id)
