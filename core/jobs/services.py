"""The moves of a background job (see ``core.jobs.models``). Each is one conditional UPDATE that
takes the job's model and id, so a task that holds only an id never loads the row to move it, and
a move is reported as done only when this caller changed the row (design rule 4).

Progress is written outside the transaction the work holds, so the polling page sees it at once;
the work's own results are saved by the job's service, in its own transaction, together with
``job_finish``.
"""

import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.jobs.models import PHASE_DONE, PHASE_WAITING, JobStatus
from core.jobs.queue import enqueue
from core.jobs.selectors import Job, alive_q, job_models, jobs_stale, stale_q


def job_request(model: Job, pk: int, *, now: datetime.datetime | None = None, **fields) -> bool:
    """Queue an existing job again (a new request for the same work) unless it is queued or
    running and alive. True when this call queued it; the caller then enqueues its task."""
    now = now or timezone.now()
    return model.objects.filter(pk=pk).exclude(alive_q(model, now=now)).update(
        status=JobStatus.QUEUED, phase=PHASE_WAITING, percent=0, message="", requested_at=now, attempts=0,
        **fields) == 1


def job_enqueue(model: Job, pk: int) -> None:
    """Send the job's task (``task_name``) with its id once the current transaction commits."""
    enqueue(model.task_name, pk)


def job_claim(model: Job, pk: int, *, phase: str, percent=None, now: datetime.datetime | None = None,
              **fields) -> bool:
    """Take a job for this worker: a queued one, or a running one whose worker stopped beating
    (a redelivered task takes it over). True for the one caller whose UPDATE changed the row."""
    now = now or timezone.now()
    takeable = Q(status=JobStatus.QUEUED) | stale_q(model, now=now)
    return model.objects.filter(pk=pk).filter(takeable).update(
        status=JobStatus.RUNNING, phase=phase, percent=_percent(model, phase, percent), started_at=now,
        heartbeat_at=now, finished_at=None, attempts=F("attempts") + 1, **fields) == 1


def _percent(model: Job, phase: str | None, percent):
    if percent is None and phase is not None:
        return model.phase_percent.get(phase)
    return percent


def job_progress(model: Job, pk: int, *, phase: str | None = None, percent=None, **fields) -> None:
    """Report progress (a phase, a percent, the job's own counters) and beat the heart. A phase
    without a percent moves the bar to the phase's share (``phase_percent``)."""
    values = {"heartbeat_at": timezone.now(), **fields}
    if phase is not None:
        values["phase"] = phase
    percent = _percent(model, phase, percent)
    if percent is not None:
        values["percent"] = percent
    model.objects.filter(pk=pk).update(**values)


def job_heartbeat(model: Job, pk: int) -> None:
    """Say the worker is still there, during work that has no new phase to report."""
    job_progress(model, pk)


def job_finish(model: Job, pk: int, *, status: str = JobStatus.DONE, **fields) -> None:
    """End the job (``done`` unless told otherwise) with the job's own result fields."""
    now = timezone.now()
    model.objects.filter(pk=pk).update(status=status, phase=PHASE_DONE, percent=100, finished_at=now,
                                       heartbeat_at=now, **fields)


def job_fail(model: Job, pk: int, *, message: str, **fields) -> None:
    job_finish(model, pk, status=JobStatus.FAILED, message=message, **fields)


def job_retry(model: Job, pk: int, *, now: datetime.datetime | None = None) -> bool:
    """Put a failed or stale job back in the queue and send its task once this commits. True when
    this call requeued it (a job that finished well, or is alive, is left alone)."""
    now = now or timezone.now()
    with transaction.atomic():
        requeued = model.objects.filter(pk=pk).filter(Q(status=JobStatus.FAILED) | stale_q(model, now=now)).update(
            status=JobStatus.QUEUED, phase=PHASE_WAITING, percent=0, message="", requested_at=now,
            finished_at=None) == 1
        if requeued:
            job_enqueue(model, pk)
    return requeued


def job_fail_stale(model: Job, pk: int, *, now: datetime.datetime | None = None) -> bool:
    """Fail a job that is still stale: its worker is gone and it has no attempt left."""
    now = now or timezone.now()
    failed = model.objects.filter(pk=pk).filter(stale_q(model, now=now)).update(
        status=JobStatus.FAILED, phase=PHASE_DONE, percent=100, finished_at=now,
        message=_("处理中断：工作进程长时间没有响应。请重新发起，或联系平台管理员。"))
    return failed == 1


def jobs_sweep(*, now: datetime.datetime | None = None) -> dict[str, dict[str, int]]:
    """Every job model's stale jobs: started again while they have attempts left, failed after.
    Run by the beat schedule (``core.jobs_sweep``); running it twice is harmless."""
    now = now or timezone.now()
    swept = {}
    for model in job_models():
        retried = failed = 0
        for pk, attempts in jobs_stale(model, now=now).values_list("pk", "attempts"):
            if attempts < model.max_attempts:
                retried += job_retry(model, pk, now=now)
            else:
                failed += job_fail_stale(model, pk, now=now)
        swept[model._meta.label] = {"retried": retried, "failed": failed}
    return swept
