"""Reads of background jobs: which are alive, which are stale, which models are jobs."""

import datetime

from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.jobs.models import BackgroundJob, JobStatus

Job = type[BackgroundJob]


def stale_after_limit(model: Job, now: datetime.datetime | None = None) -> datetime.datetime:
    """A job silent since before this moment has lost its worker."""
    return (now or timezone.now()) - model.stale_after


def alive_q(model: Job, *, now: datetime.datetime | None = None) -> Q:
    """Jobs someone is working on: queued not long ago, or running with a recent heartbeat."""
    limit = stale_after_limit(model, now)
    return (Q(status=JobStatus.QUEUED, requested_at__gte=limit)
            | Q(status=JobStatus.RUNNING, heartbeat_at__gte=limit))


def stale_q(model: Job, *, now: datetime.datetime | None = None) -> Q:
    """Jobs whose worker is gone: queued and never taken, or running and silent, for ``stale_after``."""
    limit = stale_after_limit(model, now)
    return (Q(status=JobStatus.QUEUED, requested_at__lt=limit)
            | Q(status=JobStatus.RUNNING, heartbeat_at__lt=limit)
            | Q(status=JobStatus.RUNNING, heartbeat_at__isnull=True))


def jobs_alive(model: Job, *, now: datetime.datetime | None = None) -> QuerySet:
    return model.objects.filter(alive_q(model, now=now))


def jobs_stale(model: Job, *, now: datetime.datetime | None = None) -> QuerySet:
    return model.objects.filter(stale_q(model, now=now))


def job_models() -> list[Job]:
    """Every concrete job of the installed apps."""
    return [model for model in apps.get_models() if issubclass(model, BackgroundJob)]
