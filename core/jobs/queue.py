"""Sending work to the workers, only once the transaction that asked for it has committed.

``OnCommitTask`` is the base of every task of the portal (``pilot.celery`` makes it the app's task
class), as pretix's ``TransactionAwareTask`` is: ``delay()`` or ``apply_async()`` inside a
transaction waits for its commit, so a worker never looks for a row that is not committed yet, and a
rollback sends nothing. Outside a transaction the task is sent at once. In the embedded mode (no
REDIS_URL: ``CELERY_TASK_ALWAYS_EAGER``, ``make demo``) the task runs in this process, after the
commit, exactly where a worker would have picked it up.

Services enqueue by the task's registered name (``enqueue("assessments.filing_import_run", pk)``),
so a service never imports the tasks module that imports it: tasks call services, never the
other way round.
"""

import functools
import logging
from pathlib import Path

from celery import current_app
from celery.contrib.django.task import DjangoTask
from celery.result import AsyncResult
from celery.utils.time import get_exponential_backoff_interval
from django.apps import apps
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)


def unreachable_errors() -> tuple[type[BaseException], ...]:
    """The errors of a database or broker that is down (or restarting): worth a retry, not a failure."""
    from django.db import InterfaceError, OperationalError
    from kombu.exceptions import OperationalError as BrokerError

    errors: list[type[BaseException]] = [OperationalError, InterfaceError, BrokerError]
    if settings.REDIS_URL or settings.CELERY_BROKER_URL:  # redis is only imported where it is used
        import redis.exceptions

        errors += [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]
    return tuple(errors)


def retry_countdown(retries: int) -> int:
    """Seconds before retry number ``retries`` + 1: 1, 2, 4... up to ``TASK_RETRY_BACKOFF_MAX``, with
    full jitter, so a database's return is met within that many seconds, not at the next sweep."""
    return get_exponential_backoff_interval(factor=1, retries=retries, maximum=settings.TASK_RETRY_BACKOFF_MAX,
                                            full_jitter=True)


class OnCommitTask(DjangoTask):
    # Every task is safe to run twice (design rule 4), so one that met a database or broker outage
    # is retried with backoff (Celery's autoretry reads these when each task is created).
    retry_backoff = True
    retry_jitter = True

    @property
    def autoretry_for(self):
        # In-process tasks (no broker) have no worker to come back later: they fail as they are.
        return () if settings.CELERY_TASK_ALWAYS_EAGER else unreachable_errors()

    @property
    def retry_backoff_max(self):
        return settings.TASK_RETRY_BACKOFF_MAX

    @property
    def max_retries(self):
        return settings.TASK_RETRY_MAX

    def apply_async(self, args=None, kwargs=None, **options) -> AsyncResult | None:
        """Send now outside a transaction; inside one, once it commits (then None is returned)."""
        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(functools.partial(self._send_after_commit, args, kwargs, options))
            return None
        return super().apply_async(args, kwargs, **options)

    def _send_after_commit(self, args, kwargs, options) -> None:
        # The work is committed by now (a queued job, a pending issuance request): a broker that is
        # down must not turn the request that saved it into an error page (the visitor would send it
        # again). The row waits in the database and the beat's sweeps send it again (core.jobs_sweep,
        # certificates.sweep); a send refused for another reason, or an in-process task's error, still raises.
        if self.app.conf.task_always_eager:
            super().apply_async(args, kwargs, **options)
            return
        try:
            super().apply_async(args, kwargs, **options)
        except unreachable_errors() as exc:
            logger.error("the broker is unreachable (%s); task %s left for the sweep", exc.__class__.__name__,
                         self.name)


def task_packages() -> list[str]:
    """Every package of the project with a ``tasks`` module: each app, each feature package of an
    app (``certificates.issuance``, ``assessments.reports``...), and this one (the sweep)."""
    root = Path(settings.BASE_DIR)
    found = ["core.jobs"]
    for config in apps.get_app_configs():
        path = Path(config.path)
        if not path.is_relative_to(root):
            continue
        if (path / "tasks.py").exists():
            found.append(config.name)
        found += [f"{config.name}.{sub.name}" for sub in sorted(path.iterdir())
                  if (sub / "tasks.py").exists() and (sub / "__init__.py").exists()]
    return found


def registered_task(name: str) -> OnCommitTask:
    """The task registered as ``name``. A web process learns its tasks on the first call, by the
    autodiscovery a worker runs at start (``pilot.celery``), done at once."""
    app = current_app
    if name not in app.tasks:
        app.autodiscover_tasks(task_packages, related_name="tasks", force=True)
    try:
        task = app.tasks[name]
    except KeyError:
        raise LookupError(f"no Celery task is registered as {name!r}") from None
    if not isinstance(task, OnCommitTask):
        raise TypeError(f"the task {name!r} is not an OnCommitTask: it could be sent before its transaction commits")
    return task


def enqueue(name: str, *args, **kwargs) -> AsyncResult | None:
    """Send the task registered as ``name`` with ``args`` once the current transaction commits
    (at once outside a transaction, when its result is returned)."""
    return registered_task(name).delay(*args, **kwargs)
