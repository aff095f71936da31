"""Structured logs (issue 18, item 1): a JSON line per request and per task, with the request id,
and never an ID number, a name, a phone number, a token or a query string."""

import io
import json
import logging
import re

import pytest
from django.urls import reverse

from accounts import services as account_services
from accounts.scoping import actor_for
from certificates.credential.models import CredentialPage
from core import logs
from tests.accounts.factories import PersonFactory
from tests.certificates.factories import certificate_with_levels, issue_now, seal_for

pytestmark = pytest.mark.django_db

ID_NUMBER = re.compile(r"\d{17}[\dXx]")
REQUEST_FIELDS = {"time", "level", "logger", "message", "id", "kind", "request_id", "method", "route", "status",
                  "duration_ms", "user_id", "role"}


@pytest.fixture
def log_lines():
    """Every record logged during the test, formatted as the production handler formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


@pytest.fixture
def issued(org_a, hubei, hubei_institution, student_user):
    seal_for(org_a)
    student_user.person.phone = "13912345678"
    student_user.person.save(update_fields=["phone"])
    certificate = certificate_with_levels(org=org_a, name="Web前端开发")
    (issued,) = issue_now(certificate=certificate, province=hubei, people=[student_user.person],
                          institution=hubei_institution)
    return issued


def test_a_run_of_requests_logs_one_json_line_each_and_nothing_personal(client, as_user, issued, student_user,
                                                                         hubei_institution_user, ministry_user,
                                                                         hubei, log_lines):
    person = student_user.person
    # Sign-in through the form, and the holder shares the certificate (a token URL).
    assert client.post("/account/login/", {"username": student_user.username,
                                           "password": "Test-Passw0rd!"}).status_code == 302
    client.post(reverse("issued:share", args=[issued.number]), {"public": "on"})
    token = CredentialPage.objects.get(issued=issued).token
    # The institution sees the full ID number.
    institution = as_user(hubei_institution_user).get(reverse("issued:detail", args=[issued.number]))
    assert person.id_number in institution.content.decode()
    client.logout()
    # The public: verification by number and name (page and API, with a query string), the token page.
    assert client.post("/verify/", {"number": issued.number, "name": person.name}).status_code == 200
    api = client.get(f"/api/v1/verify/{issued.number}", {"name": person.name, "id_last4": person.id_number[-4:]})
    assert api.status_code == 200
    assert client.get(f"/c/{token}/").status_code == 200
    client.get(f"/c/{token}x/", {"id": person.id_number, "phone": person.phone})
    # Activation by code.
    _user, code = account_services.user_create(actor=actor_for(ministry_user), username="hb_new", full_name="张红",
                                               role="province", province=hubei)
    assert client.post("/account/activate/", {"username": "hb_new", "code": code, "password": "Hubei-2026-ok",
                                              "password2": "Hubei-2026-ok"}).status_code == 302

    output = log_lines.getvalue()
    for secret in (person.id_number, person.name, person.phone, token, code, "张红", "id_last4", "phone="):
        assert secret not in output, secret
    assert not ID_NUMBER.search(output)
    lines = [json.loads(line) for line in output.splitlines()]
    requests = [line for line in lines if line.get("kind") == "request"]
    assert len(requests) >= 8
    for line in requests:
        assert REQUEST_FIELDS <= set(line), line
        assert line["id"] == line["request_id"] and "/" not in line["route"]
    routes = {line["route"]: line for line in requests}
    assert routes["accounts:login"]["status"] == 302 and routes["credential:public"]["status"] in (200, 404)
    detail = routes["issued:detail"]
    assert detail["user_id"] == hubei_institution_user.pk and detail["role"] == "institution"
    assert routes["accounts:activate"]["user_id"] is None


def test_the_request_id_is_returned_and_a_sane_incoming_one_is_kept(client, log_lines):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="proxy-1234abcd")
    assert response["X-Request-ID"] == "proxy-1234abcd"
    for insane in ("short", "has spaces in it ok", "x" * 65, "<script>alert(1)</script>"):
        answered = client.get("/healthz", HTTP_X_REQUEST_ID=insane)["X-Request-ID"]
        assert answered != insane and re.fullmatch(r"[0-9a-f]{32}", answered)
    assert '"request_id": "proxy-1234abcd"' in log_lines.getvalue()


def test_error_pages_show_the_request_id(client):
    response = client.get("/nowhere/", HTTP_X_REQUEST_ID="quote-me-0001")
    assert response.status_code == 404 and response["X-Request-ID"] == "quote-me-0001"
    html = response.content.decode()
    assert "请求编号" in html and "quote-me-0001" in html


def test_messages_are_scrubbed_of_id_and_phone_numbers(log_lines):
    number = PersonFactory.build().id_number
    logging.getLogger("pilot.test").error("duplicate key (id_number)=(%s) phone 13800138000", number)
    line = json.loads(log_lines.getvalue())
    assert number not in line["message"] and "13800138000" not in line["message"]
    assert "[id-number]" in line["message"] and "[phone]" in line["message"]


def test_a_task_run_writes_one_line_with_its_id(log_lines):
    from pilot.tasks import ping

    result = ping.apply()  # run here, as a worker runs it (the same signals)
    task_lines = [json.loads(line) for line in log_lines.getvalue().splitlines() if '"kind": "task"' in line]
    assert len(task_lines) == 1
    line = task_lines[0]
    assert line["task"] == "pilot.ping" and line["status"] == "SUCCESS" and line["task_id"] == result.id
    assert line["id"] == result.id and line["duration_ms"] >= 0


def test_plain_format_is_there_for_the_demo():
    config = logs.logging_config(log_format="plain", level="INFO")
    assert config["formatters"]["default"]["()"] == "core.logs.PlainFormatter"
    assert logs.logging_config(log_format="json", level="INFO")["formatters"]["default"]["()"] == "core.logs.JsonFormatter"
