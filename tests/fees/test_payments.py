import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.scoping import actor_for
from assessments.models import AssessmentSession
from core.errors import AppError, Forbidden
from fees import selectors, services
from fees.models import FeePayment
from tests.fees.conftest import finalized_session, items

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def verified(org_a_user, hubei_user, web_certificate, hubei):
    version = services.fee_proposal_submit(actor=actor_for(org_a_user), certificate=web_certificate, level="junior",
                                           province=hubei, items=items(question_bank="150", exam_system="100.50"))
    return services.fee_version_verify(actor=actor_for(hubei_user), version=version, effective_from=D(2020, 9, 1))


def test_amount_due_is_assessed_candidates_times_the_standard(verified, web_certificate, hubei, hubei_institution,
                                                             hubei_institution_user, org_a_user):
    finalized_session(certificate=web_certificate, province=hubei, institution=hubei_institution, candidates=4,
                      absent=2, social_learners=1)
    rows = selectors.dues(actor_for(hubei_institution_user))
    assert len(rows) == 1 and rows[0].candidates == 4 and rows[0].amount_due == Decimal("1002.00")
    org_rows = selectors.dues(actor_for(org_a_user))
    assert sorted((r.institution_id is None, r.candidates) for r in org_rows) == [(False, 4), (True, 1)]


def test_no_verified_standard_is_shown_apart_never_guessed(web_certificate, hubei, hubei_institution, hubei_user):
    finalized_session(certificate=web_certificate, province=hubei, institution=hubei_institution, candidates=2)
    rows = selectors.dues(actor_for(hubei_user))
    assert rows[0].amount_due is None
    summary = selectors.outstanding_summary(rows, by="institution_id")
    assert summary[0]["no_standard_candidates"] == 2 and summary[0]["outstanding"] == 0


def test_a_session_before_the_standard_took_effect_has_none(verified, web_certificate, hubei, hubei_institution,
                                                            hubei_user):
    finalized_session(certificate=web_certificate, province=hubei, institution=hubei_institution, date=D(2020, 8, 1))
    assert selectors.dues(actor_for(hubei_user))[0].standard is None


def test_institution_records_payments_never_above_what_is_due(verified, web_certificate, hubei, hubei_institution,
                                                              hubei_institution_user):
    session = finalized_session(certificate=web_certificate, province=hubei, institution=hubei_institution,
                                candidates=2)
    actor = actor_for(hubei_institution_user)
    services.fee_payment_record(actor=actor, session_id=session.pk, institution_id=hubei_institution.pk,
                                amount="300", paid_on=D(2020, 11, 1), reference="HB-2020-001")
    with pytest.raises(AppError) as err:
        services.fee_payment_record(actor=actor, session_id=session.pk, institution_id=hubei_institution.pk,
                                    amount="201.01", paid_on=D(2020, 11, 2), reference="HB-2020-002")
    assert err.value.code == "over_due"
    services.fee_payment_record(actor=actor, session_id=session.pk, institution_id=hubei_institution.pk,
                                amount="201.00", paid_on=D(2020, 11, 2), reference="HB-2020-002")
    assert selectors.dues(actor)[0].outstanding == Decimal("0.00")


@pytest.mark.parametrize(("amount", "code"), [("-5", "invalid"), ("1.005", "invalid"), ("0", "invalid")])
def test_bad_payment_amounts(verified, web_certificate, hubei, hubei_institution, hubei_institution_user, amount, code):
    session = finalized_session(certificate=web_certificate, province=hubei, institution=hubei_institution)
    with pytest.raises(AppError):
        services.fee_payment_record(actor=actor_for(hubei_institution_user), session_id=session.pk,
                                    institution_id=hubei_institution.pk, amount=amount, paid_on=D(2020, 11, 1),
                                    reference="X")
    assert not FeePayment.objects.exists()


def test_payment_without_a_standard_is_refused(web_certificate, hubei, hubei_institution, hubei_institution_user):
    session = finalized_session(certificate=web_certificate, province=hubei, institution=hubei_institution)
    with pytest.raises(AppError) as err:
        services.fee_payment_record(actor=actor_for(hubei_institution_user), session_id=session.pk,
                                    institution_id=hubei_institution.pk, amount="1", paid_on=D(2020, 11, 1),
                                    reference="X")
    assert err.value.code == "no_standard"


