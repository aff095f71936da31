"""Status of the parts the portal needs: database, broker, workers, in well under 100 ms.

The database is asked in a thread of its own with a deadline (``HEALTHZ_TIMEOUT_MS``): a database
host that does not answer makes the check say "timeout" rather than hold the request (psycopg's
connect timeout cannot go below 2 s). A probe still waiting is not started twice. The broker and the
workers' heartbeat are read from Redis with short socket timeouts (core.jobs.liveness).
"""

import concurrent.futures
import threading

from django.conf import settings
from django.db import connection

from core.jobs import liveness

_pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthz-db")
_pending: concurrent.futures.Future | None = None
_lock = threading.Lock()


def _database_probe() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "engine": connection.vendor}
    except Exception as exc:  # any failure means "down": report it, do not raise
        return {"ok": False, "error": exc.__class__.__name__}
    finally:
        connection.close()  # the probe thread holds no connection between checks


def database_status() -> dict:
    global _pending
    with _lock:
        if _pending is None or _pending.done():
            _pending = _pool.submit(_database_probe)
        future = _pending
    try:
        return future.result(timeout=settings.HEALTHZ_TIMEOUT_MS / 1000)
    except concurrent.futures.TimeoutError:
        return {"ok": False, "error": "timeout"}


def broker_status() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "in-process"}
    client = liveness.broker_redis()
    if client is None:
        return {"ok": False, "mode": "other", "error": "the broker is not Redis"}
    try:
        client.ping()
        return {"ok": True, "mode": "redis"}
    except Exception as exc:
        return {"ok": False, "mode": "redis", "error": exc.__class__.__name__}


def worker_status() -> dict:
    """Alive while a worker beat in the last three heartbeat intervals."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "in-process", "workers": 0}
    try:
        beats = liveness.heartbeats()
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__, "workers": 0}
    return {"ok": beats["workers"] > 0, **beats}
