"""The credit bank's API under the same scopes as the pages: every endpoint tried by the right persona
and the wrong ones; bad inputs answered with a Chinese message and nothing saved."""

import pytest

from accounts.scoping import actor_for
from certificates.issuance.revocation import certificate_revoke
from credit_bank.models import Conversion, ConversionPolicy, ConversionRule, RecognizedOutcome, Transcript
from tests.credit_bank.factories import approve, request_conversion

pytestmark = pytest.mark.django_db
API = "/api/v1/credit"


@pytest.fixture
def conversion(outcome, rule, student_user):
    return request_conversion(student_user, outcome, rule)


def call(request, as_user, persona, method, url, data=None):
    client = request.getfixturevalue("client") if persona == "anonymous" else as_user(request.getfixturevalue(persona))
    if method == "get":
        return client.get(url, data or {})
    return client.post(url, data or {}, content_type="application/json")


SEES = ["ministry_user", "hubei_user", "hubei_agency_user", "hubei_alliance_user", "hubei_institution_user"]
SEES_NOT = ["shandong_user", "shandong_institution_user"]


def test_anonymous_callers_are_refused(client, conversion):
    for url in ("account", "outcomes", "catalog", "rules", "conversions", "stats", "policies"):
        assert client.get(f"{API}/{url}").status_code in (401, 403), url
    assert client.post(f"{API}/transcripts").status_code in (401, 403)


@pytest.mark.parametrize("persona,expected", [("student_user", 200), ("hubei_institution_user", 403),
                                              ("ministry_user", 403), ("org_a_user", 403)])
def test_my_account(request, as_user, conversion, persona, expected):
    response = call(request, as_user, persona, "get", f"{API}/account")
    assert response.status_code == expected
    if expected == 200:
        assert response.json() | {"account_number": None} == {
            "account_number": None, "outcomes": 1, "recognized_credits": "2.0", "conversions": 0,
            "converted_credits": "0.0", "pending": 1}


@pytest.mark.parametrize("persona,count", [(p, 1) for p in SEES] + [(p, 0) for p in SEES_NOT]
                         + [("student_user", 1), ("social_learner_user", 0)])
def test_outcomes_and_conversions_by_scope(request, as_user, conversion, persona, count):
    outcomes = call(request, as_user, persona, "get", f"{API}/outcomes")
    assert outcomes.status_code == 200 and outcomes.json()["count"] == count
    conversions = call(request, as_user, persona, "get", f"{API}/conversions")
    assert conversions.status_code == 200 and conversions.json()["count"] == count
    if count:
        row = outcomes.json()["results"][0]
        assert row["number"] == conversion.outcome.number and row["credits"] == "2.0"
        # Full to the person and their institution; the alliance, the province and the ministry see it masked.
        masked = persona in ("ministry_user", "hubei_user", "hubei_agency_user", "hubei_alliance_user")
        assert ("*" in row["id_number"]) == masked
        assert row["holder_name"] == conversion.person.name
    detail = call(request, as_user, persona, "get", f"{API}/conversions/{conversion.pk}")
    assert detail.status_code == (200 if count else 404)


def test_list_filters(as_user, ministry_user, conversion):
    client = as_user(ministry_user)
    assert client.get(f"{API}/outcomes", {"status": "revoked"}).json()["count"] == 0
    assert client.get(f"{API}/outcomes", {"province": "42", "level": "junior"}).json()["count"] == 1
    assert client.get(f"{API}/conversions", {"status": "approved"}).json()["count"] == 0
    assert client.get(f"{API}/conversions", {"flagged": "true"}).json()["count"] == 0
    assert client.get(f"{API}/rules", {"major_name": "软件技术", "level": "junior"}).json()["count"] == 1
    assert client.get(f"{API}/rules", {"q": "护理"}).json()["count"] == 0


@pytest.mark.parametrize("persona", ["org_a_user"])
def test_orgs_have_no_credit_bank(request, as_user, conversion, persona):
    for url in ("outcomes", "conversions", "rules", "catalog", "stats", "account"):
        assert call(request, as_user, persona, "get", f"{API}/{url}").status_code == 403, url


# --- catalog -------------------------------------------------------------------------------------------

def test_the_catalog(as_user, ministry_user, hubei_user, hubei_institution_user, student_user, certificate):
    rows = as_user(hubei_institution_user).get(f"{API}/catalog").json()
    assert {(r["level"], r["credits"], r["is_default"]) for r in rows if r["certificate_code"] == certificate.code} == {
        ("junior", "2.0", True), ("intermediate", "4.0", True), ("senior", "6.0", True)}
    assert as_user(student_user).get(f"{API}/catalog").status_code == 403
    body = {"certificate_code": certificate.code, "level": "senior", "credits": "7", "reason": "对接两门课程"}
    for user in (hubei_user, hubei_institution_user):
        assert as_user(user).post(f"{API}/catalog", body, content_type="application/json").status_code == 403
    bad = as_user(ministry_user).post(f"{API}/catalog", {**body, "credits": "40"}, content_type="application/json")
    assert bad.status_code == 400 and "不超过 16" in bad.json()["detail"]
    unknown = as_user(ministry_user).post(f"{API}/catalog", {**body, "certificate_code": "NOPE"},
                                          content_type="application/json")
    assert unknown.status_code == 404
    assert not RecognizedOutcome.objects.exists()
    made = as_user(ministry_user).post(f"{API}/catalog", body, content_type="application/json")
    assert made.status_code == 201 and made.json()["credits"] == "7.0" and made.json()["version"] == 1


