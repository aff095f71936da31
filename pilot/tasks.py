"""Celery tasks of the pilot layer: take ids (or nothing), call one service."""

from celery import shared_task

from pilot.dashboard.rollups import rollup_changes_request, rollup_refresh_request, rollup_refresh_run


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
    """Beat, every 15 minutes: refresh what changed and was not refreshed yet (what the triggers
    after finalizing, issuing and payments do not cover: imports, amendments, trainings, plans)."""
    refresh = rollup_changes_request(trigger="schedule", enqueue=False)
    if refresh is not None:
        rollup_refresh_run(refresh_id=refresh.pk)


@shared_task(name="pilot.dashboard_rebuild_scheduled", acks_late=True)
def dashboard_rebuild_scheduled() -> None:
    """Beat, nightly: rebuild every rollup from the sources, and count ages from the new day."""
    refresh = rollup_refresh_request(actor=None, trigger="nightly", enqueue=False)
    rollup_refresh_run(refresh_id=refresh.pk)
