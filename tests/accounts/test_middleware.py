"""accounts.middleware: request bodies over their limit refused with 413 before they are read, and a
bare 405 turned into a Chinese page or JSON."""

import io
import json

import pytest

from organizations.complaints.models import Complaint

pytestmark = pytest.mark.django_db


class UnreadableBody(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def readable(self):
        return True

    def read(self, *args):
        raise AssertionError("the body was read")

    readinto = read


@pytest.fixture
def limits(settings):
    settings.REQUEST_BODY_MAX_BYTES = 1000
    settings.REQUEST_BULK_BODY_MAX_BYTES = 20_000
    settings.REQUEST_UPLOAD_MAX_BYTES = 50_000
    return settings


def _json_post(client, path, size, **extra):
    """A POST declaring ``size`` bytes of JSON whose body must never be read."""
    return client.generic("POST", path, b"x", content_type="application/json",
                          **{"CONTENT_LENGTH": str(size), "wsgi.input": UnreadableBody(), **extra})


def test_a_json_body_over_the_limit_is_refused_before_it_is_read(client, limits):
    response = _json_post(client, "/api/v1/complaints", 1001)
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "body_too_large" and "请求内容过大" in body["detail"] and "1000" in body["detail"]
    assert Complaint.objects.count() == 0


def test_a_form_body_over_the_limit_gets_a_chinese_page(client, limits):
    response = client.generic("POST", "/orgs/complaints/new/", b"x",
                              content_type="application/x-www-form-urlencoded",
                              **{"CONTENT_LENGTH": "5000", "wsgi.input": UnreadableBody()})
    assert response.status_code == 413 and "请求内容过大" in response.content.decode()
    assert "<html" in response.content.decode()


def test_a_body_within_the_limit_is_untouched(client, limits, org_a):
    payload = json.dumps({"org": org_a.pk, "category": "other", "text": "收费不透明，考点要求额外缴费。"})
    assert len(payload.encode()) < 1000
    response = client.post("/api/v1/complaints", payload, content_type="application/json")
    assert response.status_code == 201


def test_bulk_endpoints_take_bulk_bodies_and_no_more(as_user, hubei_user, limits):
    client = as_user(hubei_user)
    rows = [{"school_code": "4142010001", "certificate": "x", "year": 2020, "level": "初级",
             "declared_students": 1, "contact_name": "张老师", "contact_phone": "13800000000"}] * 60
    payload = json.dumps({"rows": rows})
    assert 1000 < len(payload.encode()) < 20_000
    accepted = client.post("/api/v1/filings/bulk", payload, content_type="application/json")
    assert accepted.status_code == 400 and accepted.json()["code"] == "invalid_rows"  # read and checked row by row
    refused = _json_post(client, "/api/v1/filings/bulk", 20_001)
    assert refused.status_code == 413 and refused.json()["code"] == "body_too_large"
    # Any other endpoint keeps the ordinary limit.
    assert _json_post(client, "/api/v1/filings", 1001).status_code == 413


def test_multipart_uploads_have_their_own_ceiling(client, limits):
    multipart = "multipart/form-data; boundary=XYZ"
    refused = client.generic("POST", "/api/v1/complaints", b"x", content_type=multipart,
                             **{"CONTENT_LENGTH": "50001", "wsgi.input": UnreadableBody()})
    assert refused.status_code == 413
    body = (b"--XYZ\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n" + b"a" * 2000 + b"\r\n--XYZ--\r\n")
    passed = client.generic("POST", "/api/v1/complaints", body, content_type=multipart)
    assert passed.status_code == 400 and "org" in passed.json()  # over the body limit, under the upload ceiling


def test_a_chunked_body_is_read_up_to_the_limit_and_no_further(client, limits):
    stream = io.BytesIO(b"{" + b" " * 5000 + b"}")
    response = client.generic("POST", "/api/v1/complaints", b"", content_type="application/json",
                              CONTENT_TYPE="application/json",
                              **{"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True, "wsgi.input": stream})
    assert response.status_code == 413
    assert stream.tell() == 1001  # the limit plus one byte, then refused


def test_a_small_chunked_body_is_handed_on(client, limits, org_a):
    payload = json.dumps({"org": org_a.pk, "category": "other", "text": "收费不透明，考点要求额外缴费。"}).encode()
    response = client.generic("POST", "/api/v1/complaints", b"", content_type="application/json",
                              CONTENT_TYPE="application/json",
                              **{"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True,
                                 "wsgi.input": io.BytesIO(payload)})
    assert response.status_code == 201 and Complaint.objects.count() == 1


def test_a_chunked_body_the_server_does_not_delimit_is_never_read(client, limits):
    response = client.generic("POST", "/api/v1/complaints", b"", content_type="application/json",
                              CONTENT_TYPE="application/json",
                              **{"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": UnreadableBody()})
    assert response.status_code == 400  # Django sees no body (no Content-Length): the fields are missing


def test_a_malformed_content_length_is_a_400(client):
    response = client.generic("POST", "/api/v1/complaints", b"{}", content_type="application/json",
                              CONTENT_LENGTH="lots")
    assert response.status_code == 400 and response.json()["code"] == "bad_length"


def test_a_bare_405_becomes_a_chinese_page_or_json(client, ministry_user):
    page = client.get("/account/logout/")  # require_POST
    assert page.status_code == 405 and page["Allow"] == "POST"
    assert "不支持此请求方法（GET）" in page.content.decode() and "<html" in page.content.decode()
    api = client.delete("/api/v1/verify/X123")  # DRF answers its own 405 in JSON (and Chinese)
    assert api.status_code == 405 and api["Content-Type"] == "application/json" and "DELETE" in api.json()["detail"]