# --- rules and limits -------------------------------------------------------------------------------------

RULE = {"major_name": "软件技术", "level": "junior", "course_code": "WEB101", "course_name": "Web前端开发基础",
        "course_credits": "2", "course_type": "major_basic"}


@pytest.mark.parametrize("persona,expected", [
    ("hubei_institution_user", 201), ("hubei_alliance_user", 201), ("shandong_institution_user", 404),
    ("hubei_user", 403), ("ministry_user", 403), ("student_user", 403), ("org_a_user", 403)])
def test_creating_rules(request, as_user, hubei_institution, certificate, enrolled, persona, expected):
    body = {**RULE, "institution_id": hubei_institution.pk, "certificate_code": certificate.code}
    response = call(request, as_user, persona, "post", f"{API}/rules", body)
    assert response.status_code == expected
    assert ConversionRule.objects.exists() == (expected == 201)
    if expected == 201:
        assert response.json()["current"]["course_credits"] == "2.0" and response.json()["major_code"] == "510203"


@pytest.mark.parametrize("overrides,message", [
    ({"major_name": "护理"}, "没有开设“护理”专业"), ({"course_credits": "2.5"}, "超过学分银行"),
    ({"course_credits": "abc"}, "必须是数字"), ({"course_type": "x"}, None)])
def test_bad_rules_over_the_api(as_user, hubei_institution_user, hubei_institution, certificate, enrolled, overrides,
                                message):
    body = {**RULE, **overrides, "institution_id": hubei_institution.pk, "certificate_code": certificate.code}
    response = as_user(hubei_institution_user).post(f"{API}/rules", body, content_type="application/json")
    assert response.status_code == 400
    if message:
        assert message in response.json()["detail"]
    assert not ConversionRule.objects.exists()


@pytest.mark.parametrize("persona,expected", [(p, 200) for p in SEES] + [(p, 404) for p in SEES_NOT]
                         + [("student_user", 403)])
def test_rule_detail(request, as_user, rule, persona, expected):
    assert call(request, as_user, persona, "get", f"{API}/rules/{rule.pk}").status_code == expected


@pytest.mark.parametrize("persona,expected", [
    ("hubei_institution_user", 201), ("hubei_alliance_user", 201), ("shandong_institution_user", 404),
    ("hubei_user", 403), ("ministry_user", 403), ("student_user", 403)])
def test_changing_and_withdrawing_rules(request, as_user, rule, persona, expected):
    body = {"course_name": "Web前端开发基础（新）", "course_credits": "1.5", "course_type": "major_core"}
    response = call(request, as_user, persona, "post", f"{API}/rules/{rule.pk}/versions", body)
    assert response.status_code == expected
    if expected == 201:
        assert [v["version"] for v in response.json()["versions"]] == [2, 1]
    withdraw = call(request, as_user, persona, "post", f"{API}/rules/{rule.pk}/withdraw", {"reason": "停开"})
    assert withdraw.status_code == (200 if expected == 201 else expected)
    rule.refresh_from_db()
    assert rule.status == ("withdrawn" if expected == 201 else "active")


@pytest.mark.parametrize("persona,expected", [
    ("hubei_institution_user", 200), ("hubei_alliance_user", 200), ("shandong_institution_user", 404),
    ("hubei_user", 403), ("ministry_user", 403), ("student_user", 403)])
def test_limits_over_the_api(request, as_user, hubei_institution, persona, expected):
    body = {"institution_id": hubei_institution.pk, "max_certificates_per_course": 2, "max_credits_per_certificate": "6"}
    assert call(request, as_user, persona, "post", f"{API}/policies", body).status_code == expected
    assert ConversionPolicy.objects.exists() == (expected == 200)
    if expected == 200:
        rows = call(request, as_user, persona, "get", f"{API}/policies").json()
        assert {"institution_id": hubei_institution.pk, "institution": hubei_institution.name,
                "max_certificates_per_course": 2, "max_credits_per_certificate": "6.0"} in rows


# --- conversions -------------------------------------------------------------------------------------------

def test_the_student_asks_over_the_api(as_user, student_user, outcome, rule, social_learner_user,
                                       hubei_institution_user):
    body = {"outcome_id": outcome.pk, "rule_id": rule.pk, "note": "申请"}
    other = as_user(social_learner_user).post(f"{API}/conversions", body, content_type="application/json")
    assert other.status_code == 404 and "不在您的学习账户中" in other.json()["detail"]
    staff = as_user(hubei_institution_user).post(f"{API}/conversions", body, content_type="application/json")
    assert staff.status_code == 403
    assert not Conversion.objects.exists()
    made = as_user(student_user).post(f"{API}/conversions", body, content_type="application/json")
    assert made.status_code == 201 and made.json()["status"] == "requested" and made.json()["course_code"] == "WEB101"
    again = as_user(student_user).post(f"{API}/conversions", body, content_type="application/json")
    assert again.status_code == 400 and "不能重复转换" in again.json()["detail"]
    assert Conversion.objects.count() == 1
    unknown = as_user(student_user).post(f"{API}/conversions", {**body, "rule_id": 999999},
                                         content_type="application/json")
    assert unknown.status_code == 404


