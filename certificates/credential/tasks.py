"""Celery task of the verification counts: beat moves the lookups tallied in Redis into the table."""

from celery import shared_task

from certificates.credential.services import verification_counts_flush


@shared_task(name="certificates.verification_counts_flush", acks_late=True)
def counts_flush() -> int:
    return verification_counts_flush()
