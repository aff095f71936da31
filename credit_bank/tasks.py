"""Celery tasks of the credit bank: they take ids (or nothing), re-fetch, and call one service.

``credit_bank.sweep_outcomes`` runs from beat (the schedule is created by the migration
0002_sweep_schedule) and makes sure every issued certificate has its outcome even when a hook
receiver failed or a worker died between issuing and announcing. Running it twice is harmless.
"""

from celery import shared_task

from credit_bank.services import outcomes


@shared_task(name="credit_bank.sweep_outcomes", acks_late=True)
def sweep_outcomes(limit: int = 5000) -> dict:
    counts = outcomes.outcomes_sweep(limit=limit)
    if counts["recorded"] >= limit and outcomes.outcomes_sweep_has_more():
        sweep_outcomes.delay(limit=limit)  # a backlog (e.g. after an import): carry on in the next task
    return counts
