"""The fees API: each endpoint tried by the right role, refused for the wrong role or scope (403/404,
anonymous 401/403), bad inputs answered with the services' Chinese messages and nothing saved."""

import datetime
from decimal import Decimal

import pytest

from accounts.scoping import actor_for
from fees import services
from fees.models import CostCap, FeePayment, FeeStandard, FeeThread, FeeVersion
from tests.fees.conftest import finalized_session, items

pytestmark = pytest.mark.django_db
D = datetime.date


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def _proposal(certificate, **amounts):
    return {"certificate": certificate.code, "level": "junior", "province": "42", "note": "首次提议",
            "items": {k: {"amount": v, "basis": f"{k} 测算"} for k, v in amounts.items()}}


@pytest.fixture
def thread(org_a_user, web_certificate, hubei):
    return services.fee_proposal_submit(actor=actor_for(org_a_user), certificate=web_certificate, level="junior",
                                        province=hubei, items=items(question_bank="150", exam_system="100")).thread


@pytest.fixture
def verified(thread, hubei_user):
    return services.fee_version_verify(actor=actor_for(hubei_user), version=thread.versions.get(),
                                       effective_from=D(2020, 9, 1))


def _nothing_saved(threads=0, versions=0, standards=0, payments=0, caps=4):
    assert (FeeThread.objects.count(), FeeVersion.objects.count(), FeeStandard.objects.count(),
            FeePayment.objects.count(), CostCap.objects.count()) == (threads, versions, standards, payments, caps)


# --- caps -----------------------------------------------------------------------------------------

def test_caps_are_public_and_only_the_ministry_sets_a_new_version(client, as_user, ministry_user, hubei_user):
    body = client.get("/api/v1/fees/caps").json()
    assert {c["assessment_type"]: c["amount"] for c in body["results"]} == {
        "paper": "200.00", "computer": "300.00", "practical_general": "500.00", "practical_special": "700.00"}
    new = {"assessment_type": "computer", "amount": "320", "effective_from": "2021-01-01", "basis": "新公告"}
    assert _post(client, "/api/v1/fees/caps", new).status_code == 401
    assert _post(as_user(hubei_user), "/api/v1/fees/caps", new).status_code == 403
    response = _post(as_user(ministry_user), "/api/v1/fees/caps", new)
    assert response.status_code == 201 and response.json()["amount"] == "320.00"
    again = _post(as_user(ministry_user), "/api/v1/fees/caps", new)
    assert again.status_code == 400 and "已有上限版本" in again.json()["detail"]
    assert CostCap.objects.count() == 5


# --- proposals, counter-proposals, verification ---------------------------------------------------

