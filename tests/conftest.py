import os
import shutil

import pytest
from django.conf import settings

from tests.certificates.fixtures import issued, org_actor  # noqa: F401  (a verifiable certificate, its org's actor)
from tests.personas import *  # noqa: F403  (persona fixtures for every test)
from tests.pilot.dashboard_data import dashboard_pilot  # noqa: F401  (the dashboard's small pilot)


def pytest_collection_modifyitems(config, items):
    embedded = os.environ.get("PILOT_TEST_EMBEDDED") == "1"
    if embedded and (settings.USES_POSTGRES or not settings.CELERY_TASK_ALWAYS_EAGER):
        raise pytest.UsageError("PILOT_TEST_EMBEDDED=1 is the SQLite run with in-process tasks: "
                                "unset DATABASE_URL, REDIS_URL and CELERY_BROKER_URL (see make test).")
    if settings.USES_POSTGRES:
        return
    if os.environ.get("CI") == "true" and not embedded:
        raise pytest.UsageError("CI must run on PostgreSQL: set DATABASE_URL (see .ci/run). "
                                "Only the embedded smoke run (PILOT_TEST_EMBEDDED=1, make test) uses SQLite.")
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); CI always runs it")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def tasks_in_process(monkeypatch):
    """Run sent tasks in this process, whatever the broker (as ``make demo`` does): view tests
    check the page, the worker tests check the worker. Sending still waits for the commit
    (core.jobs.queue), so a test sees the queued state inside the request's transaction."""
    from pilot.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts and ends in the default language: a request in English (the test client
    runs LocaleMiddleware in this thread) must not leave the next test's messages in English."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _migration_rows(request):
    """Every database test finds the rows the data migrations wrote (provinces, the "2357" caps,
    the beat schedules). A transactional test's flush empties them, and make test's processes hand
    tests to each other, so a plain database test may come after one."""
    if request.node.get_closest_marker("django_db") is None and not (
            {"db", "transactional_db", "live_server"} & set(request.fixturenames)):
        return
    request.getfixturevalue("_django_db_helper")
    from accounts.models import Province
    from pilot.demo import migration_rows_put_back

    if not Province.objects.exists():
        migration_rows_put_back()


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from certificates.verification import memo
    from core import ratelimit

    cache.clear()
    ratelimit._breaker.reset()
    ratelimit._local.clear()
    ratelimit._leases.clear()
    ratelimit._pending.clear()
    memo.forget_all()  # what the last test's lookups kept: its rows are gone, its stamps flushed


@pytest.fixture
def unreachable_redis(settings):
    """The cache pointed at a Redis that is not there (a closed port on loopback), as when the Redis
    server is down; the shared Redis server itself is never touched. Yields the port."""
    import socket

    from core import ratelimit

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{port}/0",
                                   "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
    yield port
    ratelimit._breaker.reset()
    ratelimit._local.clear()


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(os.environ.get("PILOT_VAR_DIR", "/nonexistent"), ignore_errors=True)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real Celery worker on Redis, consuming this run's own queue, connected to the test
    database. In the embedded mode (no REDIS_URL) tasks run in-process and this yields None.

    Tests that hand work to it must use ``django_db(transaction=True)`` so the worker sees their rows.
    """
    import subprocess
    import sys
    import time

    from django.db import connection

    if settings.CELERY_TASK_ALWAYS_EAGER:
        yield None
        return
    if not settings.USES_POSTGRES:
        pytest.skip("a real worker needs a shared database server (set DATABASE_URL)")
    db = connection.settings_dict
    env = dict(os.environ)
    env["DATABASE_URL"] = (f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or 'localhost'}:"
                           f"{db['PORT'] or 5432}/{db['NAME']}")
    env["DB_CONN_MAX_AGE"] = "0"
    # Each test flushes the Redis database the heartbeat lives in (the cache's): beat often.
    env["WORKER_HEARTBEAT_SECONDS"] = "1"
    log = open(os.path.join(os.environ["PILOT_VAR_DIR"], "celery-worker.log"), "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "pilot", "worker", "-Q", settings.CELERY_TASK_DEFAULT_QUEUE,
         "--concurrency", "2", "--without-gossip", "--without-mingle", "--loglevel", "WARNING",
         "-n", f"test-{os.getpid()}@%h"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    from pilot.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Celery worker exited early; see {log.name}")
        if app.control.ping(destination=[f"test-{os.getpid()}@{os.uname().nodename}"], timeout=0.5):
            break
    else:
        process.terminate()
        raise RuntimeError("the Celery worker did not answer within 60 s")
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()
