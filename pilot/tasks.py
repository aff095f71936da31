"""Celery tasks of the pilot layer: take ids (or nothing), call one service."""

from celery import shared_task

from pilot.dashboard.rollups import rollup_refresh_request, rollup_refresh_run


@shared_task(name="pilot.ping")
def ping() -> str:
    """Answered by a worker: /healthz and the tests use it to see that workers consume tasks."""
    return "pong"


@shared_task(name="pilot.dashboard_refresh", acks_late=True)
def dashboard_refresh(refresh_id: int) -> None:
    """Recompute the dashboard's rollups, queued by the ministry's button."""
    rollup_refresh_run(refresh_id=refresh_id)


@shared_task(name="pilot.dashboard_refresh_scheduled", acks_late=True)
def dashboard_refresh_scheduled() -> None:
    """Beat, every 15 minutes: keep the dashboard's figures at most a quarter of an hour old."""
    refresh = rollup_refresh_request(actor=None, trigger="schedule", enqueue=False)
    rollup_refresh_run(refresh_id=refresh.pk)
