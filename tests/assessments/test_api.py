"""/api/v1/ filings, bulk filing, totals and trainer qualifications: the scopes of the pages."""

import datetime

import pytest

from assessments.models import Filing, TrainerQualification
from tests.accounts.factories import valid_id_number
from tests.assessments.factories import FilingFactory
from tests.organizations.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_a_province_files_and_corrects_over_the_api(as_user, hubei_user, hubei_institution, certificate):
    client = as_user(hubei_user)
    body = {"institution": hubei_institution.pk, "certificate": "x10001", "year": 2020,
            "levels": {"junior": 30, "intermediate": 5}, "contact_name": "张老师", "contact_phone": "13800000000"}
    created = post(client, "/api/v1/filings", body)
    assert created.status_code == 201
    assert created.json()["outcome"] == "created" and created.json()["levels"] == {"junior": 30, "intermediate": 5}
    corrected = post(client, "/api/v1/filings", {**body, "levels": {"junior": 31}})
    assert corrected.status_code == 200 and corrected.json()["outcome"] == "corrected"
    assert corrected.json()["total_students"] == 31 and Filing.objects.count() == 1
    bad = post(client, "/api/v1/filings", {**body, "levels": {"senior": 0}})
    assert bad.status_code == 400 and bad.json()["field"] == "senior"


def test_filing_another_provinces_institution_over_the_api_is_refused(as_user, hubei_user, shandong_institution,
                                                                      certificate):
    response = post(as_user(hubei_user), "/api/v1/filings", {
        "institution": shandong_institution.pk, "certificate": certificate.code, "year": 2020,
        "levels": {"junior": 3}, "contact_name": "张老师", "contact_phone": "13800000000"})
    assert response.status_code == 404 and not Filing.objects.exists()


@pytest.mark.parametrize("persona", ["ministry_user", "hubei_agency_user", "hubei_institution_user", "org_a_user"])
def test_other_roles_may_not_file_over_the_api(request, as_user, persona, hubei_institution, certificate):
    client = as_user(request.getfixturevalue(persona))
    response = post(client, "/api/v1/filings", {
        "institution": hubei_institution.pk, "certificate": certificate.code, "year": 2020,
        "levels": {"junior": 3}, "contact_name": "张老师", "contact_phone": "13800000000"})
    assert response.status_code in (403, 404) and not Filing.objects.exists()
    assert post(client, "/api/v1/filings/bulk", {"rows": [{"school_code": "1"}]}).status_code == 403


def test_lists_detail_and_withdraw_follow_the_scopes(as_user, hubei_user, shandong_user, hubei_agency_user,
                                                     hubei_institution, certificate, ministry_user, org_b_user):
    filing = FilingFactory(institution=hubei_institution, certificate=certificate)
    assert as_user(hubei_user).get("/api/v1/filings").json()["count"] == 1
    assert as_user(shandong_user).get("/api/v1/filings").json()["count"] == 0
    assert as_user(org_b_user).get("/api/v1/filings").json()["count"] == 0
    assert as_user(ministry_user).get(f"/api/v1/filings?certificate={certificate.pk}").json()["count"] == 1
    assert as_user(shandong_user).get(f"/api/v1/filings/{filing.pk}").status_code == 404
    assert post(as_user(shandong_user), f"/api/v1/filings/{filing.pk}/withdraw", {}).status_code == 404
    assert post(as_user(hubei_agency_user), f"/api/v1/filings/{filing.pk}/withdraw", {}).status_code == 403
    withdrawn = post(as_user(hubei_user), f"/api/v1/filings/{filing.pk}/withdraw", {"reason": "停办"})
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn"] is True
    assert as_user(hubei_user).get("/api/v1/filings").json()["count"] == 0
    assert as_user(hubei_user).get("/api/v1/filings?status=all").json()["count"] == 1


def test_the_api_needs_a_signed_in_verified_user(client):
    assert client.get("/api/v1/filings").status_code == 403


def _row(institution, **overrides):
    return {"school_code": institution.school_code, "certificate": "Web前端开发", "year": 2020, "level": "初级",
            "declared_students": 40, "contact_name": "张老师", "contact_phone": "13800000000", **overrides}


