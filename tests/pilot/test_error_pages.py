"""The error answers found by the API fuzz test (tests/test_api_fuzz.py)."""

from rest_framework.authtoken.models import Token

from accounts.api import MeView


def test_an_api_path_that_does_not_resolve_answers_json_404(client, db):
    # An id the URL pattern refuses (negative, not a number) is as unknown as a path that does not exist.
    for path in ("/api/v1/nowhere", "/api/v1/sessions/-1", "/api/v1/planning-windows/null"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "未找到该页面或记录，或您无权查看。", "code": "not_found"}
    page = client.get("/nowhere/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_a_server_error_of_a_token_request_renders_the_error_page(client, org_a_user, monkeypatch):
    """The error page's context read django-otp's is_verified, which a user authenticated by an API
    token lacks (DRF replaces request.user): the 500 page itself raised and the request got no answer."""

    def broken(self, request):
        raise RuntimeError("boom")

    monkeypatch.setattr(MeView, "get", broken)
    client.raise_request_exception = False
    token = Token.objects.create(user=org_a_user)
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 500
