"""The public list of sessions open for registration (issue 17, item 3): anyone reads it without
signing in, filters it, and goes on to the session page, where a social learner registers."""

import datetime

import pytest

from assessments.models import AssessmentSession
from tests.assessments.factories import RegistrationFactory, SessionFactory, SiteFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today


def _in(days: int) -> datetime.date:
    return TODAY() + datetime.timedelta(days=days)


@pytest.fixture
def sessions(certificate, other_certificate, hubei, shandong):
    wuhan = SiteFactory(org=certificate.org, code="0001", name="武汉职业技术学院考点", province=hubei, city="武汉市")
    jinan = SiteFactory(org=other_certificate.org, code="0002", name="济南考点", province=shandong, city="济南市")
    return {
        "hubei_junior": SessionFactory(certificate=certificate, site=wuhan, date=_in(3), capacity=2),
        "hubei_senior": SessionFactory(certificate=certificate, site=wuhan, date=_in(40), level="senior", capacity=50),
        "shandong": SessionFactory(certificate=other_certificate, site=jinan, date=_in(10), capacity=30),
        "past": SessionFactory(certificate=certificate, site=wuhan, date=_in(-1)),
        "closed": SessionFactory(certificate=certificate, site=wuhan, date=_in(5),
                                 status=AssessmentSession.Status.CLOSED),
        "cancelled": SessionFactory(certificate=certificate, site=wuhan, date=_in(6),
                                    status=AssessmentSession.Status.CANCELLED),
    }


def _listed(response) -> set[int]:
    return {s.pk for s in response.context["page"]}


def test_anyone_reads_the_open_sessions_without_signing_in(client, sessions):
    response = client.get("/assessments/open/")
    assert response.status_code == 200
    assert _listed(response) == {sessions[k].pk for k in ("hubei_junior", "hubei_senior", "shandong")}
    page = response.content.decode()
    assert "武汉职业技术学院考点" in page and f"/assessments/sessions/{sessions['shandong'].pk}/" in page


def test_a_public_list_is_cacheable_for_visitors_and_private_for_the_signed_in(client, as_user, sessions,
                                                                                 student_user):
    response = client.get("/assessments/open/")
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    assert "Cookie" in response["Vary"] and "Accept-Language" in response["Vary"]
    assert not response.cookies  # no CSRF or session cookie for a shared cache to hand on
    signed_in = as_user(student_user).get("/assessments/open/")
    assert "private" in signed_in["Cache-Control"] and "public" not in signed_in["Cache-Control"]


def test_seats_left_count_active_registrations_only(client, sessions):
    full = sessions["hubei_junior"]
    RegistrationFactory(session=full)
    RegistrationFactory(session=full, status="cancelled")
    rows = {s.pk: s for s in client.get("/assessments/open/").context["page"]}
    assert rows[full.pk].seats_left == 1
    RegistrationFactory(session=full)
    response = client.get("/assessments/open/?seats=1")
    assert full.pk not in _listed(response) and "已满" not in response.content.decode()
    assert "已满" in client.get("/assessments/open/").content.decode()


@pytest.mark.parametrize(("query", "expected"), [
    ("province=37", {"shandong"}),
    ("province=42&level=senior", {"hubei_senior"}),
    ("level=junior", {"hubei_junior", "shandong"}),
    ("seats=20", {"hubei_senior", "shandong"}),
])
def test_filters(client, sessions, query, expected):
    assert _listed(client.get(f"/assessments/open/?{query}")) == {sessions[k].pk for k in expected}


def test_filter_by_certificate_and_month(client, sessions, other_certificate):
    response = client.get(f"/assessments/open/?certificate={other_certificate.pk}")
    assert _listed(response) == {sessions["shandong"].pk}
    month = sessions["hubei_senior"].date.strftime("%Y-%m")
    listed = _listed(client.get(f"/assessments/open/?month={month}"))
    assert sessions["hubei_senior"].pk in listed
    assert all(AssessmentSession.objects.get(pk=pk).date.strftime("%Y-%m") == month for pk in listed)


@pytest.mark.parametrize("query", ["month=1999-01", "seats=-3", "province=99", "level=expert"])
def test_bad_filter_values_are_named_and_ignored(client, sessions, query):
    response = client.get(f"/assessments/open/?{query}")
    assert response.status_code == 200 and response.context["filter"].form.errors
    assert 'role="alert"' in response.content.decode()


def test_no_personal_data_on_the_public_list(client, sessions):
    registration = RegistrationFactory(session=sessions["shandong"])
    page = client.get("/assessments/open/").content.decode()
    assert registration.person.name not in page and registration.person.id_number not in page


def test_the_list_exports_to_excel(client, sessions):
    response = client.get("/assessments/open/?export=xlsx&province=37")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_row_leads_to_the_registration_a_social_learner_makes(client, as_user, sessions, social_learner_user):
    target = f"/assessments/sessions/{sessions['shandong'].pk}/"
    assert client.get(target)["Location"].startswith("/account/login/")  # sign in first
    learner = as_user(social_learner_user)
    assert "我要报名" in learner.get(target).content.decode()
    response = learner.post(f"{target}self-register/")
    assert response.status_code == 302
    assert sessions["shandong"].registrations.filter(person=social_learner_user.person).exists()