def test_only_the_payer_records(verified, web_certificate, hubei, hubei_institution, shandong_institution_user,
                                org_a_user, org_b_user, hubei_user):
    session = finalized_session(certificate=web_certificate, province=hubei, institution=hubei_institution,
                                social_learners=1)
    for user in (shandong_institution_user, org_a_user, hubei_user):
        with pytest.raises(Forbidden):
            services.fee_payment_record(actor=actor_for(user), session_id=session.pk, institution_id=hubei_institution.pk,
                                        amount="1", paid_on=D(2020, 11, 1), reference="X")
    learner = next(d for d in selectors.dues(actor_for(org_a_user)) if d.person_id)
    with pytest.raises(Forbidden):
        services.fee_payment_record(actor=actor_for(org_b_user), session_id=session.pk, person_id=learner.person_id,
                                    amount="1", paid_on=D(2020, 11, 1), reference="X")
    services.fee_payment_record(actor=actor_for(org_a_user), session_id=session.pk, person_id=learner.person_id,
                                amount="250.50", paid_on=D(2020, 11, 1), reference="WX-0001")
    assert FeePayment.objects.get().person_id == learner.person_id


def test_province_and_ministry_summaries_match_sessions_and_payments(verified, web_certificate, hubei, hubei_institution,
                                                                    hubei_institution_user, ministry_user, shandong_user):
    session = finalized_session(certificate=web_certificate, province=hubei, institution=hubei_institution,
                                candidates=3)
    services.fee_payment_record(actor=actor_for(hubei_institution_user), session_id=session.pk,
                                institution_id=hubei_institution.pk, amount="100", paid_on=D(2020, 11, 1), reference="A")
    national = selectors.outstanding_summary(selectors.dues(actor_for(ministry_user)), by="province_code")
    assert len(national) == 1
    assert national[0]["key"] == "42" and national[0]["due"] == Decimal("751.50")
    assert national[0]["paid"] == Decimal("100.00") and national[0]["outstanding"] == Decimal("651.50")
    assert selectors.dues(actor_for(shandong_user)) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(min_value=1, max_value=6), cents=st.integers(min_value=1, max_value=30000))
def test_amounts_due_are_exact_for_any_standard(ministry_user, hubei, hubei_institution, n, cents):
    from fees.models import CostCap, FeeStandard, FeeStandardLevel, FeeThread, FeeVersion
    from tests.certificates.factories import certificate_with_levels

    certificate = certificate_with_levels()
    amount = Decimal(cents) / 100
    cap = CostCap.objects.get(assessment_type="computer")
    thread = FeeThread.objects.create(certificate=certificate, level="junior", province=hubei, org=certificate.org,
                                      assessment_type="computer", status="verified")
    version = FeeVersion.objects.create(thread=thread, number=1, author_role="org", total=amount, cap=cap,
                                        cap_amount=cap.amount)
    standard = FeeStandard.objects.create(thread=thread, version=version, certificate=certificate, level="junior",
                                          province=hubei, org=certificate.org, assessment_type="computer", amount=amount,
                                          cap=cap, cap_amount=cap.amount, effective_from=D(2020, 1, 1))
    FeeStandardLevel.objects.create(standard=standard, certificate=certificate, province=hubei, level="junior",
                                    effective_from=D(2020, 1, 1))
    finalized_session(certificate=certificate, province=hubei, institution=hubei_institution, candidates=n)
    due = next(d for d in selectors.dues(actor_for(ministry_user)) if d.certificate_id == certificate.pk)
    assert due.amount_due == amount * n and due.amount_due.as_tuple().exponent == -2


def test_payments_page_per_role(as_user, verified, web_certificate, hubei, hubei_institution, hubei_institution_user,
                                ministry_user, student_user):
    session = finalized_session(certificate=web_certificate, province=hubei, institution=hubei_institution, candidates=2)
    client = as_user(hubei_institution_user)
    assert "501.00" in client.get("/fees/payments/").content.decode()
    response = client.post("/fees/payments/", {"session": session.pk, "institution": hubei_institution.pk,
                                               "person": "", "amount": "501.00", "paid_on": "2020-11-01",
                                               "reference": "HB-1"})
    assert response.status_code == 302 and FeePayment.objects.get().amount == Decimal("501.00")
    ministry = as_user(ministry_user).get("/fees/payments/").content.decode()
    assert "湖北省" in ministry and "各省尚欠金额" in ministry
    assert as_user(student_user).get("/fees/payments/").status_code == 403


