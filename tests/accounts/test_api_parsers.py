"""accounts.api_parsers: a JSON body the API takes is an object; anything else is a 400 in Chinese."""

import pytest
from rest_framework.test import APIClient

from tests.personas import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def ministry_api(ministry_user):
    return sign_in(APIClient(), ministry_user)


@pytest.mark.parametrize("body", ["[null]", "[1]", '"name"', "1", "null", "true"])
def test_a_body_that_is_not_an_object_is_a_400_with_a_chinese_message(ministry_api, org_a, body):
    response = ministry_api.patch(f"/api/v1/orgs/{org_a.pk}", body, content_type="application/json")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert "请求内容应为 JSON 对象" in response.json()["detail"]


@pytest.mark.parametrize("body", ["{bad", '{"name": }', "[1,", "\ufeff"])
def test_malformed_json_is_a_400_with_a_chinese_message(ministry_api, org_a, body):
    response = ministry_api.patch(f"/api/v1/orgs/{org_a.pk}", body.encode(), content_type="application/json")
    assert response.status_code == 400 and "不是有效的 JSON" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/api/v1/complaints", "/api/v1/orgs", "/api/v1/fees/caps"])
def test_every_endpoint_gets_the_same_check(ministry_api, path):
    response = ministry_api.post(path, "[1]", content_type="application/json")
    assert response.status_code == 400 and "JSON 对象" in response.json()["detail"]


def test_an_object_still_goes_through(ministry_api, org_a):
    response = ministry_api.patch(f"/api/v1/orgs/{org_a.pk}", {"contact_name": "新联系人"}, format="json")
    assert response.status_code == 200 and response.json()["contact_name"] == "新联系人"
