"""One lifecycle for every long piece of work a person waits for: a bulk filing import, a monthly
progress report, a month's org indicators, a refresh of the dashboard's rollups.

A job is a row the page polls while a Celery task does the work::

    queued ──claim──▶ running ──finish──▶ done
      ▲                  │    └──fail───▶ failed
      └──request/retry───┘  (stale: queued or silent for longer than ``stale_after``)

Each move is one conditional UPDATE (``core.jobs.services``): a caller acts only when it changed
the row, so two workers, a redelivered task, or the schedule and a click never run one job twice at
once, and a job whose worker died is taken over or failed instead of spinning for ever.

A concrete job inherits ``BackgroundJob`` and says which Celery task runs it (``task_name``), when
silence means its worker is gone (``stale_after``), how often the sweep may start it again
(``max_attempts``) and, optionally, the percent each phase stands for (``phase_percent``). It keeps
its own labels with ``job_status_field`` / ``job_phase_field`` over the shared status values.
"""

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    """The status values every job shares; a job may label them in its own words."""

    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
FINISHED = (JobStatus.DONE, JobStatus.FAILED)
# The first and the last phase of every job; the phases between are the job's own.
PHASE_WAITING = "waiting"
PHASE_DONE = "done"


def job_status_field(choices: type[models.TextChoices]) -> models.CharField:
    """The ``status`` field of a job that labels the shared values in its own words."""
    return models.CharField(_("状态"), max_length=16, choices=choices.choices, default=JobStatus.QUEUED)


def job_phase_field(choices: type[models.TextChoices]) -> models.CharField:
    """The ``phase`` field of a job with its own phases (``waiting`` first, ``done`` last)."""
    return models.CharField(_("阶段"), max_length=16, choices=choices.choices, default=PHASE_WAITING)


class BackgroundJob(models.Model):
    status = models.CharField(_("状态"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    phase = models.CharField(_("阶段"), max_length=16, default=PHASE_WAITING)
    # 0–100; None while the amount of work is not known yet (the page shows a moving bar).
    percent = models.PositiveSmallIntegerField(_("进度"), null=True, blank=True, default=0)
    message = models.TextField(_("说明"), blank=True)
    requested_at = models.DateTimeField(_("请求时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    # Moved by every progress report of the worker: a running job whose heartbeat is older than
    # ``stale_after`` has lost its worker.
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # How many times a worker took the job since it was last requested.
    attempts = models.PositiveSmallIntegerField(_("执行次数"), default=0)

    # The registered name of the Celery task that runs one job given its id.
    task_name: str = ""
    stale_after: datetime.timedelta = datetime.timedelta(minutes=10)
    max_attempts: int = 3
    phase_percent: dict[str, int] = {}

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    def progress_extra(self) -> dict:
        """What a job adds to its status answer (rows read so far, a message...)."""
        return {}

    def status_json(self) -> dict:
        """The answer of a job's status endpoint, which ``static/js/jobs.js`` polls."""
        return {"status": self.status, "status_label": self.get_status_display(), "phase": self.phase,
                "phase_label": self._phase_label(), "percent": self.percent, "finished": self.is_finished,
                **self.progress_extra()}

    def _phase_label(self) -> str:
        display = getattr(self, "get_phase_display", None)
        return str(display()) if display else self.phase
