"""core.api_errors: refusals map to JSON with their status and headers, never to a server error."""

import pytest
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import UnreadablePostError
from rest_framework.test import APIClient

from core.api_errors import exception_handler, request_refusal
from core.errors import Throttled

pytestmark = pytest.mark.django_db


def test_an_app_error_carries_its_headers():
    response = exception_handler(Throttled("慢一点", retry_after=41.2), {})
    assert response.status_code == 429 and response["Retry-After"] == "42"
    assert response.data == {"detail": "慢一点", "code": "throttled"}


def test_requests_django_refuses_while_reading_them_are_4xx():
    assert request_refusal(RequestDataTooBig())[0] == 413
    assert request_refusal(TooManyFieldsSent())[0] == 400
    assert request_refusal(UnreadablePostError())[0] == 400
    assert request_refusal(ValueError()) is None


def test_too_many_form_fields_to_the_api_is_a_400_json(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    response = APIClient().post("/api/v1/complaints", {f"f{i}": "x" for i in range(10)})
    assert response.status_code == 400 and response.json()["code"] == "bad_request"
    assert "字段或文件过多" in response.json()["detail"]
