"""The operator's metrics endpoint (core.metrics, issue 18 item 2): who may scrape it, requests by
route, Celery queues, background jobs by state, and the multiprocess folder's upkeep."""

import datetime
import os
import uuid

import pytest
from django.conf import settings as django_settings
from prometheus_client.parser import text_string_to_metric_families

from core.jobs.services import job_claim, job_finish
from core.metrics import process, process_id
from tests.personas import sign_in
from tests.scrape import samples, value

pytestmark = pytest.mark.django_db

TOKEN = "metrics-" + "t0k3n" * 6


@pytest.fixture
def token_only(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []


def bearer(token=TOKEN) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_off_when_neither_a_token_nor_an_address_is_configured(client, settings, ministry_user):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", **bearer()).status_code == 404
    sign_in(client, ministry_user)
    assert client.get("/metrics").status_code == 404


def test_refused_without_the_token_with_a_wrong_one_and_to_any_signed_in_user(client, token_only, ministry_user):
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", **bearer("metrics-" + "wrong" * 6)).status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 403  # no scheme
    sign_in(client, ministry_user)  # the ministry's session is not an operator's credential
    assert client.get("/metrics").status_code == 403


def test_answers_with_the_token_in_the_prometheus_text_format(client, token_only):
    response = client.get("/metrics", **bearer())
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    names = {family.name for family in text_string_to_metric_families(response.content.decode())}
    assert {"pilot_http_requests", "pilot_issuance_requests", "pilot_jobs"} <= names
    assert client.post("/metrics", **bearer()).status_code == 405


def test_the_address_allow_list_takes_addresses_and_networks_never_a_forwarded_header(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["10.20.0.0/16", "192.0.2.7"]
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.8").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.20.3.4").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", **bearer()).status_code == 403  # no token configured


def test_a_request_counts_under_its_route_name_never_its_path(client, token_only):
    token = "secret" + uuid.uuid4().hex[:10]
    before = value("pilot_http_requests_total", route="verify:token", method="GET", status=200)
    latency_before = value("pilot_http_request_duration_seconds_count", route="verify:token", method="GET")
    assert client.get(f"/verify/t/{token}").status_code == 200
    assert value("pilot_http_requests_total", route="verify:token", method="GET", status=200) == before + 1
    assert value("pilot_http_request_duration_seconds_count", route="verify:token", method="GET") == latency_before + 1
    body = client.get("/metrics", **bearer()).content.decode()
    assert token not in body and "/verify/t/" not in body


def test_requests_that_never_reach_a_view_are_named_too(client):
    before = value("pilot_http_requests_total", route="unmatched", method="GET", status=404)
    client.get(f"/no-such-page-{uuid.uuid4().hex}/")
    assert value("pilot_http_requests_total", route="unmatched", method="GET", status=404) == before + 1


def test_the_jobs_gauge_follows_a_job_state_change(ministry_user):
    from assessments.reports.models import MonthlyReport

    kind = "assessments.monthlyreport"
    queued, running, done = (value("pilot_jobs", kind=kind, state=s) for s in ("queued", "running", "done"))
    report = MonthlyReport.objects.create(month=datetime.date(2026, 11, 1))
    assert value("pilot_jobs", kind=kind, state="queued") == queued + 1
    assert job_claim(MonthlyReport, report.pk, phase="plans")
    assert value("pilot_jobs", kind=kind, state="queued") == queued
    assert value("pilot_jobs", kind=kind, state="running") == running + 1
    job_finish(MonthlyReport, report.pk)
    assert value("pilot_jobs", kind=kind, state="done") == done + 1
    for kind in ("assessments.filingimport", "pilot.rolluprefresh", "pilot.indicatorrun"):
        assert ("pilot_jobs", frozenset({("kind", kind), ("state", "failed")})) in samples()


@pytest.mark.skipif(django_settings.CELERY_TASK_ALWAYS_EAGER, reason="needs Redis (set REDIS_URL)")
def test_queue_lengths_are_read_from_the_broker(monkeypatch):
    import redis

    from core.metrics import collectors

    queue = f"metrics-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(collectors, "queue_names", lambda: [queue])
    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    try:
        client.lpush(queue, "a", "b")
        client.lpush(f"{queue}\x06\x169", "c")  # a priority-9 message lives in a list of its own
        assert value("pilot_celery_queue_length", queue=queue) == 3
        assert value("pilot_celery_broker_up") == 1
    finally:
        client.delete(queue, f"{queue}\x06\x169")
    assert value("pilot_celery_queue_length", queue=queue) == 0


def test_a_broker_that_is_down_is_a_zero_not_a_failed_scrape(settings, unreachable_redis):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{unreachable_redis}/0"
    found = samples()
    assert found[("pilot_celery_broker_up", frozenset())] == 0
    assert any(name == "pilot_issuance_requests" for name, _ in found)  # the other figures still come


def test_the_default_queue_is_always_reported(settings):
    from core.metrics.collectors import queue_names

    assert settings.CELERY_TASK_DEFAULT_QUEUE in queue_names()


def _touch(path, name):
    (path / name).write_bytes(b"")
    return path / name


def test_start_clears_only_this_hosts_files_of_processes_that_are_gone(tmp_path):
    import subprocess
    import sys

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)
    dead = [_touch(tmp_path, f"counter_{process_id(dead_pid)}.db"),
            _touch(tmp_path, f"histogram_{process_id(dead_pid)}.db"),
            _touch(tmp_path, f"gauge_livesum_{process_id(dead_pid)}.db")]
    alive = _touch(tmp_path, f"counter_{process_id(os.getppid())}.db")
    mine = _touch(tmp_path, f"counter_{process_id()}.db")
    other_host = _touch(tmp_path, f"counter_worker-container-{dead_pid}.db")
    assert process.stale_files_clear(str(tmp_path)) == 3
    assert not any(path.exists() for path in dead)
    assert alive.exists() and mine.exists() and other_host.exists()


def test_a_dead_worker_loses_its_live_gauges_and_keeps_its_counters(tmp_path):
    live = _touch(tmp_path, f"gauge_livesum_{process_id(4242)}.db")
    counted = _touch(tmp_path, f"counter_{process_id(4242)}.db")
    process.process_dead(4242, str(tmp_path))
    assert not live.exists() and counted.exists()


def test_file_names_carry_no_underscore_in_the_process_part(monkeypatch):
    monkeypatch.setattr("socket.gethostname", lambda: "web_1.local")
    assert process_id(7) == "web-1.local-7"


def test_without_a_multiprocess_folder_a_process_reports_its_own_counts(tmp_path):
    """The make demo path: no PROMETHEUS_MULTIPROC_DIR, this machine allowed in development."""
    import subprocess
    import sys

    script = ("import django; django.setup()\n"
              "from django.test import Client\n"
              "client = Client()\n"
              "client.get('/healthz')\n"
              "print(client.get('/metrics', REMOTE_ADDR='10.9.9.9').status_code)\n"
              "print(client.get('/metrics').content.decode())\n")
    env = {key: value for key, value in os.environ.items()
           if key not in ("PROMETHEUS_MULTIPROC_DIR", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL",
                          "METRICS_TOKEN", "METRICS_ALLOWED_IPS")}
    env.update(PILOT_ENV="development", PILOT_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="pilot.settings")
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120,
                            cwd=django_settings.BASE_DIR)
    assert result.returncode == 0, result.stderr
    refused, body = result.stdout.split("\n", 1)
    assert refused == "403"
    assert 'pilot_http_requests_total{method="GET",route="healthz",status=' in body
    assert "_created" not in body
    assert not (tmp_path / "metrics").exists()
