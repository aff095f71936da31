"""Fixtures for every test (tests/conftest.py), used by the verification, OFD browser and Redis drill
tests: the certificate the public verification tests look up (张小三's 老年照护, org A's, with a seal) and
the org's actor who revokes and reissues it. A module's own ``issued`` takes precedence."""

import pytest

from tests.accounts.factories import PersonFactory
from tests.certificates.factories import certificate_with_levels, issue_now, seal_for


@pytest.fixture
def issued(org_a, hubei):
    seal_for(org_a)
    certificate = certificate_with_levels(org=org_a, name="老年照护")
    (issued,) = issue_now(certificate=certificate, province=hubei, people=[PersonFactory(name="张小三")])
    return issued


@pytest.fixture
def org_actor(org_a_user):
    from accounts.scoping import actor_for

    return actor_for(org_a_user)
