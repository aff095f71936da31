"""The Celery app. With no REDIS_URL, settings make tasks run in-process (the try-it default)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pilot.settings")

app = Celery("pilot")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
