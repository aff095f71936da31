"""/api/v1/ sites, sessions, registrations (one and bulk), scores (bulk), finalization, amendments and
score reviews: the chain over the API, the validation of the files, and the scopes of the pages."""

import datetime

import pytest

from assessments.models import AssessmentSession, Registration, Result, ScoreReview
from certificates.issuance.models import IssuanceRequest
from tests.accounts.factories import valid_id_number
from tests.assessments.factories import RegistrationFactory, ResultFactory, SessionFactory, SiteFactory

pytestmark = pytest.mark.django_db


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


@pytest.fixture
def site(org_a, hubei):
    return SiteFactory(org=org_a, province=hubei, code="4201")


@pytest.fixture
def session(certificate, site):
    return SessionFactory(certificate=certificate, site=site)


def test_the_chain_over_the_api(as_user, org_a_user, hubei_institution_user, student_user, site, certificate):
    org = as_user(org_a_user)
    created = post(org, "/api/v1/sessions", {"certificate": certificate.code, "level": "junior", "site": site.pk,
                                             "date": datetime.date.today().isoformat(), "capacity": 10})
    assert created.status_code == 201 and created.json()["assessment_type"] == "computer"
    pk = created.json()["id"]

    institution = as_user(hubei_institution_user)
    rows = [{"id_number": valid_id_number(), "name": f"学生{i}", "major_name": "软件技术"} for i in range(3)]
    bulk = post(institution, f"/api/v1/sessions/{pk}/registrations/bulk", {"rows": rows})
    assert bulk.status_code == 201 and bulk.json()["created"] == 3 and len(bulk.json()["activation_codes"]) == 3
    one = post(institution, "/api/v1/registrations", {"session": pk, "id_number": student_user.person.id_number,
                                                      "name": student_user.person.name, "major_name": "软件技术"})
    assert one.status_code == 201 and one.json()["activation_code"] is None
    assert one.json()["id_number"] == student_user.person.id_number

    org = as_user(org_a_user)
    registrations = org.get(f"/api/v1/registrations?session={pk}").json()["results"]
    assert len(registrations) == 4
    scores = [{"registration": r["id"], "score": s} for r, s in zip(registrations, ["88", "40", "缺考", "75.5"],
                                                                     strict=True)]
    saved = post(org, f"/api/v1/sessions/{pk}/results/bulk", {"rows": scores})
    assert saved.json() == {"recorded": 3, "corrected": 0, "unchanged": 0, "absent": 1, "skipped": 0}
    finalized = post(org, f"/api/v1/sessions/{pk}/finalize")
    assert finalized.json() == {"passed": 2, "failed": 1, "absent": 1, "issuance_requests": 2}
    assert IssuanceRequest.objects.count() == 2

    mine = as_user(student_user).get("/api/v1/results").json()["results"]
    assert [r["score"] for r in mine] == ["75.5"]


def test_bulk_registration_errors_by_row_and_nothing_saved(as_user, hubei_institution_user, session):
    rows = [{"id_number": valid_id_number(), "name": "甲", "major_name": "软件技术"},
            {"id_number": "42010620030515", "name": "乙", "major_name": "软件技术"},
            {"id_number": valid_id_number(), "name": "", "major_name": "软件技术"}]
    response = post(as_user(hubei_institution_user), f"/api/v1/sessions/{session.pk}/registrations/bulk",
                    {"rows": rows})
    body = response.json()
    assert response.status_code == 400 and body["code"] == "invalid_rows"
    assert {(e["row"], e["field"]) for e in body["errors"]} == {(2, "id_number"), (3, "name")}
    assert not Registration.objects.exists()


def test_bulk_registration_past_capacity(as_user, hubei_institution_user, session):
    AssessmentSession.objects.filter(pk=session.pk).update(capacity=1)
    rows = [{"id_number": valid_id_number(), "name": f"学生{i}", "major_name": "软件技术"} for i in range(2)]
    response = post(as_user(hubei_institution_user), f"/api/v1/sessions/{session.pk}/registrations/bulk",
                    {"rows": rows})
    assert response.status_code == 400 and response.json()["code"] == "capacity" and not Registration.objects.exists()


