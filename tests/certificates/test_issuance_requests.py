import datetime
import decimal

import pytest
from django.db import transaction

from certificates.issuance.models import IssuanceRequest
from certificates.issuance.services import PassedResult, issuance_requests_create
from tests.accounts.factories import PersonFactory
from tests.certificates.factories import certificate_with_levels

pytestmark = pytest.mark.django_db


def _pass(result_id, certificate, person, hubei):
    return PassedResult(result_id=result_id, session_id=7, certificate_id=certificate.pk, level="junior",
                        org_id=certificate.org_id, person_id=person.pk, holder_name=person.name, id_type=person.id_type,
                        id_number=person.id_number, province_code=hubei.code, institution_id=None, site_code="0001",
                        score=decimal.Decimal("82.5"), passed_on=datetime.date(2020, 9, 20))


def test_one_request_per_pass_and_replays_add_nothing(hubei):
    certificate = certificate_with_levels()
    people = [PersonFactory() for _ in range(3)]
    passes = [_pass(100 + i, certificate, p, hubei) for i, p in enumerate(people)]
    with transaction.atomic():
        assert issuance_requests_create(passes=passes) == 3
    with transaction.atomic():
        assert issuance_requests_create(passes=passes + [_pass(200, certificate, people[0], hubei)]) == 1
    assert IssuanceRequest.objects.count() == 4
    request = IssuanceRequest.objects.get(result_id=100)
    assert request.status == "pending" and request.holder_name == people[0].name and request.province_id == "42"


def test_must_run_inside_the_finalizing_transaction(hubei, django_db_blocker):
    certificate = certificate_with_levels()
    person = PersonFactory()
    from django.db import connection

    # pytest-django wraps each test in a transaction; step outside it to see the guard.
    connection.in_atomic_block, was = False, connection.in_atomic_block
    try:
        with pytest.raises(RuntimeError):
            issuance_requests_create(passes=[_pass(1, certificate, person, hubei)])
    finally:
        connection.in_atomic_block = was
