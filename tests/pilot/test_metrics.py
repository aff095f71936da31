"""The operator's view of the metrics (issue 18, item 2): the dashboard rollups' age, every metric the
provisioned Grafana dashboard draws exists in a scrape, and the monitoring profile of
docker-compose.yml is wired to the files in deploy/."""

import datetime
import json
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings as django_settings
from django.utils import timezone

from pilot.dashboard.models import RollupRefresh
from pilot.dashboard.rollups import rollup_refresh_now
from tests.accounts.factories import PersonFactory
from tests.certificates.factories import certificate_with_levels, issue_now, seal_for
from tests.scrape import families, samples

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy/grafana/dashboards/pilot-portal.json"
METRIC = re.compile(r"\bpilot_[a-z0-9_]+\b")


def rollup_age() -> float | None:
    return samples().get(("pilot_dashboard_rollup_age_seconds", frozenset()))


@pytest.mark.django_db
def test_rollup_age_is_absent_until_a_refresh_finishes_then_counts_from_it():
    assert rollup_age() is None
    rollup_refresh_now(trigger="manual")
    assert 0 <= rollup_age() < 60
    RollupRefresh.objects.update(finished_at=timezone.now() - datetime.timedelta(hours=1))
    assert 3590 < rollup_age() < 3660
    RollupRefresh.objects.create(status=RollupRefresh.Status.FAILED, finished_at=timezone.now())
    assert rollup_age() > 3590  # a failed refresh computed nothing


def dashboard_metrics() -> set[str]:
    board = json.loads(DASHBOARD.read_text())
    exprs = [target["expr"] for panel in board["panels"] for target in panel.get("targets", [])]
    assert exprs, "the dashboard draws nothing"
    return {name for expr in exprs for name in METRIC.findall(expr)}


@pytest.mark.django_db
def test_every_metric_the_grafana_dashboard_draws_exists_in_a_scrape(client, org_a, hubei, settings):
    settings.VERIFY_RATE_PER_MINUTE = 1
    seal_for(org_a)
    (issued,) = issue_now(certificate=certificate_with_levels(org=org_a), province=hubei, people=[PersonFactory()])
    # The actions behind the labelled figures: a request, a lookup, a refused one, a refresh.
    client.get(f"/api/v1/verify/{issued.number}", {"name": issued.holder_name})
    client.get(f"/api/v1/verify/{issued.number}", {"name": issued.holder_name})
    rollup_refresh_now(trigger="manual")
    wanted = dashboard_metrics()
    assert {"pilot_http_requests_total", "pilot_http_request_duration_seconds_bucket", "pilot_certificates_issued_total",
            "pilot_issuance_requests", "pilot_celery_queue_length", "pilot_verification_lookups_total",
            "pilot_verification_refusals_total", "pilot_jobs", "pilot_dashboard_rollup_age_seconds"} <= wanted
    missing = wanted - families()
    if django_settings.CELERY_TASK_ALWAYS_EAGER:  # no broker to read queues from (the embedded mode)
        missing -= {"pilot_celery_queue_length", "pilot_celery_broker_up"}
    assert not missing, f"the dashboard draws metrics no scrape has: {sorted(missing)}"


def test_the_dashboard_reads_the_provisioned_prometheus():
    board = json.loads(DASHBOARD.read_text())
    datasource = yaml.safe_load((ROOT / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text())
    uid = datasource["datasources"][0]["uid"]
    assert {panel["datasource"]["uid"] for panel in board["panels"]} == {uid}
    assert len({panel["id"] for panel in board["panels"]}) == len(board["panels"])


def test_compose_monitoring_profile_scrapes_the_portal_with_the_token():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert services["prometheus"]["profiles"] == ["monitoring"] == services["grafana"]["profiles"]
    for name in ("web", "migrate", "worker", "beat", "postgres", "redis"):
        assert "profiles" not in services[name]  # the portal itself starts without the profile
    mounts = [volume.split(":")[0] for service in ("prometheus", "grafana") for volume in services[service]["volumes"]]
    for mount in mounts:
        if mount.startswith("./"):
            assert (ROOT / mount).exists(), mount
    assert "metrics_token" in services["prometheus"]["secrets"]
    scrape = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())["scrape_configs"][0]
    assert scrape["metrics_path"] == "/metrics" and scrape["static_configs"][0]["targets"] == ["web:8000"]
    assert scrape["authorization"]["credentials_file"] == "/run/secrets/metrics_token"
    # Web and worker write into one shared folder, so a scrape of the web sees the workers' counts.
    for name in ("web", "worker"):
        assert services[name]["environment"]["PROMETHEUS_MULTIPROC_DIR"] == "/app/var/metrics"
        assert "metrics:/app/var/metrics" in services[name]["volumes"]
    assert "gunicorn.conf.py" in services["web"]["command"]
    assert "web" in services["web"]["environment"]["ALLOWED_HOSTS"].split(",")
