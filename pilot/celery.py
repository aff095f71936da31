"""The Celery app. With no REDIS_URL, settings make tasks run in-process (the try-it default)."""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pilot.settings")

# Every task sends only once the transaction that asked for it commits (core.jobs.queue).
app = Celery("pilot", task_cls="core.jobs.queue:OnCommitTask")
app.config_from_object("django.conf:settings", namespace="CELERY")


def _packages_with_tasks() -> list[str]:
    """Every app and feature package (``certificates.issuance``, ``assessments.reports``…) that
    has a ``tasks`` module: features keep their tasks beside their services."""
    from django.apps import apps

    found = ["core.jobs"]  # the sweep of stale background jobs; core is a library, not an app
    for config in apps.get_app_configs():
        root = Path(config.path)
        if not root.is_relative_to(Path(__file__).resolve().parent.parent):
            continue
        if (root / "tasks.py").exists():
            found.append(config.name)
        found += [f"{config.name}.{sub.name}" for sub in sorted(root.iterdir())
                  if (sub / "tasks.py").exists() and (sub / "__init__.py").exists()]
    return found


app.autodiscover_tasks(_packages_with_tasks, related_name="tasks")