def test_a_revoked_outcome_over_the_api(as_user, student_user, issued, outcome, rule, org_a_user,
                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke(actor=actor_for(org_a_user), issued=issued, reason="撤销")
    response = as_user(student_user).post(f"{API}/conversions", {"outcome_id": outcome.pk, "rule_id": rule.pk},
                                          content_type="application/json")
    assert response.status_code == 400 and "已撤销" in response.json()["detail"]
    assert not Conversion.objects.exists()


@pytest.mark.parametrize("persona,expected", [
    ("hubei_institution_user", 200), ("hubei_alliance_user", 200), ("shandong_institution_user", 404),
    ("hubei_user", 403), ("ministry_user", 403), ("student_user", 403)])
def test_deciding_over_the_api(request, as_user, conversion, persona, expected):
    response = call(request, as_user, persona, "post", f"{API}/conversions/{conversion.pk}/approve", {"credits": "2"})
    assert response.status_code == expected
    conversion.refresh_from_db()
    assert conversion.status == ("approved" if expected == 200 else "requested")
    annul = call(request, as_user, persona, "post", f"{API}/conversions/{conversion.pk}/annul", {"reason": "复核"})
    assert annul.status_code == expected


def test_decline_and_withdraw_over_the_api(as_user, outcome, rule, student_user, hubei_institution_user,
                                           social_learner_user):
    first = request_conversion(student_user, outcome, rule)
    empty = as_user(hubei_institution_user).post(f"{API}/conversions/{first.pk}/decline", {"reason": ""},
                                                 content_type="application/json")
    assert empty.status_code == 400 and "必须填写原因" in empty.json()["detail"]
    declined = as_user(hubei_institution_user).post(f"{API}/conversions/{first.pk}/decline", {"reason": "学时不足"},
                                                    content_type="application/json")
    assert declined.json()["status"] == "declined" and declined.json()["decision_reason"] == "学时不足"
    second = request_conversion(student_user, outcome, rule)
    assert as_user(social_learner_user).post(f"{API}/conversions/{second.pk}/withdraw").status_code == 404
    assert as_user(hubei_institution_user).post(f"{API}/conversions/{second.pk}/withdraw").status_code == 403
    assert as_user(student_user).post(f"{API}/conversions/{second.pk}/withdraw").json()["status"] == "withdrawn"


# --- transcripts and statistics --------------------------------------------------------------------------

def test_transcripts_over_the_api(as_user, client, outcome, rule, student_user, social_learner_user,
                                  hubei_institution_user):
    approve(hubei_institution_user, request_conversion(student_user, outcome, rule))
    issued = as_user(student_user).post(f"{API}/transcripts").json()
    assert issued["new"] is True and issued["verify_url"].endswith(Transcript.objects.get().token)
    assert as_user(student_user).post(f"{API}/transcripts").json()["new"] is False
    pdf = as_user(student_user).get(f"{API}/transcripts/{issued['number']}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert as_user(social_learner_user).get(f"{API}/transcripts/{issued['number']}/pdf").status_code == 404
    assert as_user(hubei_institution_user).post(f"{API}/transcripts").status_code == 403
    refused = as_user(social_learner_user).post(f"{API}/transcripts")
    assert refused.status_code == 400 and "还没有学习成果" in refused.json()["detail"]
    client.logout()
    token = Transcript.objects.get().token
    public = client.get(f"{API}/transcripts/verify/{token}").json()
    assert public["found"] and public["content"]["holder_name"] == "李*明"
    assert student_user.person.id_number not in str(public)
    assert client.get(f"{API}/transcripts/verify/not-a-token").status_code == 404


@pytest.mark.parametrize("persona,expected", [
    ("ministry_user", 200), ("hubei_user", 200), ("hubei_agency_user", 200), ("shandong_user", 200),
    ("hubei_institution_user", 403), ("student_user", 403)])
def test_statistics_over_the_api(request, as_user, conversion, persona, expected):
    for by in ("province", "certificate", "major"):
        response = call(request, as_user, persona, "get", f"{API}/stats", {"by": by})
        assert response.status_code == expected
        if expected == 200:
            rows = response.json()["rows"]
            assert len(rows) == (0 if persona == "shandong_user" else 1)


def test_the_schema_documents_the_credit_endpoints(client):
    schema = client.get("/api/schema/").content.decode()
    for path in ("/api/v1/credit/rules", "/api/v1/credit/conversions/{id}/approve", "/api/v1/credit/transcripts",
                 "/api/v1/credit/stats", "/api/v1/credit/transcripts/verify/{token}"):
        assert f"{path}:" in schema, path
