"""Celery tasks of the monthly progress report: take an id (or a date), call one service."""

import datetime

from celery import shared_task

from assessments.reports.services import monthly_report_generate, monthly_report_scheduled_run


@shared_task(name="assessments.monthly_report_run", acks_late=True)
def monthly_report_run(report_id: int) -> None:
    """Compute and render one month's progress report, queued from the ministry's page."""
    monthly_report_generate(report_id=report_id)


@shared_task(name="assessments.monthly_report_scheduled", acks_late=True)
def monthly_report_scheduled(today: str | None = None) -> int | None:
    """Beat, on the 1st of each month (the periodic task is created by migration
    assessments.0006_monthly_report_schedule): the previous month's report. ``today`` (ISO date)
    lets an operator or a test run it as of another day."""
    day = datetime.date.fromisoformat(today) if today else None
    report = monthly_report_scheduled_run(today=day)
    return report.pk if report else None
