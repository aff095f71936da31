"""Links follow the address the portal is served on outside production (core.base_url)."""


import pytest

from core import base_url
from core.base_url import public_base_url, served_base_url_record


@pytest.fixture
def unset(settings, tmp_path, monkeypatch):
    settings.PUBLIC_BASE_URL = ""
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(base_url, "_last_recorded", None)
    return settings


def test_without_a_record_links_use_the_default_runserver_address(unset):
    assert public_base_url() == "http://127.0.0.1:8000"


def test_a_request_on_another_port_is_followed_by_work_outside_requests(unset, client, db):
    client.get("/verify/", HTTP_HOST="127.0.0.1:8301")
    assert public_base_url() == "http://127.0.0.1:8301"
    assert (unset.VAR_DIR / "served_base_url").read_text().strip() == "http://127.0.0.1:8301"
    # The certificate's verification link (QR code, share link) is built on it.
    from certificates.issuance.documents import verify_url

    assert verify_url("abc") == "http://127.0.0.1:8301/verify/t/abc"


def test_a_request_builds_its_links_on_its_own_address(unset, rf):
    request = rf.get("/", HTTP_HOST="localhost:9000")
    assert public_base_url(request) == "http://localhost:9000"


def test_seed_demo_records_the_address_it_will_be_served_on(unset):
    served_base_url_record("http://127.0.0.1:8301/")
    assert public_base_url() == "http://127.0.0.1:8301"


def test_an_explicit_public_base_url_wins_and_nothing_is_recorded(settings, tmp_path, client, db, monkeypatch):
    settings.PUBLIC_BASE_URL = "https://pilot.example.cn"
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(base_url, "_last_recorded", None)
    client.get("/verify/", HTTP_HOST="127.0.0.1:8301")
    assert public_base_url() == "https://pilot.example.cn"
    assert not (tmp_path / "served_base_url").exists()


def test_a_refused_host_is_never_recorded(unset, client, db):
    client.get("/verify/", HTTP_HOST="evil.example.com")
    assert public_base_url() == "http://127.0.0.1:8000"
