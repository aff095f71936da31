import json

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
