"""Celery tasks of the org behaviour indicators: take ids (or a date), call one service."""

import datetime

from celery import shared_task

from pilot.indicators import services


@shared_task(name="pilot.indicator_run", acks_late=True)
def indicator_run(run_id: int) -> None:
    """Compute one month's indicators, queued from the ministry's page."""
    services.indicator_run_generate(run_id=run_id)


@shared_task(name="pilot.indicator_run_scheduled", acks_late=True)
def indicator_run_scheduled(today: str | None = None) -> int | None:
    """Beat, on the 1st of each month (settings.CELERY_BEAT_SCHEDULE): the previous month's
    indicators. ``today`` (ISO date) lets an operator or a test run it as of another day."""
    day = datetime.date.fromisoformat(today) if today else None
    run = services.indicator_run_scheduled(today=day)
    return run.pk if run else None