def test_org_proposes_alliance_counters_province_verifies(as_user, org_a_user, hubei_alliance_user, hubei_user,
                                                        web_certificate):
    response = _post(as_user(org_a_user), "/api/v1/fees/proposals",
                     _proposal(web_certificate, question_bank="150.50", exam_system="100"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "negotiating" and body["waiting_days"] == 0
    assert body["versions"][0]["total"] == "250.50" and body["versions"][0]["author_role"] == "org"
    pk = body["id"]
    response = _post(as_user(hubei_alliance_user), f"/api/v1/fees/threads/{pk}/counter-proposals",
                     {"items": {"question_bank": {"amount": "120"}, "exam_system": {"amount": "100"}}, "note": "压低题库"})
    assert response.status_code == 201, response.content
    second = response.json()["versions"][1]
    assert second["total"] == "220.00" and second["changed"] == ["question_bank"]
    response = _post(as_user(hubei_user), f"/api/v1/fees/threads/{pk}/verification",
                     {"version": second["id"], "effective_from": "2020-09-01"})
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "220.00" and response.json()["effective_until"] is None
    detail = as_user(org_a_user).get(f"/api/v1/fees/threads/{pk}").json()
    assert detail["status"] == "verified" and detail["waiting_days"] is None and len(detail["standards"]) == 1


@pytest.mark.parametrize("persona", ["hubei_user", "hubei_agency_user", "hubei_alliance_user", "ministry_user",
                                     "hubei_institution_user", "org_b_user"])
def test_only_the_owning_org_proposes(request, as_user, persona, web_certificate):
    response = _post(as_user(request.getfixturevalue(persona)), "/api/v1/fees/proposals",
                     _proposal(web_certificate, question_bank="100"))
    assert response.status_code == 403
    _nothing_saved()


def test_anonymous_is_asked_to_authenticate(client, thread, web_certificate):
    assert _post(client, "/api/v1/fees/proposals", _proposal(web_certificate, question_bank="1")).status_code == 401
    for url in ("/api/v1/fees/threads", f"/api/v1/fees/threads/{thread.pk}", "/api/v1/fees/dues",
                "/api/v1/fees/outstanding", "/api/v1/fees/payments"):
        assert client.get(url).status_code == 401, url
    assert _post(client, f"/api/v1/fees/threads/{thread.pk}/counter-proposals",
                 {"items": {"question_bank": {"amount": "1"}}}).status_code == 401


@pytest.mark.parametrize(("amounts", "message"), [
    ({"question_bank": "200", "exam_system": "100.01"}, "超过“机考”考核成本上限 300.00"),
    ({"question_bank": "-1"}, "不能为负数"),
    ({"question_bank": "10.005"}, "最多保留两位小数"),
    ({"printing": "10"}, "不能列支“试卷印刷”"),
    ({"fortune_telling": "10"}, "未知费用项目"),
])
def test_bad_proposals_are_refused_in_chinese_and_save_nothing(as_user, org_a_user, web_certificate, amounts,
                                                               message):
    response = _post(as_user(org_a_user), "/api/v1/fees/proposals", _proposal(web_certificate, **amounts))
    assert response.status_code == 400 and message in response.json()["detail"], response.content
    _nothing_saved()


def test_unknown_certificate_or_province_is_refused(as_user, org_a_user, web_certificate):
    client = as_user(org_a_user)
    response = _post(client, "/api/v1/fees/proposals", {**_proposal(web_certificate, question_bank="1"),
                                                         "certificate": "X99999"})
    assert response.status_code == 400 and "不在证书目录中" in response.json()["detail"]
    response = _post(client, "/api/v1/fees/proposals", {**_proposal(web_certificate, question_bank="1"),
                                                         "province": "99"})
    assert response.status_code == 400 and "省份代码" in response.json()["detail"]
    _nothing_saved()


def test_threads_are_scoped(as_user, thread, org_a_user, hubei_agency_user, hubei_alliance_user, ministry_user,
                            shandong_user, org_b_user, hubei_institution_user, student_user):
    for user in (org_a_user, hubei_agency_user, hubei_alliance_user, ministry_user):
        client = as_user(user)
        assert [t["id"] for t in client.get("/api/v1/fees/threads?status=negotiating").json()["results"]] == [thread.pk]
        assert client.get(f"/api/v1/fees/threads/{thread.pk}").status_code == 200
    for user in (shandong_user, org_b_user):
        client = as_user(user)
        assert client.get("/api/v1/fees/threads").json()["count"] == 0
        assert client.get(f"/api/v1/fees/threads/{thread.pk}").status_code == 404
    for user in (hubei_institution_user, student_user):
        assert as_user(user).get("/api/v1/fees/threads").status_code == 403
        assert as_user(user).get(f"/api/v1/fees/threads/{thread.pk}").status_code == 404
    assert as_user(ministry_user).get("/api/v1/fees/threads?status=closed").status_code == 400


def test_counter_proposals_only_by_the_provinces_agency_or_alliance(request, as_user, thread, org_a_user,
                                                                   hubei_user, ministry_user, shandong_user):
    body = {"items": {"question_bank": {"amount": "100"}}}
    for user in (org_a_user, hubei_user, ministry_user):
        assert _post(as_user(user), f"/api/v1/fees/threads/{thread.pk}/counter-proposals", body).status_code == 403
    assert _post(as_user(shandong_user), f"/api/v1/fees/threads/{thread.pk}/counter-proposals",
                 body).status_code == 404
    agency = request.getfixturevalue("hubei_agency_user")
    response = _post(as_user(agency), f"/api/v1/fees/threads/{thread.pk}/counter-proposals",
                     {"items": {"consumables": {"amount": "10"}}})
    assert response.status_code == 400 and "耗材" in response.json()["detail"]
    assert FeeVersion.objects.count() == 1


def test_verification_only_by_the_provincial_department_of_that_province(as_user, thread, hubei_agency_user,
                                                                         ministry_user, org_a_user, shandong_user):
    body = {"version": thread.versions.get().pk, "effective_from": "2020-09-01"}
    for user in (hubei_agency_user, ministry_user, org_a_user):
        assert _post(as_user(user), f"/api/v1/fees/threads/{thread.pk}/verification", body).status_code == 403
    assert _post(as_user(shandong_user), f"/api/v1/fees/threads/{thread.pk}/verification", body).status_code == 404
    _nothing_saved(threads=1, versions=1)


def test_a_version_of_another_thread_is_refused(as_user, thread, hubei_user, org_a_user, web_certificate, hubei):
    other = services.fee_proposal_submit(actor=actor_for(org_a_user), certificate=web_certificate, level="senior",
                                         province=hubei, items=items(consumables="100"))
    response = _post(as_user(hubei_user), f"/api/v1/fees/threads/{thread.pk}/verification",
                     {"version": other.pk, "effective_from": "2020-09-01"})
    assert response.status_code == 400 and "本协商中的一个版本" in response.json()["detail"]
    assert not FeeStandard.objects.exists()


def test_a_second_verification_on_the_same_date_is_refused(as_user, verified, org_a_user, hubei_user,
                                                           web_certificate):
    response = _post(as_user(org_a_user), "/api/v1/fees/proposals", _proposal(web_certificate, question_bank="90"))
    second = response.json()
    body = {"version": second["versions"][0]["id"], "effective_from": "2020-09-01"}
    response = _post(as_user(hubei_user), f"/api/v1/fees/threads/{second['id']}/verification", body)
    assert response.status_code == 400 and "须晚于 2020-09-01" in response.json()["detail"]
    assert f"核定标准第 {verified.pk} 号" in response.json()["detail"]
    assert FeeStandard.objects.count() == 1 and FeeStandard.objects.get().effective_until is None
    response = _post(as_user(hubei_user), f"/api/v1/fees/threads/{second['id']}/verification",
                     {**body, "effective_from": "2021-01-01"})
    assert response.status_code == 201
    assert FeeStandard.objects.get(pk=verified.pk).effective_until == D(2020, 12, 31)


# --- public standards -----------------------------------------------------------------------------

def test_verified_standards_are_public_with_filters(client, verified, web_certificate):
    body = client.get("/api/v1/fees/standards", {"province": "42"}).json()
    assert body["count"] == 1
    standard = body["results"][0]
    assert standard["amount"] == "250.00" and standard["certificate"] == web_certificate.code
    assert {i["item"]: i["amount"] for i in standard["items"]} == {"question_bank": "150.00", "exam_system": "100.00"}
    assert client.get("/api/v1/fees/standards", {"province": "37"}).json()["count"] == 0
    assert client.get("/api/v1/fees/standards", {"certificate": web_certificate.code}).json()["count"] == 1
    assert client.get("/api/v1/fees/standards", {"current": "false"}).json()["count"] == 1
    assert client.get("/api/v1/fees/standards", {"current": "maybe"}).status_code == 400


# --- dues, outstanding, payments ------------------------------------------------------------------

@pytest.fixture
def session(verified, web_certificate, hubei, hubei_institution):
    return finalized_session(certificate=web_certificate, province=hubei, institution=hubei_institution, candidates=2,
                             social_learners=1)


def test_dues_are_scoped_and_amounts_are_strings_with_two_decimals(as_user, session, hubei_institution,
                                                                   hubei_institution_user, org_a_user, hubei_user,
                                                                   shandong_user, shandong_institution_user,
                                                                   org_b_user, student_user):
    rows = as_user(hubei_institution_user).get("/api/v1/fees/dues").json()["results"]
    assert len(rows) == 1
    assert rows[0]["institution"] == hubei_institution.pk and rows[0]["candidates"] == 2
    assert (rows[0]["standard_amount"], rows[0]["amount_due"], rows[0]["paid"], rows[0]["outstanding"]) == (
        "250.00", "500.00", "0.00", "500.00")
    assert rows[0]["no_verified_standard"] is False
    assert as_user(org_a_user).get("/api/v1/fees/dues").json()["count"] == 2  # the institution and the learner
    assert as_user(hubei_user).get(f"/api/v1/fees/dues?session={session.pk}").json()["count"] == 2
    for user in (shandong_user, shandong_institution_user, org_b_user):
        assert as_user(user).get("/api/v1/fees/dues").json()["count"] == 0
    assert as_user(student_user).get("/api/v1/fees/dues").status_code == 403
    assert as_user(hubei_user).get("/api/v1/fees/dues?session=x").status_code == 400


def test_no_verified_standard_is_null_and_flagged(as_user, web_certificate, hubei, hubei_institution, hubei_user):
    finalized_session(certificate=web_certificate, province=hubei, institution=hubei_institution, candidates=2)
    row = as_user(hubei_user).get("/api/v1/fees/dues").json()["results"][0]
    assert row["amount_due"] is None and row["outstanding"] is None and row["no_verified_standard"] is True
    summary = as_user(hubei_user).get("/api/v1/fees/outstanding?by=institution").json()
    assert summary[0]["no_standard_candidates"] == 2 and summary[0]["outstanding"] == "0.00"


def test_institution_records_a_payment_and_the_outstanding_summary_follows(as_user, session, hubei_institution,
                                                                           hubei_institution_user, ministry_user):
    client = as_user(hubei_institution_user)
    response = _post(client, "/api/v1/fees/payments", {"session": session.pk, "institution": hubei_institution.pk,
                                                       "amount": "200.50", "paid_on": "2020-11-01",
                                                       "reference": "HB-2020-001"})
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "200.50"
    assert [p["reference"] for p in client.get("/api/v1/fees/payments").json()["results"]] == ["HB-2020-001"]
    national = as_user(ministry_user).get("/api/v1/fees/outstanding?by=province").json()
    assert [(e["key"], e["label"], e["due"], e["paid"], e["outstanding"]) for e in national] == [
        ("42", "湖北省", "750.00", "200.50", "549.50")]
    assert as_user(ministry_user).get("/api/v1/fees/outstanding?by=planet").status_code == 400


@pytest.mark.parametrize(("amount", "message"), [("500.01", "超过尚欠金额 500.00"), ("-5", "不能为负数"),
                                                 ("1.005", "最多保留两位小数"), ("0", "必须大于 0")])
def test_bad_payments_are_refused_and_save_nothing(as_user, session, hubei_institution, hubei_institution_user,
                                                   amount, message):
    response = _post(as_user(hubei_institution_user), "/api/v1/fees/payments", {
        "session": session.pk, "institution": hubei_institution.pk, "amount": amount, "paid_on": "2020-11-01",
        "reference": "HB-1"})
    assert response.status_code == 400 and message in response.json()["detail"], response.content
    assert not FeePayment.objects.exists()


def test_payments_are_recorded_only_by_the_payer(as_user, session, hubei_institution, shandong_institution_user,
                                                 org_a_user, org_b_user, hubei_user, ministry_user, student_user):
    body = {"session": session.pk, "institution": hubei_institution.pk, "amount": "1", "paid_on": "2020-11-01",
            "reference": "X"}
    for user in (shandong_institution_user, org_a_user, hubei_user, ministry_user, student_user):
        assert _post(as_user(user), "/api/v1/fees/payments", body).status_code == 403
    learner = next(r for r in as_user(org_a_user).get("/api/v1/fees/dues").json()["results"] if r["person"])
    learner_body = {**body, "institution": None, "person": learner["person"]}
    assert _post(as_user(org_b_user), "/api/v1/fees/payments", learner_body).status_code == 403
    assert not FeePayment.objects.exists()
    assert _post(as_user(org_a_user), "/api/v1/fees/payments", learner_body).status_code == 201


def test_payment_lists_are_scoped(as_user, session, hubei_institution, hubei_institution_user, hubei_user,
                                  org_a_user, ministry_user, shandong_user, org_b_user, student_user):
    services.fee_payment_record(actor=actor_for(hubei_institution_user), session_id=session.pk, amount="10",
                                institution_id=hubei_institution.pk, paid_on=D(2020, 11, 1), reference="HB-1")
    for user in (hubei_institution_user, hubei_user, org_a_user, ministry_user):
        assert as_user(user).get("/api/v1/fees/payments").json()["count"] == 1
    for user in (shandong_user, org_b_user):
        assert as_user(user).get("/api/v1/fees/payments").json()["count"] == 0
    assert as_user(student_user).get("/api/v1/fees/payments").status_code == 403
    assert FeePayment.objects.get().amount == Decimal("10.00")
