"""accounts.api_authentication: a browser session's CSRF check does not read a JSON body, so a request
the view refuses (403) never has its body read; the CSRF rules themselves are unchanged."""

import pytest
from django.test import Client

from tests.personas import sign_in

pytestmark = pytest.mark.django_db
TOKEN = "apiauthenticationtestcsrftoken00"  # 32 letters and digits: cookie and header agree


@pytest.fixture
def browser(org_a_user):
    client = sign_in(Client(enforce_csrf_checks=True), org_a_user)
    client.cookies["csrftoken"] = TOKEN
    return client


def test_a_refused_json_post_is_refused_without_parsing_its_body(browser):
    # Not JSON at all: were the body parsed during authentication, this would be a 400 parse error.
    response = browser.post("/api/v1/filings/bulk", b"{not json" * 1000, content_type="application/json",
                            HTTP_X_CSRFTOKEN=TOKEN)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_the_csrf_token_is_still_required(browser, org_a):
    refused = browser.patch(f"/api/v1/orgs/{org_a.pk}", {"contact_name": "x"}, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    form = browser.post("/api/v1/complaints", {"org": org_a.pk, "category": "other", "text": "收费不透明，额外缴费。"})
    assert form.status_code == 403 and "CSRF" in form.json()["detail"]


def test_with_the_token_a_session_post_goes_through(browser, org_a):
    response = browser.post("/api/v1/complaints", {"org": org_a.pk, "category": "other", "text": "收费不透明，额外缴费。",
                                                   "csrfmiddlewaretoken": TOKEN})
    assert response.status_code == 201


def test_the_schema_still_names_the_session_cookie(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert schema["components"]["securitySchemes"]["cookieAuth"] == {"type": "apiKey", "in": "cookie",
                                                                     "name": "sessionid"}