def test_bulk_scores_refused_for_people_not_registered(as_user, org_a_user, session):
    response = post(as_user(org_a_user), f"/api/v1/sessions/{session.pk}/results/bulk",
                    {"rows": [{"id_number": valid_id_number(), "score": "80"}]})
    assert response.status_code == 400 and "未报名" in response.json()["errors"][0]["message"]


def test_a_social_learner_registers_over_the_api(as_user, social_learner_user, session):
    response = post(as_user(social_learner_user), "/api/v1/registrations", {"session": session.pk})
    assert response.status_code == 201 and response.json()["channel"] == "self"
    again = post(as_user(social_learner_user), "/api/v1/registrations", {"session": session.pk})
    assert again.status_code == 400 and again.json()["code"] == "already_registered"


@pytest.mark.parametrize(("persona", "status"), [("org_b_user", 404), ("hubei_institution_user", 403),
                                                 ("hubei_user", 403), ("ministry_user", 403), ("student_user", 403)])
def test_other_roles_may_not_score_or_finalize(request, as_user, persona, status, session):
    registration = RegistrationFactory(session=session)
    client = as_user(request.getfixturevalue(persona))
    if persona == "student_user":
        AssessmentSession.objects.filter(pk=session.pk).update(status="closed")  # not open: invisible to students
        status = 404
    assert post(client, f"/api/v1/sessions/{session.pk}/results/bulk",
                {"rows": [{"registration": registration.pk, "score": "80"}]}).status_code == status
    assert post(client, f"/api/v1/sessions/{session.pk}/finalize").status_code == status
    assert not Result.objects.exists()


@pytest.mark.parametrize("persona", ["org_a_user", "hubei_user", "ministry_user"])
def test_other_roles_may_not_register_students(request, as_user, persona, session):
    client = as_user(request.getfixturevalue(persona))
    rows = [{"id_number": valid_id_number(), "name": "甲", "major_name": "软件技术"}]
    assert post(client, f"/api/v1/sessions/{session.pk}/registrations/bulk", {"rows": rows}).status_code == 403
    assert post(client, "/api/v1/registrations", {"session": session.pk, **rows[0]}).status_code == 403


@pytest.mark.parametrize("persona", ["hubei_institution_user", "hubei_user", "student_user"])
def test_only_orgs_create_sites_and_sessions(request, as_user, persona, site, certificate, hubei):
    client = as_user(request.getfixturevalue(persona))
    assert post(client, "/api/v1/sites", {"code": "0009", "name": "考点", "province": "42",
                                          "address": "武汉"}).status_code == 403
    assert post(client, "/api/v1/sessions", {"certificate": certificate.code, "level": "junior", "site": site.pk,
                                             "date": datetime.date.today().isoformat(),
                                             "capacity": 3}).status_code == 403


def test_another_orgs_site_is_not_found(as_user, org_b_user, org_b, site, other_certificate):
    response = post(as_user(org_b_user), "/api/v1/sessions", {
        "certificate": other_certificate.code, "level": "junior", "site": site.pk,
        "date": datetime.date.today().isoformat(), "capacity": 3})
    assert response.status_code == 404


def test_sites_over_the_api(as_user, org_a_user, org_b_user, site):
    created = post(as_user(org_a_user), "/api/v1/sites", {"code": "4202", "name": "江夏考点", "province": "42",
                                                          "address": "武汉市江夏区"})
    assert created.status_code == 201 and created.json()["code"] == "4202"
    assert [s["code"] for s in as_user(org_b_user).get("/api/v1/sites").json()["results"]] == []


@pytest.mark.parametrize(("persona", "sees"), [
    ("org_a_user", True), ("org_b_user", False), ("hubei_user", True), ("shandong_user", False),
    ("ministry_user", True), ("hubei_institution_user", False), ("student_user", False)])