def test_bulk_over_the_api_is_all_or_nothing_with_errors_per_row(as_user, hubei_user, hubei, certificate):
    a, b = InstitutionFactory.create_batch(2, province=hubei)
    client = as_user(hubei_user)
    bad = post(client, "/api/v1/filings/bulk", {"rows": [_row(a), _row(b, level="特级"), _row(b, declared_students=0)]})
    assert bad.status_code == 400
    body = bad.json()
    assert body["code"] == "invalid_rows" and "全部未保存" in body["detail"]
    assert {(e["row"], e["field"]) for e in body["errors"]} == {(2, "level"), (3, "declared_students")}
    assert not Filing.objects.exists()
    good = post(client, "/api/v1/filings/bulk", {"rows": [_row(a), _row(a, level="senior", declared_students=2),
                                                          _row(b)]})
    assert good.status_code == 200
    assert good.json() == {"rows": 3, "filings": 2, "created": 2, "corrected": 0, "unchanged": 0}
    again = post(client, "/api/v1/filings/bulk", {"rows": [_row(a), _row(a, level="senior", declared_students=2),
                                                           _row(b)]})
    assert again.json()["unchanged"] == 2 and Filing.objects.count() == 2


def test_totals_over_the_api_are_national_for_the_ministry_and_provincial_for_a_province(
        as_user, ministry_user, hubei_user, hubei_institution, shandong_institution, certificate):
    FilingFactory(institution=hubei_institution, certificate=certificate, total_students=10)
    FilingFactory(institution=shandong_institution, certificate=certificate, total_students=7)
    national = as_user(ministry_user).get("/api/v1/filings/totals").json()["results"]
    assert {(r["province"], r["students"]) for r in national} == {("42", 10), ("37", 7)}
    provincial = as_user(hubei_user).get("/api/v1/filings/totals?year=2020").json()["results"]
    assert [(r["province"], r["certificate"], r["students"]) for r in provincial] == [("42", "X10001", 10)]


def test_trainer_records_over_the_api(as_user, hubei_institution_user, org_a_user, org_b_user, hubei_user,
                                      certificate):
    number = valid_id_number(datetime.date(1984, 2, 2))
    client = as_user(hubei_institution_user)
    created = post(client, "/api/v1/trainer-qualifications", {
        "name": "王志刚", "id_number": number, "subject": "软件技术", "certificate": certificate.code,
        "training_date": "2020-08-20"})
    assert created.status_code == 201 and created.json()["id_number"] == number
    wrong = post(client, "/api/v1/trainer-qualifications", {
        "name": "王志刚", "id_number": number[:17] + ("1" if number[17] != "1" else "2"), "subject": "软件技术",
        "certificate": certificate.code, "training_date": "2020-08-20"})
    assert wrong.status_code == 400 and wrong.json()["field"] == "id_number"
    pk = created.json()["id"]
    assert post(as_user(org_b_user), f"/api/v1/trainer-qualifications/{pk}/confirm",
                {"attended": True, "qualified": True}).status_code == 404
    assert post(as_user(hubei_user), f"/api/v1/trainer-qualifications/{pk}/confirm",
                {"attended": True, "qualified": True}).status_code == 403
    confirmed = post(as_user(org_a_user), f"/api/v1/trainer-qualifications/{pk}/confirm",
                     {"attended": True, "qualified": True})
    assert confirmed.status_code == 200 and confirmed.json()["qualified"] is True
    listed = as_user(hubei_user).get("/api/v1/trainer-qualifications").json()["results"]
    assert listed[0]["id_number"] != number and listed[0]["id_number"].startswith(number[:3])
    assert as_user(org_b_user).get("/api/v1/trainer-qualifications").json()["count"] == 0
    assert post(as_user(org_a_user), "/api/v1/trainer-qualifications", {
        "name": "x", "id_number": number, "subject": "x", "certificate": certificate.code,
        "training_date": "2020-08-20"}).status_code == 403
    assert TrainerQualification.objects.count() == 1


def test_the_schema_documents_the_endpoints_with_chinese_summaries(client):
    schema = client.get("/api/schema/").content.decode()
    for path in ("/api/v1/filings/bulk", "/api/v1/filings/totals", "/api/v1/institutions",
                 "/api/v1/trainer-qualifications/{id}/confirm"):
        assert path in schema
    assert "批量备案" in schema


@pytest.mark.parametrize("path", ["/api/v1/filings", "/api/v1/filings/totals", "/api/v1/trainer-qualifications"])
def test_a_student_is_refused_every_filing_endpoint(as_user, student_user, path):
    assert as_user(student_user).get(path).status_code == 403
