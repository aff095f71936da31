"""Celery tasks of bulk filing imports: take the id, re-fetch, call one service."""

from celery import shared_task

from assessments.filings.import_jobs import filing_import_process


@shared_task(name="assessments.filing_import_run", acks_late=True)
def filing_import_run(import_id: int) -> None:
    """Process one bulk filing upload, queued on commit by ``filing_import_start``."""
    filing_import_process(import_id=import_id)
