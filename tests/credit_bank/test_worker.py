"""With real Celery workers on Redis and PostgreSQL: issuance started twice on the worker, the hook
delivered in the worker process, and the credit bank's sweep running at the same time still leave
exactly one outcome per certificate; the sweep on the worker records what a failed hook missed."""

import time

import pytest

from certificates.hooks import certificates_issued
from certificates.issuance.models import IssuanceRequest, IssuedCertificate
from credit_bank.models import LearningAccount, Outcome
from credit_bank.receivers import on_certificates_issued
from credit_bank.services.outcomes import outcomes_sweep
from credit_bank.tasks import sweep_outcomes
from tests.accounts.factories import PersonFactory
from tests.certificates.factories import issuance_requests, issue_now
from tests.credit_bank.factories import web_certificate

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_until(condition, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError("timed out")


def test_issuance_twice_on_the_worker_with_the_sweep_racing_gives_one_outcome_each(celery_worker_process, org_a,
                                                                                   hubei, settings):
    from certificates.issuance.tasks import issue_pending

    settings.ISSUANCE_PARALLEL = 0  # the test starts the work itself
    certificate = web_certificate(org_a)
    people = [PersonFactory() for _ in range(12)]
    issuance_requests(certificate=certificate, province=hubei, people=people)
    issue_pending.delay(limit=4)
    issue_pending.delay(limit=4)
    sweeps = [sweep_outcomes.delay() for _ in range(3)]
    wait_until(lambda: IssuedCertificate.objects.filter(announced_at__isnull=False).count() == 12
               and not IssuanceRequest.objects.filter(status="pending").exists())
    for result in sweeps:
        result.get(timeout=120)
    outcomes_sweep()
    assert sweep_outcomes.delay().get(timeout=120) == {"recorded": 0, "revoked": 0, "updated": 0}
    assert Outcome.objects.count() == 12 == IssuedCertificate.objects.count()
    assert LearningAccount.objects.count() == 12
    assert set(Outcome.objects.values_list("issued__person_id", flat=True)) == {p.pk for p in people}


def test_the_sweep_on_the_worker_records_what_a_missed_hook_left(celery_worker_process, org_a, hubei):
    certificate = web_certificate(org_a)
    certificates_issued.disconnect(dispatch_uid="credit_bank.record_outcomes")
    try:
        issue_now(certificate=certificate, province=hubei, people=[PersonFactory() for _ in range(3)])
    finally:
        certificates_issued.connect(on_certificates_issued, dispatch_uid="credit_bank.record_outcomes")
    assert IssuedCertificate.objects.count() == 3 and not Outcome.objects.exists()
    assert sweep_outcomes.delay().get(timeout=120)["recorded"] == 3
    assert Outcome.objects.filter(source="sweep").count() == 3
