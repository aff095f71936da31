import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import AuditEntry
from accounts.scoping import actor_for
from core.errors import AppError, Forbidden
from fees import selectors, services
from fees.models import FeeThread, FeeVersion, FixedItemPrice
from tests.fees.conftest import items

pytestmark = pytest.mark.django_db
D = datetime.date


def propose(org_user, certificate, province, level="junior", **amounts):
    return services.fee_proposal_submit(actor=actor_for(org_user), certificate=certificate, level=level,
                                        province=province, items=items(**amounts))


def test_the_total_is_computed_from_the_items(org_a_user, web_certificate, hubei):
    version = propose(org_a_user, web_certificate, hubei, question_bank="60.50", exam_system="80", marking="39.5",
                      invigilation="70")
    assert version.total == Decimal("250.00") and version.cap_amount == Decimal("300.00")
    assert version.thread.assessment_type == "computer" and version.number == 1
    assert AuditEntry.objects.filter(action="fee.proposed").exists()


def test_over_the_cap_is_refused_saves_nothing_and_is_audited(org_a_user, web_certificate, hubei):
    with pytest.raises(AppError) as err:
        propose(org_a_user, web_certificate, hubei, question_bank="200", exam_system="100.01")
    assert err.value.code == "over_cap" and "300" in str(err.value.message)
    assert not FeeThread.objects.exists() and not FeeVersion.objects.exists()
    refused = AuditEntry.objects.get(action="fee.refused")
    assert "超过" in refused.note and refused.actor == org_a_user


@pytest.mark.parametrize(("amount", "message"), [("-1", "负数"), ("10.005", "两位小数"), ("abc", "不是有效的金额")])
def test_bad_amounts_are_refused(org_a_user, web_certificate, hubei, amount, message):
    with pytest.raises(AppError, match=message):
        propose(org_a_user, web_certificate, hubei, question_bank=amount)
    assert not FeeVersion.objects.exists()


def test_items_that_do_not_apply_to_the_assessment_type_are_refused(org_a_user, web_certificate, hubei):
    with pytest.raises(AppError, match="试卷印刷"):
        propose(org_a_user, web_certificate, hubei, printing="10")  # a computer-based exam prints no papers
    with pytest.raises(AppError, match="耗材"):
        propose(org_a_user, web_certificate, hubei, consumables="10")
    version = propose(org_a_user, web_certificate, hubei, level="senior", consumables="120", equipment_setup="80")
    assert version.thread.assessment_type == "practical_general" and version.cap_amount == Decimal("500.00")


def test_levels_assessed_differently_need_a_standard_per_level(org_a_user, web_certificate, hubei):
    with pytest.raises(AppError, match="按等级分别"):
        propose(org_a_user, web_certificate, hubei, level="", question_bank="10")


def test_a_rule_fixed_price_applies(org_a_user, web_certificate, hubei, shandong):
    FixedItemPrice.objects.create(item="registration", province=hubei, amount=Decimal("20.00"),
                                  rule="鄂价费〔2020〕12号", effective_from=D(2020, 1, 1))
    with pytest.raises(AppError, match="鄂价费"):
        propose(org_a_user, web_certificate, hubei, registration="25")
    assert propose(org_a_user, web_certificate, hubei, registration="20.00").total == Decimal("20.00")
    assert propose(org_a_user, web_certificate, shandong, registration="25").total == Decimal("25.00")


def test_only_the_owning_org_proposes(org_b_user, hubei_user, web_certificate, hubei):
    with pytest.raises(Forbidden):
        propose(org_b_user, web_certificate, hubei, question_bank="10")
    with pytest.raises(Forbidden):
        propose(hubei_user, web_certificate, hubei, question_bank="10")


def test_negotiation_and_verification(org_a_user, hubei_alliance_user, hubei_agency_user, hubei_user,
                                      shandong_user, web_certificate, hubei):
    first = propose(org_a_user, web_certificate, hubei, question_bank="100", exam_system="100", invigilation="90")
    counter = services.fee_counter_propose(actor=actor_for(hubei_alliance_user), thread=first.thread,
                                           items=items(question_bank="80", exam_system="90", invigilation="70"))
    assert counter.number == 2 and counter.total == Decimal("240.00") and counter.author_role == "alliance"
    again = services.fee_counter_propose(actor=actor_for(hubei_agency_user), thread=first.thread,
                                         items=items(question_bank="85", exam_system="90", invigilation="70"))
    with pytest.raises(Forbidden):
        services.fee_version_verify(actor=actor_for(hubei_agency_user), version=again, effective_from=D(2020, 9, 1))
    with pytest.raises(Forbidden):
        services.fee_version_verify(actor=actor_for(shandong_user), version=again, effective_from=D(2020, 9, 1))
    standard = services.fee_version_verify(actor=actor_for(hubei_user), version=again, effective_from=D(2020, 9, 1))
    assert standard.amount == Decimal("245.00") and standard.cap_amount == Decimal("300.00")
    assert FeeThread.objects.get().status == "verified"
    assert any("已核定" in n.title_text for n in org_a_user.notifications.all())
    with pytest.raises(AppError, match="协商已结束"):
        services.fee_counter_propose(actor=actor_for(hubei_agency_user), thread=first.thread, items=items(marking="1"))


