"""Loaded with ``-p tests.testenv`` before Django starts: the test posture of the settings.

With DATABASE_URL and REDIS_URL set (CI) the suite runs on PostgreSQL, Redis and a real Celery
worker; without them on SQLite with in-process tasks, where PostgreSQL-only tests are skipped.
"""

import os
import uuid

os.environ["PILOT_ENV"] = "test"
os.environ.setdefault("PILOT_VAR_DIR", f"/tmp/pilot-test-{os.getpid()}")
# Playwright's sync API runs an event loop in the test thread; Django's async-safety guard would
# refuse the test's own database access because of it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# A queue of our own, so that a test run never consumes (or is consumed by) another run's tasks.
os.environ["CELERY_QUEUE"] = f"pilot-test-{uuid.uuid4().hex[:8]}"
