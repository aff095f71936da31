import json
import time

import pytest

from pilot.tasks import ping


@pytest.mark.django_db
def test_healthz_reports_database_broker_and_worker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["database"]["ok"] is True
    assert set(body) == {"database", "broker", "worker", "status"}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_task_round_trips_through_a_real_worker(celery_worker_process, client, settings):
    result = ping.delay()
    assert result.get(timeout=30) == "pong"
    if celery_worker_process is not None:
        # The worker beats every second (tests/conftest.py); each test flushes the Redis database.
        deadline = time.monotonic() + 10
        while not (body := json.loads(client.get("/healthz").content))["worker"]["ok"] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert body["broker"] == {"ok": True, "mode": "redis"}
        assert body["worker"]["ok"] is True and body["worker"]["workers"] >= 1
        assert body["status"] == "ok"


@pytest.mark.django_db
def test_with_redis_down_healthz_names_the_broker_and_answers_503(client, settings, monkeypatch, unreachable_redis):
    from pilot.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setitem(app.conf, "broker_url", f"redis://127.0.0.1:{unreachable_redis}/0")
    monkeypatch.setitem(app.conf, "broker_write_url", None)
    monkeypatch.setitem(app.conf, "broker_read_url", None)
    started = time.monotonic()
    response = client.get("/healthz")
    body = json.loads(response.content)
    assert time.monotonic() - started < 5  # the workers are not pinged through a broker that is down
    assert response.status_code == 503 and body["status"] == "down"
    assert body["broker"]["ok"] is False and body["broker"]["mode"] == "redis" and body["broker"]["error"]
    assert body["database"]["ok"] is True
    assert body["worker"] == {"ok": False, "error": "broker unreachable", "workers": 0}


@pytest.fixture
def heartbeat_redis(settings):
    """The heartbeat sorted set on the broker's Redis, emptied before and after."""
    from core.jobs import liveness

    if settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.skip("no broker: tasks run in-process and there is no worker to beat")
    client = liveness.broker_redis()
    client.delete(liveness.KEY)
    yield liveness
    client.delete(liveness.KEY)


def timed_healthz(client) -> tuple[float, dict, int]:
    started = time.perf_counter()
    response = client.get("/healthz")
    return (time.perf_counter() - started) * 1000, json.loads(response.content), response.status_code


@pytest.mark.django_db
def test_healthz_reads_the_workers_heartbeat_in_under_100_ms(client, heartbeat_redis):
    liveness = heartbeat_redis
    client.get("/healthz")  # the first call starts the probe thread
    elapsed, body, status = timed_healthz(client)
    assert elapsed < 100 and status == 200
    assert body["worker"] == {"ok": False, "workers": 0, "age_s": None} and body["status"] == "degraded"
    liveness.heartbeat_beat("w1@test")
    elapsed, body, status = timed_healthz(client)
    assert elapsed < 100 and status == 200 and body["status"] == "ok"
    assert body["worker"]["ok"] is True and body["worker"]["workers"] == 1 and body["worker"]["age_s"] < 5
    # Silent for over three intervals: no longer alive, and the age says how long.
    liveness.heartbeat_beat("w1@test", now=time.time() - 4 * liveness.stale_after())
    elapsed, body, status = timed_healthz(client)
    assert elapsed < 100 and status == 200 and body["status"] == "degraded"
    assert body["worker"]["ok"] is False and body["worker"]["age_s"] > 3 * liveness.stale_after()


@pytest.mark.django_db
def test_the_heartbeat_thread_beats_and_forgets_the_worker_at_shutdown(heartbeat_redis, settings):
    liveness = heartbeat_redis
    settings.WORKER_HEARTBEAT_SECONDS = 1
    thread = liveness.HeartbeatThread("w2@test")
    thread.start()
    deadline = time.monotonic() + 5
    while liveness.heartbeats()["workers"] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert liveness.heartbeats()["workers"] == 1
    thread.stop()
    thread.join(timeout=5)
    assert liveness.heartbeats() == {"workers": 0, "age_s": None}


@pytest.mark.django_db
def test_healthz_with_the_database_down_answers_503_in_under_100_ms(client):
    from tests.core.test_outage import database_down

    client.get("/healthz")
    with database_down():
        elapsed, body, status = timed_healthz(client)
    assert elapsed < 100 and status == 503 and body["status"] == "down"
    assert body["database"] == {"ok": False, "error": "OperationalError"}


@pytest.mark.django_db
def test_healthz_does_not_wait_for_a_database_that_hangs(client, monkeypatch):
    import threading

    from pilot import health

    release = threading.Event()
    monkeypatch.setattr(health, "_database_probe", lambda: release.wait(5) and {"ok": True})
    try:
        elapsed, body, status = timed_healthz(client)
        # HEALTHZ_TIMEOUT_MS (80) and the rest of the answer; the probe hangs for 5 s.
        assert elapsed < 500 and status == 503 and body["database"] == {"ok": False, "error": "timeout"}
        elapsed, body, status = timed_healthz(client)  # the hanging probe is not started twice
        assert elapsed < 500 and body["database"]["error"] == "timeout"
    finally:
        release.set()


@pytest.mark.django_db
def test_livez_answers_without_asking_the_database_or_the_broker(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/livez")
    assert response.status_code == 200 and response.content == b"ok"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
