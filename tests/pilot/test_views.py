"""pilot.views' error handlers: JSON under /api/, the Chinese error page elsewhere."""

import pytest
from django.core.exceptions import RequestDataTooBig
from django.test import RequestFactory

from pilot import views

pytestmark = pytest.mark.django_db


def test_an_unknown_api_path_answers_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "未找到该页面或记录，或您无权查看。", "code": "not_found"}
    assert client.post("/api/v2/orgs", {}).json()["code"] == "not_found"


def test_an_unknown_page_is_the_chinese_error_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "未找到" in response.content.decode() and "<html" in response.content.decode()


def test_a_wrong_method_on_the_api_answers_json(as_user, ministry_user):
    response = as_user(ministry_user).put("/api/v1/catalog/certificates", {}, content_type="application/json")
    assert response.status_code == 405 and response["Content-Type"] == "application/json"
    assert "PUT" in response.json()["detail"]


def test_too_many_form_fields_on_a_page_is_a_chinese_400(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    response = client.post("/account/login/", {f"f{i}": "x" for i in range(10)})
    assert response.status_code == 400 and "请求无法处理" in response.content.decode()


def test_the_handlers_answer_json_under_the_api():
    request = RequestFactory().get("/api/v1/orgs")
    assert views.server_error(request).status_code == 500
    assert b'"code": "server_error"' in views.server_error(request).content
    assert views.permission_denied(request).status_code == 403
    too_big = views.bad_request(request, RequestDataTooBig())
    assert too_big.status_code == 413 and b"body_too_large" in too_big.content
