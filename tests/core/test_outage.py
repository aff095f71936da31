"""A database outage (issue 18, item 4): a Chinese 503 page (JSON under /api/) with Retry-After and
the request id, rendered without the database; tasks that meet it are retried with backoff."""

import contextlib
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from rest_framework.authtoken.models import Token

from core import outage

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def database_down():
    """Every statement fails as it does once PostgreSQL has gone away; yields the attempts made."""
    attempts = []

    def refuse(self, *args, **kwargs):
        attempts.append(args[0] if args else "")
        raise OperationalError("the connection is closed")

    with mock.patch.object(CursorWrapper, "execute", refuse), mock.patch.object(CursorWrapper, "executemany", refuse):
        yield attempts


@pytest.fixture
def outage_queries(monkeypatch):
    """The statements tried while the 503 answer itself was made (must be none)."""
    made = {"during": None}
    real = outage.outage_response

    def counting(request, exc=None):
        with database_down() as attempts:
            response = real(request, exc)
        made["during"] = len(attempts)
        return response

    monkeypatch.setattr(outage, "outage_response", counting)
    monkeypatch.setattr("pilot.views.outage_response", counting)
    return made


def assert_unavailable_page(response, outage_queries):
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert "服务暂时不可用" in html and "请求编号" in html and response["X-Request-ID"] in html
    assert outage_queries["during"] == 0


@pytest.mark.parametrize("path", ["/", "/catalog/", "/notices/"])
def test_public_pages_answer_503_without_the_database(client, path, outage_queries):
    client.raise_request_exception = False
    with database_down():
        response = client.get(path)
    assert_unavailable_page(response, outage_queries)


def test_sign_in_and_a_qr_link_answer_503(client, outage_queries):
    client.raise_request_exception = False
    with database_down():
        sign_in = client.post("/account/login/", {"username": "someone", "password": "Test-Passw0rd!"})
        qr = client.get("/verify/t/abcdefghijklmnopqrstuvwxyz012345")
    for response in (sign_in, qr):
        assert_unavailable_page(response, outage_queries)


def test_a_signed_in_page_answers_the_same_whatever_the_session(as_user, org_a_user, outage_queries):
    client = as_user(org_a_user)
    client.raise_request_exception = False
    with database_down():
        response = client.get("/issued/")
    assert_unavailable_page(response, outage_queries)


def test_verification_by_number_and_name_answers_503(client, outage_queries):
    client.raise_request_exception = False
    with database_down():
        response = client.post("/verify/", {"number": "X1234567890", "name": "张小三"})
    assert_unavailable_page(response, outage_queries)
    assert "张小三" not in response.content.decode()


def test_the_api_answers_json_503(client, org_a_user, outage_queries):
    token = Token.objects.create(user=org_a_user)
    client.raise_request_exception = False
    with database_down():
        public = client.get("/api/v1/verify/X1234567890", {"name": "张小三"}, HTTP_X_REQUEST_ID="api-req-0001")
        private = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Token {token.key}")
    for response in (public, private):
        assert response.status_code == 503 and response["Content-Type"] == "application/json"
        assert int(response["Retry-After"]) > 0
        body = response.json()
        assert body["code"] == "unavailable" and "数据库" in body["detail"]
    assert public.json()["request_id"] == "api-req-0001"
    assert outage_queries["during"] == 0


def test_the_page_is_translated(client, settings):
    client.raise_request_exception = False
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with database_down():
        response = client.get("/catalog/")
    assert response.status_code == 503 and "Service temporarily unavailable" in response.content.decode()


def test_a_redis_connection_error_in_a_view_is_an_outage_too():
    redis = pytest.importorskip("redis")
    assert outage.is_outage(redis.exceptions.ConnectionError("refused"))
    assert not outage.is_outage(ValueError("a bug is a bug"))


# --- tasks ------------------------------------------------------------------------------------------

def task(name):
    from core.jobs.queue import registered_task

    return registered_task(name)


@pytest.fixture
def workers_mode(settings):
    if settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.skip("tasks run in-process without a broker: nothing to retry later")


def test_every_task_retries_database_and_broker_errors_with_a_short_backoff(workers_mode, settings):
    from kombu.exceptions import OperationalError as BrokerError

    for name in ("certificates.issue_pending", "certificates.sweep", "certificates.render", "core.jobs_sweep",
                 "assessments.filing_import_run", "pilot.dashboard_refresh"):
        retried = task(name).autoretry_for
        assert OperationalError in retried and BrokerError in retried, name
        assert task(name).retry_backoff_max == settings.TASK_RETRY_BACKOFF_MAX <= 30


def test_a_task_meeting_operational_error_is_retried(workers_mode, monkeypatch, settings):
    sweep = task("core.jobs_sweep")
    monkeypatch.setattr("core.jobs.tasks.sweep", mock.Mock(side_effect=OperationalError("the connection is closed")))
    with mock.patch.object(sweep, "retry", side_effect=Retry()) as retry:
        with pytest.raises(Retry):
            sweep.run()
    (call,) = retry.call_args_list
    assert isinstance(call.kwargs["exc"], OperationalError)
    assert 0 <= call.kwargs["countdown"] <= settings.TASK_RETRY_BACKOFF_MAX


def test_an_interrupted_issuance_chunk_is_finished_by_the_retry(workers_mode, org_a, hubei, settings):
    from certificates.issuance import worker
    from certificates.issuance.models import IssuedCertificate
    from tests.accounts.factories import PersonFactory
    from tests.certificates.factories import certificate_with_levels, issuance_requests, seal_for

    seal_for(org_a)
    certificate = certificate_with_levels(org=org_a, name="Web前端开发")
    issuance_requests(certificate=certificate, province=hubei, people=[PersonFactory() for _ in range(3)])
    issue = task("certificates.issue_pending")
    real_announce = worker.issuance_announce_many
    with mock.patch.object(worker, "issuance_announce_many", side_effect=OperationalError("server closed")), \
            mock.patch.object(issue, "retry", side_effect=Retry()) as retry, pytest.raises(Retry):
        issue.run()
    call = retry.call_args
    resume = call.kwargs["kwargs"]["resume"]
    assert isinstance(call.kwargs["exc"], OperationalError) and 0 <= call.kwargs["countdown"] <= 15
    assert sorted(resume) == sorted(IssuedCertificate.objects.values_list("pk", flat=True))
    assert not IssuedCertificate.objects.filter(announced_at__isnull=False).exists()
    assert worker.issuance_announce_many is real_announce
    assert issue.run(**call.kwargs["kwargs"]) == 0  # nothing new to claim; the chunk is finished
    assert IssuedCertificate.objects.filter(announced_at__isnull=True).count() == 0
    assert IssuedCertificate.objects.exclude(pdf="").count() == 3
