"""Celery tasks of certificate issuance: they take ids (or nothing), re-fetch, and call one service.

``issuance_kick`` (certificates.issuance.services) is what finalizing a session triggers: once the
finalization commits it starts ``ISSUANCE_PARALLEL`` issuing tasks that share the pending requests
chunk by chunk. ``certificates.sweep`` runs from beat and resumes whatever a killed worker left.
Running any of them twice is harmless (see certificates.issuance.worker).
"""

from celery import shared_task

from certificates.issuance.models import IssuanceRequest
from certificates.issuance.ofd_files import certificate_ofd_store
from certificates.issuance.services import issuance_kick
from certificates.issuance.worker import ChunkInterrupted, issuance_render, issuance_run, issuance_sweep
from core.jobs.queue import retry_countdown


@shared_task(bind=True, name="certificates.issue_pending", acks_late=True)
def issue_pending(self, max_seconds: float = 300, limit: int | None = None, resume: list[int] | None = None) -> int:
    try:
        issued, more = issuance_run(max_seconds=max_seconds, limit=limit, resume=resume)
    except ChunkInterrupted as stopped:
        # The chunk is numbered and stored: the retry finishes it first (other outages are retried
        # by the task base's autoretry, core.jobs.queue).
        raise self.retry(exc=stopped.__cause__, countdown=retry_countdown(self.request.retries), kwargs={
            "max_seconds": max_seconds, "limit": limit, "resume": stopped.certificate_ids}) from stopped
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


@shared_task(name="certificates.render_ofd", acks_late=True)
def render_ofd(certificate_id: int) -> bool:
    return certificate_ofd_store(certificate_id=certificate_id)
