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

# Under pytest-xdist (make test runs two processes) each process has its own test database
# (pytest-django suffixes its name) and its own Redis database: a test's cache.clear() flushes its
# Redis database, which must not empty the other process's rate-limit counters or queue.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and os.environ.get("REDIS_URL"):
    from urllib.parse import urlsplit, urlunsplit

    _url = urlsplit(os.environ["REDIS_URL"])
    _base = int(_url.path.strip("/") or 0)
    os.environ["REDIS_URL"] = urlunsplit(_url._replace(path=f"/{(_base + int(_worker[2:])) % 16}"))
    os.environ["PILOT_VAR_DIR"] = f"/tmp/pilot-test-{os.getpid()}"

# Metrics in multiprocess mode, as gunicorn and Celery run them: the tests' worker process writes
# beside this one, and a scrape here sees both (core.metrics). In this process's var folder (so set
# after the xdist choice above), which is removed at the end.
os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.path.join(os.environ["PILOT_VAR_DIR"], "metrics")
