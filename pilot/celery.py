"""The Celery app. With no REDIS_URL, settings make tasks run in-process (the try-it default)."""

import os

from celery import Celery, signals

from core.jobs.liveness import heartbeat_start, heartbeat_stop
from core.jobs.queue import task_packages
from core.logs import task_logging_connect
from core.metrics.process import celery_signals_connect

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pilot.settings")

# Every task sends only once the transaction that asked for it commits (core.jobs.queue).
app = Celery("pilot", task_cls="core.jobs.queue:OnCommitTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Every app and feature package that has a ``tasks`` module: features keep their tasks beside
# their services (core.jobs.queue.task_packages).
app.autodiscover_tasks(task_packages, related_name="tasks")

# A log line per task run (core.logs), and the heartbeat /healthz reads (core.jobs.liveness).
task_logging_connect()
signals.worker_ready.connect(heartbeat_start, weak=False, dispatch_uid="pilot-heartbeat-start")
signals.worker_shutdown.connect(heartbeat_stop, weak=False, dispatch_uid="pilot-heartbeat-stop")
# Workers write their metrics beside gunicorn's (PROMETHEUS_MULTIPROC_DIR): keep that folder right.
celery_signals_connect()
