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
        body = json.loads(client.get("/healthz").content)
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
