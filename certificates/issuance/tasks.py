"""Celery tasks of certificate issuance: they take ids (or nothing), re-fetch, and call one service.

``issuance_kick`` is what finalizing a session triggers (on commit): it starts ``ISSUANCE_PARALLEL``
issuing tasks that share the pending requests chunk by chunk. ``certificates.sweep`` runs from beat
and resumes whatever a killed worker left. Running any of them twice is harmless (see
certificates.services.issuance_worker).
"""

from celery import shared_task
from django.conf import settings


@shared_task(name="certificates.issue_pending", acks_late=True)
def issue_pending(max_seconds: float = 300, limit: int | None = None) -> int:
    from certificates.issuance.worker import issuance_run

    issued, more = issuance_run(max_seconds=max_seconds, limit=limit)
    if more:  # time is up and work remains: hand it on rather than hold the worker
        issue_pending.delay(max_seconds=max_seconds, limit=limit)
    return issued


@shared_task(name="certificates.sweep", acks_late=True)
def sweep(stale_seconds: int = 120) -> dict:
    from certificates.issuance.models import IssuanceRequest
    from certificates.issuance.worker import issuance_sweep

    result = issuance_sweep(stale_seconds=stale_seconds)
    if IssuanceRequest.objects.filter(status=IssuanceRequest.Status.PENDING).exists():
        issuance_kick()
    return result


@shared_task(name="certificates.render", acks_late=True)
def render(certificate_id: int) -> bool:
    from certificates.issuance.worker import issuance_render

    return issuance_render(certificate_id=certificate_id)


def issuance_kick() -> None:
    """Start the issuing tasks (called on commit of whatever created pending requests)."""
    for _ in range(settings.ISSUANCE_PARALLEL):
        issue_pending.delay()
