"""Personas per role (design rule 11): every endpoint is tried by the right person and the wrong one.

A ministry officer, the Hubei and the Shandong province, the Hubei pilot agency, the Hubei
alliance, an institution in Hubei and one in Shandong, two orgs, a student, a social learner, and
an anonymous visitor (the plain ``client``).
"""

import datetime

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from tests.accounts.factories import PersonFactory, UserFactory, bind
from tests.organizations.factories import AllianceFactory, InstitutionFactory, OrgFactory

PASSWORD = "Test-Passw0rd!"


def make_persona(role, *, province=None, scope_id=None, person=None, username=None):
    user = UserFactory(username=username, person=person) if username else UserFactory(person=person)
    bind(user, role, province=province, scope_id=scope_id)
    if role in ("ministry", "province", "province_agency"):
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return user


def sign_in(client, user):
    """A signed-in (and, where required, second-factor verified) browser session."""
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def provinces(db):
    """The province table (a data migration fills it; transactional tests flush it afterwards)."""
    from accounts.models import Province
    from accounts.provinces import provinces_ensure

    if Province.objects.count() < 32:
        provinces_ensure()
    return {p.code: p for p in Province.objects.all()}


@pytest.fixture
def hubei(provinces):
    return provinces["42"]


@pytest.fixture
def shandong(provinces):
    return provinces["37"]


@pytest.fixture
def org_a(db):
    return OrgFactory(name="甲培训评价组织")


@pytest.fixture
def org_b(db):
    return OrgFactory(name="乙培训评价组织")


@pytest.fixture
def hubei_alliance(hubei):
    return AllianceFactory(province=hubei)


@pytest.fixture
def hubei_institution(hubei, hubei_alliance):
    return InstitutionFactory(province=hubei, alliance=hubei_alliance)


@pytest.fixture
def shandong_institution(shandong):
    return InstitutionFactory(province=shandong)


@pytest.fixture
def ministry_user(db):
    return make_persona(Role.MINISTRY, username="moe")


@pytest.fixture
def hubei_user(hubei):
    return make_persona(Role.PROVINCE, province=hubei, username="hubei")


@pytest.fixture
def shandong_user(shandong):
    return make_persona(Role.PROVINCE, province=shandong, username="shandong")


@pytest.fixture
def hubei_agency_user(hubei):
    return make_persona(Role.PROVINCE_AGENCY, province=hubei, username="hubei_agency")


@pytest.fixture
def hubei_alliance_user(hubei, hubei_alliance):
    return make_persona(Role.ALLIANCE, province=hubei, scope_id=hubei_alliance.pk, username="alliance")


@pytest.fixture
def hubei_institution_user(hubei, hubei_institution):
    return make_persona(Role.INSTITUTION, province=hubei, scope_id=hubei_institution.pk, username="whvc")


@pytest.fixture
def shandong_institution_user(shandong, shandong_institution):
    return make_persona(Role.INSTITUTION, province=shandong, scope_id=shandong_institution.pk, username="sdjt")


@pytest.fixture
def org_a_user(org_a):
    return make_persona(Role.ORG, scope_id=org_a.pk, username="org_a")


@pytest.fixture
def org_b_user(org_b):
    return make_persona(Role.ORG, scope_id=org_b.pk, username="org_b")


@pytest.fixture
def student_person(db):
    return PersonFactory(name="李小明", birth=datetime.date(2003, 5, 15))


@pytest.fixture
def student_user(student_person):
    return make_persona(Role.STUDENT, person=student_person, username="student")


@pytest.fixture
def social_learner_user(db):
    return make_persona(Role.STUDENT, person=PersonFactory(name="赵丽华"), username="learner")


@pytest.fixture
def as_user(client):
    """``as_user(user)``: the test client signed in as ``user``."""

    def _sign_in(user):
        client.logout()
        return sign_in(client, user)

    return _sign_in