def test_counter_proposals_only_from_the_provinces_agency_or_alliance(shandong_user, org_a_user, web_certificate,
                                                                        hubei, shandong):
    from tests.personas import make_persona

    version = propose(org_a_user, web_certificate, hubei, question_bank="10")
    shandong_agency = make_persona("province_agency", province=shandong, username="sd_agency")
    with pytest.raises(Forbidden):
        services.fee_counter_propose(actor=actor_for(shandong_agency), thread=version.thread, items=items(marking="1"))
    with pytest.raises(Forbidden):
        services.fee_counter_propose(actor=actor_for(shandong_user), thread=version.thread, items=items(marking="1"))


def test_one_standard_per_certificate_level_province_and_supersession(org_a_user, hubei_user, web_certificate, hubei):
    hubei_actor = actor_for(hubei_user)
    first = services.fee_version_verify(actor=hubei_actor, effective_from=D(2020, 9, 1),
                                        version=propose(org_a_user, web_certificate, hubei, question_bank="200"))
    second_version = propose(org_a_user, web_certificate, hubei, question_bank="220")
    with pytest.raises(AppError) as err:
        services.fee_version_verify(actor=hubei_actor, version=second_version, effective_from=D(2020, 9, 1))
    assert err.value.code == "overlap"
    with pytest.raises(AppError):
        services.fee_version_verify(actor=hubei_actor, version=second_version, effective_from=D(2020, 8, 1))
    second = services.fee_version_verify(actor=hubei_actor, version=second_version, effective_from=D(2021, 1, 1))
    first.refresh_from_db()
    assert first.effective_until == D(2020, 12, 31) and second.effective_until is None
    assert selectors.standard_in_force(certificate_id=web_certificate.pk, level="junior", province_code="42",
                                      on=D(2020, 10, 1)) == first
    assert selectors.standard_in_force(certificate_id=web_certificate.pk, level="junior", province_code="42",
                                      on=D(2021, 3, 1)) == second
    assert selectors.standard_in_force(certificate_id=web_certificate.pk, level="junior", province_code="42",
                                      on=D(2020, 1, 1)) is None
    assert AuditEntry.objects.filter(action="fee.superseded").count() == 1


def test_a_new_cap_version_applies_from_its_date(ministry_user, hubei_user, org_a_user, web_certificate, hubei):
    services.cost_cap_set(actor=actor_for(ministry_user), assessment_type="computer", amount="250",
                          effective_from=D(2021, 1, 1), basis="调整")
    version = propose(org_a_user, web_certificate, hubei, question_bank="240")
    # The version was checked against the cap in force today (250); verifying it for a date under the
    # old cap works, and the standard records the cap of its own effective date.
    standard = services.fee_version_verify(actor=actor_for(hubei_user), version=version, effective_from=D(2020, 9, 1))
    assert standard.cap_amount == Decimal("300.00")
    with pytest.raises(Forbidden):
        services.cost_cap_set(actor=actor_for(hubei_user), assessment_type="paper", amount="1", effective_from=D(2022, 1, 1),
                              basis="")


def test_database_refuses_a_version_above_its_cap(org_a_user, web_certificate, hubei):
    version = propose(org_a_user, web_certificate, hubei, question_bank="100")
    with pytest.raises(IntegrityError), transaction.atomic():
        FeeVersion.objects.filter(pk=version.pk).update(total=Decimal("300.01"))


@pytest.mark.postgres
def test_database_refuses_a_claimed_cap_that_is_not_the_caps(org_a_user, web_certificate, hubei):
    version = propose(org_a_user, web_certificate, hubei, question_bank="100")
    with pytest.raises(IntegrityError), transaction.atomic():
        FeeVersion.objects.filter(pk=version.pk).update(cap_amount=Decimal("9999.00"), total=Decimal("900.00"))
    assert FeeVersion.objects.get(pk=version.pk).total == Decimal("100.00")


amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("60"), places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(qb=amounts, pa=amounts, mk=amounts, es=amounts, inv=amounts)
def test_totals_are_exact_for_any_valid_items(org_a_user, web_certificate, hubei, qb, pa, mk, es, inv):
    version = propose(org_a_user, web_certificate, hubei, question_bank=qb, paper_assembly=pa, marking=mk,
                      exam_system=es, invigilation=inv)
    assert version.total == qb + pa + mk + es + inv
    assert sum(i.amount for i in version.items.all()) == version.total
