from celery import shared_task


@shared_task(name="assessments.filing_import_run", acks_late=True)
def filing_import_run(import_id: int) -> None:
    """Process one bulk filing upload (takes the id, re-fetches, calls one service)."""
    from assessments.filings.import_jobs import filing_import_process

    filing_import_process(import_id=import_id)