def test_session_and_registration_lists_are_scoped(request, as_user, persona, sees, session, hubei_institution):
    AssessmentSession.objects.filter(pk=session.pk).update(status="closed")
    registration = RegistrationFactory(session=session)
    client = as_user(request.getfixturevalue(persona))
    assert (session.pk in [s["id"] for s in client.get("/api/v1/sessions").json()["results"]]) is sees
    assert (registration.pk in [r["id"] for r in client.get("/api/v1/registrations").json()["results"]]) is (
        sees and persona != "hubei_institution_user")
    assert client.get(f"/api/v1/sessions/{session.pk}").status_code == (200 if sees else 404)


def test_results_are_visible_to_the_institution_after_finalization(as_user, hubei_institution_user, session,
                                                                   hubei_institution):
    result = ResultFactory(registration=RegistrationFactory(session=session, institution=hubei_institution))
    client = as_user(hubei_institution_user)
    assert client.get("/api/v1/results").json()["results"] == []
    AssessmentSession.objects.filter(pk=session.pk).update(status="finalized")
    assert [r["id"] for r in client.get("/api/v1/results").json()["results"]] == [result.pk]


def test_ids_are_masked_for_the_province(as_user, hubei_user, session):
    registration = RegistrationFactory(session=session)
    listed = as_user(hubei_user).get("/api/v1/registrations").json()["results"]
    assert listed[0]["id_number"] != registration.person.id_number and "*" in listed[0]["id_number"]


def test_amendments_and_reviews_over_the_api(as_user, org_a_user, org_b_user, student_user, session):
    registration = RegistrationFactory(session=session, person=student_user.person)
    result = ResultFactory(registration=registration, score=50)
    AssessmentSession.objects.filter(pk=session.pk).update(status="finalized")
    student = as_user(student_user)
    created = post(student, "/api/v1/score-reviews", {"registration": registration.pk, "reason": "第 5 题漏判"})
    assert created.status_code == 201 and created.json()["status"] == "requested"
    review_id = created.json()["id"]
    assert post(as_user(org_b_user), f"/api/v1/score-reviews/{review_id}/answer",
                {"decision": "maintained", "answer": "x"}).status_code == 404
    assert post(as_user(student_user), f"/api/v1/score-reviews/{review_id}/answer",
                {"decision": "maintained", "answer": "x"}).status_code == 403
    answered = post(as_user(org_a_user), f"/api/v1/score-reviews/{review_id}/answer",
                    {"decision": "amended", "answer": "复核后更正", "score": "61"})
    assert answered.status_code == 200 and answered.json()["status"] == "amended"
    assert IssuanceRequest.objects.filter(result_id=result.pk).exists()
    amended = post(as_user(org_a_user), f"/api/v1/results/{result.pk}/amend", {"score": "63", "reason": "再核"})
    assert amended.status_code == 200 and amended.json()["score"] == "63.0"
    assert post(as_user(org_b_user), f"/api/v1/results/{result.pk}/amend",
                {"score": "70", "reason": "x"}).status_code == 404
    assert ScoreReview.objects.get().amendment.score_after == 61


def test_score_reviews_are_scoped(as_user, org_a_user, org_b_user, student_user, social_learner_user, session):
    registration = RegistrationFactory(session=session, person=student_user.person)
    ResultFactory(registration=registration, score=50)
    AssessmentSession.objects.filter(pk=session.pk).update(status="finalized")
    assert post(as_user(social_learner_user), "/api/v1/score-reviews",
                {"registration": registration.pk, "reason": "冒名申请"}).status_code == 404
    post(as_user(student_user), "/api/v1/score-reviews", {"registration": registration.pk, "reason": "请复核"})
    assert len(as_user(org_a_user).get("/api/v1/score-reviews").json()["results"]) == 1
    assert as_user(org_b_user).get("/api/v1/score-reviews").json()["results"] == []
    assert as_user(social_learner_user).get("/api/v1/score-reviews").json()["results"] == []


def test_the_schema_documents_the_pipeline(as_user, ministry_user):
    schema = as_user(ministry_user).get("/api/schema/").content.decode()
    for summary in ("培训评价组织安排考核批次", "院校批量报名", "批量录入成绩", "确认成绩", "考生申请成绩复核"):
        assert summary in schema