def test_outstanding_by_province_exports_to_xlsx(as_user, verified, web_certificate, hubei, hubei_institution,
                                                 hubei_institution_user, ministry_user, hubei_user):
    import io

    from openpyxl import load_workbook

    session = finalized_session(certificate=web_certificate, province=hubei, institution=hubei_institution,
                                candidates=3)
    services.fee_payment_record(actor=actor_for(hubei_institution_user), session_id=session.pk,
                                institution_id=hubei_institution.pk, amount="100", paid_on=D(2020, 11, 1), reference="A")
    sheet = load_workbook(io.BytesIO(as_user(ministry_user).get("/fees/payments/?export=summary").content)).active
    header, *rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert header[:5] == ["省份", "考核批次", "应付（元）", "已付（元）", "尚欠（元）"]
    assert len(rows) == 1 and rows[0][0] == "湖北省" and [Decimal(str(v)) for v in rows[0][2:5]] == [
        Decimal("751.50"), Decimal("100.00"), Decimal("651.50")]
    sheet = load_workbook(io.BytesIO(as_user(hubei_user).get("/fees/payments/?export=summary").content)).active
    assert [c.value for c in sheet[2]][0] == hubei_institution.name  # a province sees its institutions


@pytest.mark.parametrize("listed", [True, False], ids=["sessions_by_id", "every_finalized_session"])
def test_dues_added_up_per_session_sum_to_what_the_dues_per_payer_sum_to(
        listed, monkeypatch, verified, web_certificate, hubei, hubei_institution, hubei_institution_user, org_a_user,
        ministry_user):
    """The dashboard's per-session sum in the database equals the payments page's per-payer sum: paid
    amounts of institutions and social learners, a session with no standard in force, unpaid ages, the
    day each was finalized; a session with results no longer finalized owes nothing. Whether the
    sessions are read by id (a few) or all finalized ones are (many: a full rebuild)."""
    if not listed:
        monkeypatch.setattr(selectors, "_SESSIONS_LISTED", 0)
    reopened = finalized_session(certificate=web_certificate, province=hubei, institution=hubei_institution,
                                 candidates=2)
    AssessmentSession.objects.filter(pk=reopened.pk).update(status=AssessmentSession.Status.CLOSED)
    paid = finalized_session(certificate=web_certificate, province=hubei, institution=hubei_institution, candidates=3,
                             absent=1, social_learners=2)
    finalized_session(certificate=web_certificate, province=hubei, institution=hubei_institution, candidates=2,
                      date=D(2020, 8, 1))  # before the standard took effect: counted apart
    finalized_session(certificate=web_certificate, province=hubei, institution=hubei_institution, candidates=1,
                      level="intermediate")
    services.fee_payment_record(actor=actor_for(hubei_institution_user), session_id=paid.pk,
                                institution_id=hubei_institution.pk, amount="100", paid_on=D(2020, 11, 1), reference="A")
    learner = paid.registrations.filter(institution__isnull=True).first()
    services.fee_payment_record(actor=actor_for(org_a_user), session_id=paid.pk, person_id=learner.person_id,
                                amount="50.25", paid_on=D(2020, 11, 2), reference="B")
    actor = actor_for(ministry_user)
    expected = selectors.outstanding_summary(selectors.dues(actor), by="province_code")
    assert expected[0]["paid"] == Decimal("150.25") and expected[0]["no_standard_candidates"] == 3
    by_session = selectors.session_dues(actor)
    assert len(by_session) == 3 and selectors.outstanding_summary(by_session, by="province_code") == expected
    assert {(d.session_id, d.finalized_on) for d in by_session} == {
        (d.session_id, d.finalized_on) for d in selectors.dues(actor)}
    assert selectors.outstanding_summary(by_session, by="org_id") == selectors.outstanding_summary(
        selectors.dues(actor), by="org_id")
