"""Issue 16, fees: the public list shows what applies today and what will apply from which date;
every refused fee action is audited the same way; unpaid amounts age from the day they became due;
a province's workbench lists the proposals waiting for its verification."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import AuditEntry
from accounts.scoping import actor_for
from core.errors import AppError
from core.navigation import todos_for
from fees import selectors, services
from fees.models import FeePayment
from tests.fees.conftest import finalized_session, items

pytestmark = pytest.mark.django_db
D = datetime.date


def verify(org_user, province_user, certificate, province, amount, effective_from, level="junior"):
    version = services.fee_proposal_submit(actor=actor_for(org_user), certificate=certificate, level=level,
                                           province=province, items=items(question_bank=amount))
    return services.fee_version_verify(actor=actor_for(province_user), version=version, effective_from=effective_from)


# --- the public list: today and later ---------------------------------------------------------------

def _table(response) -> str:
    page = response.content.decode()
    return page[page.index('<table class="data-table">'):]


def test_the_public_list_shows_the_standard_in_force_today_and_the_one_from_a_later_date(
        client, org_a_user, hubei_user, web_certificate, hubei):
    today = timezone.localdate()
    later = today + datetime.timedelta(days=25)
    old = verify(org_a_user, hubei_user, web_certificate, hubei, "200", D(2019, 9, 1))
    current = verify(org_a_user, hubei_user, web_certificate, hubei, "230", D(2020, 9, 1))
    upcoming = verify(org_a_user, hubei_user, web_certificate, hubei, "250", later)

    rows = selectors.standards_schedule(province="42", today=today)
    assert [(r.standard, r.state) for r in rows] == [(current, "in_force"), (upcoming, "upcoming")]
    assert rows[0].effective_until == later - datetime.timedelta(days=1)
    page = _table(client.get("/fees/standards/?province=42"))
    assert "230.00" in page and "250.00" in page and "200.00" not in page
    assert "现行" in page and "待生效" in page and later.isoformat() in page
    assert (later - datetime.timedelta(days=1)).isoformat() in page
    history = _table(client.get("/fees/standards/?province=42&history=1"))
    assert "200.00" in history and "已失效" in history
    api = client.get("/api/v1/fees/standards?province=42").json()["results"]
    assert sorted(s["id"] for s in api) == [current.pk, upcoming.pk]
    assert old.pk not in [s["id"] for s in client.get("/api/v1/fees/standards?province=42&current=true")
                          .json()["results"]]


def test_the_public_lists_today_is_the_local_date(monkeypatch, org_a_user, hubei_user, web_certificate, hubei):
    """At 2026-12-31 17:00 UTC it is already 2027-01-01 in China: the 2027 standard applies."""
    verify(org_a_user, hubei_user, web_certificate, hubei, "230", D(2020, 9, 1))
    new = verify(org_a_user, hubei_user, web_certificate, hubei, "250", D(2027, 1, 1))
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2026, 12, 31, 17, 0, tzinfo=datetime.UTC))
    assert [(r.standard, r.state) for r in selectors.standards_schedule(province="42")] == [(new, "in_force")]


def test_an_all_levels_standard_is_listed_with_the_levels_it_still_applies_to(client, org_a, org_a_user, hubei_user,
                                                                              hubei):
    from certificates.catalog.models import Level
    from tests.certificates.factories import CertificateFactory, CertificateLevelFactory

    certificate = CertificateFactory(org=org_a, name="云计算开发与运维")
    for level in Level.values:
        CertificateLevelFactory(certificate=certificate, level=level, assessment_type="computer")
    today = timezone.localdate()
    verify(org_a_user, hubei_user, certificate, hubei, "230", D(2020, 9, 1), level="")
    verify(org_a_user, hubei_user, certificate, hubei, "300", today + datetime.timedelta(days=10))
    rows = selectors.standards_schedule(province="42", today=today)
    assert [(r.level_labels, r.state) for r in rows] == [("初级", "in_force"), ("初级", "upcoming"),
                                                         ("中级、高级", "in_force")]
    page = client.get("/fees/standards/?province=42").content.decode()
    assert "中级、高级" in page and "各等级统一" in page


# --- refusals are audited the same way for every fee action -----------------------------------------

def _refusal(attempted):
    return AuditEntry.objects.get(action="fee.refused", changes__attempted__1=attempted)


def test_every_refused_fee_action_is_audited(ministry_user, hubei_user, hubei_agency_user, org_a_user, org_b_user,
                                            web_certificate, hubei, hubei_institution, hubei_institution_user):
    with pytest.raises(AppError):
        services.cost_cap_set(actor=actor_for(hubei_user), assessment_type="paper", amount="150",
                              effective_from=D(2022, 1, 1), basis="")
    assert _refusal("fee.cap_set").changes["code"] == [None, "forbidden"]

    with pytest.raises(AppError):
        services.fee_proposal_submit(actor=actor_for(org_b_user), certificate=web_certificate, level="junior",
                                     province=hubei, items=items(question_bank="100"))
    assert _refusal("fee.proposed").actor_role == "org"

    version = services.fee_proposal_submit(actor=actor_for(org_a_user), certificate=web_certificate, level="junior",
                                           province=hubei, items=items(question_bank="100"))
    with pytest.raises(AppError):
        services.fee_counter_propose(actor=actor_for(hubei_agency_user), thread=version.thread,
                                     items=items(question_bank="400"))
    assert _refusal("fee.countered").changes["code"] == [None, "over_cap"]

    with pytest.raises(AppError):
        services.fee_version_verify(actor=actor_for(hubei_agency_user), version=version, effective_from=D(2020, 9, 1))
    verification = _refusal("fee.verified")
    assert verification.changes["code"] == [None, "forbidden"] and verification.actor_role == "province_agency"
    assert verification.object_id == str(version.thread_id) and verification.province_id == "42"
    assert verification.changes["attempt"][1]["version"] == version.pk

    services.fee_version_verify(actor=actor_for(hubei_user), version=version, effective_from=D(2020, 9, 1))
    session = finalized_session(certificate=web_certificate, province=hubei, institution=hubei_institution)
    with pytest.raises(AppError):
        services.fee_payment_record(actor=actor_for(hubei_institution_user), session_id=session.pk,
                                    institution_id=hubei_institution.pk, amount="999999", paid_on=D(2020, 11, 1),
                                    reference="HB-1")
    payment = _refusal("fee.payment_recorded")
    assert payment.changes["code"] == [None, "over_due"] and payment.changes["org"] == [None, session.org_id]
    assert not FeePayment.objects.exists()
    # One entry per refused attempt, all under the one action.
    assert AuditEntry.objects.filter(action="fee.refused").count() == 5


def test_a_refused_verification_through_the_api_is_audited(as_user, org_a_user, hubei_user, ministry_user,
                                                           web_certificate, hubei):
    version = services.fee_proposal_submit(actor=actor_for(org_a_user), certificate=web_certificate, level="junior",
                                           province=hubei, items=items(question_bank="100"))
    services.cost_cap_set(actor=actor_for(ministry_user), assessment_type="computer", amount="50",
                          effective_from=D(2030, 1, 1), basis="调整")
    response = as_user(hubei_user).post(f"/api/v1/fees/threads/{version.thread_id}/verification",
                                        {"version": version.pk, "effective_from": "2030-01-01"},
                                        content_type="application/json")
    assert response.status_code == 400
    assert _refusal("fee.verified").changes["code"] == [None, "over_cap"]


# --- ageing from the day the amount became due -------------------------------------------------------

def test_unpaid_amounts_age_from_the_assessment_date_not_from_finalization(
        as_user, org_a_user, hubei_user, web_certificate, hubei, hubei_institution, hubei_institution_user):
    verify(org_a_user, hubei_user, web_certificate, hubei, "250", D(2020, 9, 1))
    # Assessed on 2020-11-21, results finalized just now.
    finalized_session(certificate=web_certificate, province=hubei, institution=hubei_institution,
                      date=D(2020, 11, 21))
    due = selectors.dues(actor_for(hubei_user))[0]
    expected = (timezone.localdate() - D(2020, 11, 21)).days
    assert due.due_on == D(2020, 11, 21) and due.age_days == expected and due.age_bucket == "90+"
    summary = selectors.outstanding_summary([due], by="institution_id")[0]
    assert summary["90+"] == due.outstanding and summary["0-30"] == 0
    page = as_user(hubei_institution_user).get("/fees/payments/").content.decode()
    assert "应付日期" in page and "账龄自该日起计算" in page
    assert f'<td class="nowrap">2020-11-21</td><td class="num">{expected}</td>' in page
    api = as_user(hubei_institution_user).get("/api/v1/fees/dues").json()["results"][0]
    assert api["due_on"] == "2020-11-21" and api["age_days"] == expected


# --- the province's workbench -----------------------------------------------------------------------

def test_a_province_sees_the_proposal_waiting_for_its_verification_on_its_workbench(
        as_user, org_a_user, hubei_user, hubei_agency_user, ministry_user, shandong_user, web_certificate, hubei):
    version = services.fee_proposal_submit(actor=actor_for(org_a_user), certificate=web_certificate, level="junior",
                                           province=hubei, items=items(question_bank="100"))
    [todo] = [t for t in todos_for(actor_for(hubei_user)) if "费用标准" in t.title]
    assert todo.url == f"/fees/threads/{version.thread_id}/" and "Web前端开发（初级" in todo.title
    page = as_user(hubei_user).get("/").content.decode()
    assert "待核定的费用标准：Web前端开发" in page and f"/fees/threads/{version.thread_id}/" in page
    # Those who do not verify it see no such to-do: the agency, another province, the ministry.
    for user in (hubei_agency_user, shandong_user, ministry_user):
        assert not [t for t in todos_for(actor_for(user)) if "待核定的费用标准" in t.title]
    services.fee_version_verify(actor=actor_for(hubei_user), version=version, effective_from=D(2020, 9, 1))
    assert not [t for t in todos_for(actor_for(hubei_user)) if "待核定的费用标准" in t.title]


def test_many_waiting_proposals_are_one_line_leading_to_the_list(org_a, org_a_user, hubei_user, hubei):
    from tests.certificates.factories import certificate_with_levels

    for n in range(6):
        certificate = certificate_with_levels(org=org_a, name=f"证书{n}")
        services.fee_proposal_submit(actor=actor_for(org_a_user), certificate=certificate, level="junior",
                                     province=hubei, items=items(question_bank="100"))
    [todo] = [t for t in todos_for(actor_for(hubei_user)) if "待核定的费用标准" in t.title]
    assert todo.count == 6 and todo.url == "/fees/?status=negotiating"


def test_the_public_list_reads_a_full_width_province_and_certificate_code(client, org_a_user, hubei_user,
                                                                          web_certificate, hubei):
    """Issue 16, input: ?province=４２&certificate=ｘ… on the public API and page finds what 42 and the
    half-width code find."""
    standard = verify(org_a_user, hubei_user, web_certificate, hubei, "230", datetime.date(2020, 9, 1))
    typed = "".join(chr(ord(c) + 0xFEE0) for c in web_certificate.code.lower())
    data = client.get("/api/v1/fees/standards", {"province": "４２", "certificate": typed}).json()
    assert [row["id"] for row in data["results"]] == [standard.pk]
    page = client.get("/fees/standards/", {"province": "42", "certificate": typed}).content.decode()
    assert "230.00" in page


def test_the_thread_list_filters_by_a_full_width_province_and_certificate_code(as_user, org_a_user, hubei_user,
                                                                              web_certificate, hubei):
    version = services.fee_proposal_submit(actor=actor_for(org_a_user), certificate=web_certificate, level="junior",
                                           province=hubei, items=items(question_bank="230"))
    typed = "".join(chr(ord(c) + 0xFEE0) for c in web_certificate.code.lower())
    data = as_user(hubei_user).get("/api/v1/fees/threads", {"province": "４２", "certificate": typed}).json()
    assert [row["id"] for row in data["results"]] == [version.thread_id]
