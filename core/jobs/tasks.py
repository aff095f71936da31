"""The sweep of stale background jobs (beat, ``settings.CELERY_BEAT_SCHEDULE``)."""

from celery import shared_task

from core.jobs.services import jobs_sweep as sweep


@shared_task(name="core.jobs_sweep", acks_late=True)
def jobs_sweep() -> dict:
    return sweep()
