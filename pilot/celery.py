"""The Celery app. With no REDIS_URL, settings make tasks run in-process (the try-it default)."""

import os

from celery import Celery

from core.jobs.queue import task_packages
from core.metrics.process import celery_signals_connect

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pilot.settings")

# Every task sends only once the transaction that asked for it commits (core.jobs.queue).
app = Celery("pilot", task_cls="core.jobs.queue:OnCommitTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Every app and feature package that has a ``tasks`` module: features keep their tasks beside
# their services (core.jobs.queue.task_packages).
app.autodiscover_tasks(task_packages, related_name="tasks")
# Workers write their metrics beside gunicorn's (PROMETHEUS_MULTIPROC_DIR): keep that folder right.
celery_signals_connect()
