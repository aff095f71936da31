"""The certificates' operational figures (certificates.metrics): issuance by state and the issued
count move when a chunk is issued, here and on a real worker; verification lookups and refusals
move where the service answers or refuses."""

import os
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from certificates.issuance.worker import issuance_run
from tests.accounts.factories import PersonFactory
from tests.certificates.factories import certificate_with_levels, issuance_requests, issue_now, seal_for
from tests.scrape import value


@pytest.fixture
def certificate(org_a, settings):
    # The seal where the worker processes read it (the run's var directory), not in this test's folder.
    settings.MEDIA_ROOT = Path(os.environ["PILOT_VAR_DIR"]) / "media"
    seal_for(org_a)
    return certificate_with_levels(org=org_a, name="老年照护")


@pytest.mark.django_db
def test_issuing_a_chunk_moves_the_issued_count_and_the_states(certificate, hubei, settings,
                                                               django_capture_on_commit_callbacks):
    settings.ISSUANCE_CHUNK = 3
    settings.METRICS_ISSUED_COUNT_SECONDS = 0
    issuance_requests(certificate=certificate, province=hubei, people=[PersonFactory() for _ in range(4)])
    issued_before = value("pilot_certificates_issued_total")
    assert value("pilot_issuance_requests", state="pending") == 4
    assert value("pilot_issuance_requests", state="issued") == 0
    with django_capture_on_commit_callbacks(execute=True):
        issuance_run(limit=3, max_seconds=0.001)  # one chunk, then time is up
    assert value("pilot_certificates_issued_total") == issued_before + 3
    assert value("pilot_issuance_requests", state="pending") == 1
    assert value("pilot_issuance_requests", state="issued") == 3
    for state in ("blocked", "failed", "duplicate"):
        assert value("pilot_issuance_requests", state=state) == 0


@pytest.mark.django_db
def test_a_chunk_that_rolls_back_counts_nothing(certificate, hubei, monkeypatch, django_capture_on_commit_callbacks):
    from certificates.issuance import worker

    issuance_requests(certificate=certificate, province=hubei, people=[PersonFactory()])
    before = value("pilot_certificates_issued_total")
    monkeypatch.setattr(worker, "audit_log", lambda **kwargs: 1 / 0)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ZeroDivisionError):
        worker.issuance_claim()
    assert value("pilot_certificates_issued_total") == before


@pytest.mark.django_db
def test_blocked_requests_show_as_blocked(org_b, hubei, django_capture_on_commit_callbacks):
    no_seal = certificate_with_levels(org=org_b)
    issuance_requests(certificate=no_seal, province=hubei, people=[PersonFactory(), PersonFactory()])
    with django_capture_on_commit_callbacks(execute=True):
        issuance_run()
    assert value("pilot_issuance_requests", state="blocked") == 2


@pytest.mark.django_db
def test_the_issued_count_is_reused_for_a_while_and_the_small_states_are_not(certificate, hubei, settings):
    settings.METRICS_ISSUED_COUNT_SECONDS = 300
    issue_now(certificate=certificate, province=hubei, people=[PersonFactory()])
    assert value("pilot_issuance_requests", state="issued") == 1
    issuance_requests(certificate=certificate, province=hubei, people=[PersonFactory()])
    issue_now(certificate=certificate, province=hubei, people=[PersonFactory()])
    assert value("pilot_issuance_requests", state="issued") == 1  # cached
    assert value("pilot_issuance_requests", state="pending") == 0
    settings.METRICS_ISSUED_COUNT_SECONDS = 0
    assert value("pilot_issuance_requests", state="issued") == 3


@pytest.mark.postgres
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_chunk_issued_on_a_real_worker_is_seen_by_the_web_process(celery_worker_process, certificate, hubei,
                                                                     settings):
    """The worker writes its counts to the shared folder (PROMETHEUS_MULTIPROC_DIR): a scrape here
    adds them up with this process's own."""
    from certificates.issuance.tasks import issue_pending

    settings.METRICS_ISSUED_COUNT_SECONDS = 0

    issuance_requests(certificate=certificate, province=hubei, people=[PersonFactory() for _ in range(5)])
    before = value("pilot_certificates_issued_total")
    issue_pending.delay()
    deadline = time.monotonic() + 120
    while value("pilot_certificates_issued_total") < before + 5 and time.monotonic() < deadline:
        time.sleep(0.25)
    assert value("pilot_certificates_issued_total") == before + 5
    assert value("pilot_issuance_requests", state="issued") == 5


@pytest.fixture
def issued(certificate, hubei, db):
    (issued,) = issue_now(certificate=certificate, province=hubei, people=[PersonFactory(name="张小三")])
    return issued


def lookups(channel, outcome):
    return value("pilot_verification_lookups_total", channel=channel, outcome=outcome)


def refusals(channel, reason):
    return value("pilot_verification_refusals_total", channel=channel, reason=reason)


@pytest.mark.django_db
def test_verification_lookups_count_by_channel_and_outcome(client, issued):
    found, missed = lookups("number", "found"), lookups("number", "not_found")
    assert client.get(f"/api/v1/verify/{issued.number}", {"name": "张小三"}).json()["found"]
    assert not client.post("/verify/", {"number": issued.number, "name": "李四"}).context["verdict"].found
    assert (lookups("number", "found"), lookups("number", "not_found")) == (found + 1, missed + 1)
    by_token = lookups("token", "found")
    client.get(f"/verify/t/{issued.token}")
    assert lookups("token", "found") == by_token + 1
    forged = lookups("token", "not_found")
    client.get("/verify/t/forged-token")
    assert lookups("token", "not_found") == forged + 1


@pytest.mark.django_db
def test_refused_lookups_count_by_reason_with_the_rate_limit_among_them(client, issued, settings):
    settings.VERIFY_RATE_PER_MINUTE = 1
    incomplete, limited = refusals("number", "incomplete"), refusals("number", "rate_limited")
    assert client.get(f"/api/v1/verify/{issued.number}").status_code == 400  # a number alone
    assert client.get(f"/api/v1/verify/{issued.number}", {"name": "张小三"}).status_code == 200
    assert client.get(f"/api/v1/verify/{issued.number}", {"name": "张小三"}).status_code == 429
    assert refusals("number", "incomplete") == incomplete + 1
    assert refusals("number", "rate_limited") == limited + 1
    token_limited = refusals("token", "rate_limited")
    client.get(f"/verify/t/{issued.token}")
    assert refusals("token", "rate_limited") == token_limited + 1


@pytest.mark.django_db
def test_pdf_checks_count_genuine_forged_and_refused_files(client, issued):
    from certificates.issuance.selectors import certificate_pdf_stored

    genuine, forged, bad = lookups("pdf", "found"), lookups("pdf", "not_found"), refusals("pdf", "bad_file")
    pdf = certificate_pdf_stored(issued)
    client.post("/verify/pdf/", {"pdf": SimpleUploadedFile("c.pdf", pdf, content_type="application/pdf")})
    client.post("/verify/pdf/", {"pdf": SimpleUploadedFile("c.pdf", pdf[:-200] + b"%%EOF\n",
                                                           content_type="application/pdf")})
    client.post("/verify/pdf/", {"pdf": SimpleUploadedFile("c.pdf", b"not a pdf", content_type="application/pdf")})
    assert lookups("pdf", "found") == genuine + 1
    assert lookups("pdf", "not_found") + refusals("pdf", "bad_file") == forged + bad + 2
    assert refusals("pdf", "bad_file") == bad + 1
