"""Settings fail closed: checked in fresh processes, since settings are read once at start."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    clean = {k: v for k, v in os.environ.items()
             if k not in ("PILOT_ENV", "SECRET_KEY", "PILOT_DEBUG", "DATABASE_URL", "ALLOWED_HOSTS",
                          "PUBLIC_BASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    clean.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True,
                          text=True, timeout=120)


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DATABASE_URL="postgres://u@127.0.0.1:1/x")
    assert result.returncode != 0 and "SECRET_KEY is required" in result.stderr


def test_production_refuses_debug():
    result = run_manage("check", SECRET_KEY="x" * 60, PILOT_DEBUG="1", DATABASE_URL="postgres://u@127.0.0.1:1/x")
    assert result.returncode != 0 and "PILOT_DEBUG" in result.stderr


def test_production_needs_a_database_url():
    result = run_manage("check", SECRET_KEY="x" * 60)
    assert result.returncode != 0 and "DATABASE_URL is required" in result.stderr


def test_production_needs_its_public_address():
    result = run_manage("check", SECRET_KEY="x" * 60, DATABASE_URL="postgres://u@127.0.0.1:1/x")
    assert result.returncode != 0 and "PUBLIC_BASE_URL is required" in result.stderr


def test_a_bad_boolean_is_refused_not_guessed():
    result = run_manage("check", PILOT_ENV="development", PILOT_DEBUG="maybe")
    assert result.returncode != 0 and "PILOT_DEBUG must be a boolean" in result.stderr


def test_check_deploy_is_clean_under_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING",
                        SECRET_KEY="k3y-" + "a1B2c3D4e5F6g7H8i9J0" * 3, ALLOWED_HOSTS="pilot.example.cn",
                        DATABASE_URL="postgres://u@127.0.0.1:1/x", PUBLIC_BASE_URL="https://pilot.example.cn")
    assert result.returncode == 0, result.stderr + result.stdout


def test_security_headers_are_sent(client, db):
    response = client.get("/account/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_production_refuses_an_sms_backend_that_sends_no_code():
    result = run_manage("check", SECRET_KEY="x" * 60, DATABASE_URL="postgres://u@127.0.0.1:1/x",
                        PUBLIC_BASE_URL="https://pilot.example.cn", SMS_BACKEND="console")
    assert result.returncode != 0 and "SMS_BACKEND=console/outbox" in result.stderr


def test_logs_are_json_in_production_and_plain_for_the_demo():
    show = ("shell", "-c", "from django.conf import settings; print(settings.LOG_FORMAT)")
    production = run_manage(*show, SECRET_KEY="x" * 60, DATABASE_URL="postgres://u@127.0.0.1:1/x",
                            PUBLIC_BASE_URL="https://pilot.example.cn", SMS_BACKEND="")
    assert production.stdout.strip().splitlines()[-1] == "json", production.stderr
    assert run_manage(*show, PILOT_ENV="demo").stdout.strip().splitlines()[-1] == "plain"
    assert run_manage(*show, PILOT_ENV="demo", LOG_FORMAT="json").stdout.strip().splitlines()[-1] == "json"
    refused = run_manage(*show, PILOT_ENV="demo", LOG_FORMAT="xml")
    assert refused.returncode != 0 and "LOG_FORMAT" in refused.stderr


def test_metrics_settings_refuse_a_short_token_and_a_bad_address():
    short = run_manage("check", PILOT_ENV="development", METRICS_TOKEN="short")
    assert short.returncode != 0 and "METRICS_TOKEN must be at least 24 characters" in short.stderr
    bad = run_manage("check", PILOT_ENV="development", METRICS_ALLOWED_IPS="10.0.0.0/8,not-an-address")
    assert bad.returncode != 0 and "'not-an-address' is not an IP address or network" in bad.stderr


def test_metrics_are_off_in_production_unless_configured_and_on_for_this_machine_in_development():
    show = "from django.conf import settings; print(repr((settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS)))"
    production = run_manage("shell", "-c", show, SECRET_KEY="x" * 60, DATABASE_URL="postgres://u@127.0.0.1:1/x",
                            PUBLIC_BASE_URL="https://pilot.example.cn")
    assert production.returncode == 0, production.stderr
    assert production.stdout.strip().splitlines()[-1] == "('', [])"
    development = run_manage("shell", "-c", show, PILOT_ENV="development")
    assert development.stdout.strip().splitlines()[-1] == "('', ['127.0.0.1', '::1'])"
