"""Gunicorn's configuration for the portal (docker-compose.yml and the Dockerfile start it with
``-c gunicorn.conf.py``). Settings come from the environment so one image fits every host."""

import os

from core.metrics.process import process_dead, stale_files_clear

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))


def on_starting(server):
    # Metrics of the previous run's processes (PROMETHEUS_MULTIPROC_DIR) would otherwise be summed
    # with the new ones for ever; a Celery worker's files on the same folder are left alone.
    removed = stale_files_clear()
    if removed:
        server.log.info("metrics: removed %d files of processes no longer running", removed)


def child_exit(server, worker):
    # A worker that exits (restart, timeout, max-requests) stops counting in live gauges at once.
    process_dead(worker.pid)
