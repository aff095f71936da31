import pytest

from credit_bank.models import Outcome
from tests.credit_bank.factories import enrol, issued_for, make_rule, web_certificate


@pytest.fixture
def certificate(org_a):
    return web_certificate(org_a)


@pytest.fixture
def enrolled(student_user, hubei_institution):
    """student_user studies 软件技术 at the Hubei institution."""
    return enrol(student_user.person, hubei_institution)


@pytest.fixture
def issued(student_user, certificate, hubei, hubei_institution, enrolled):
    return issued_for(student_user.person, certificate=certificate, province=hubei, institution=hubei_institution)


@pytest.fixture
def outcome(issued):
    return Outcome.objects.get(issued=issued)


@pytest.fixture
def rule(hubei_institution_user, hubei_institution, certificate, enrolled):
    return make_rule(hubei_institution_user, institution=hubei_institution, certificate=certificate)
