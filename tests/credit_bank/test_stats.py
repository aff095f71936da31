"""The ministry's statistics: outcomes and conversions by province, certificate and major."""

from decimal import Decimal

import pytest

from accounts.scoping import actor_for
from certificates.catalog.models import Level
from credit_bank.models import Outcome
from credit_bank.selectors import stats_by_certificate, stats_by_major, stats_by_province
from credit_bank.services.conversions import conversion_decline
from tests.accounts.factories import PersonFactory
from tests.credit_bank.factories import approve, enrol, issued_for, make_rule, request_conversion
from tests.personas import make_persona

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(outcome, rule, student_user, hubei_institution_user, certificate, hubei, shandong, shandong_institution,
            shandong_institution_user):
    """Hubei: 李小明 converts 初级 into WEB101 (approved); a second Hubei holder of 中级 has no
    conversion. Shandong: a holder of 初级 enrolled in 计算机网络技术 asks and is declined."""
    approve(hubei_institution_user, request_conversion(student_user, outcome, rule))
    issued_for(PersonFactory(), certificate=certificate, province=hubei, level=Level.INTERMEDIATE)
    learner = make_persona("student", person=PersonFactory(name="王芳"))
    enrol(learner.person, shandong_institution, major_name="计算机网络技术", major_code="510202")
    issued = issued_for(learner.person, certificate=certificate, province=shandong)
    shandong_rule = make_rule(shandong_institution_user, institution=shandong_institution, certificate=certificate,
                              major_name="计算机网络技术", course_code="NET101", course_name="网页设计基础")
    conversion = request_conversion(learner, Outcome.objects.get(issued=issued), shandong_rule)
    conversion_decline(actor=actor_for(shandong_institution_user), conversion=conversion, reason="课程不对应")


def test_by_province(figures, ministry_user, hubei_user, shandong_user):
    rows = {r["province"]: r for r in stats_by_province(actor=actor_for(ministry_user))}
    assert set(rows) == {"湖北省", "山东省"}
    hubei = rows["湖北省"]
    assert (hubei["outcomes"], hubei["valid"], hubei["credits"]) == (2, 2, Decimal("6.0"))
    assert (hubei["requests"], hubei["approved"], hubei["converted_credits"]) == (1, 1, Decimal("2.0"))
    shandong = rows["山东省"]
    assert (shandong["outcomes"], shandong["requests"], shandong["declined"], shandong["converted_credits"]) == (
        1, 1, 1, Decimal("0.0"))
    assert [r["province"] for r in stats_by_province(actor=actor_for(hubei_user))] == ["湖北省"]
    assert [r["province"] for r in stats_by_province(actor=actor_for(shandong_user))] == ["山东省"]


def test_by_certificate(figures, ministry_user, certificate):
    rows = {(r["certificate"], r["level"]): r for r in stats_by_certificate(actor=actor_for(ministry_user))}
    junior = rows[(certificate.name, "初级")]
    assert (junior["outcomes"], junior["credits"], junior["requests"], junior["approved"]) == (2, Decimal("4.0"), 2, 1)
    assert rows[(certificate.name, "中级")]["outcomes"] == 1


def test_by_major(figures, ministry_user, hubei_user):
    rows = {r["major_name"]: r for r in stats_by_major(actor=actor_for(ministry_user))}
    assert (rows["软件技术"]["approved"], rows["软件技术"]["rules"], rows["软件技术"]["institutions"]) == (1, 1, 1)
    assert (rows["计算机网络技术"]["declined"], rows["计算机网络技术"]["major_code"]) == (1, "510202")
    assert set(r["major_name"] for r in stats_by_major(actor=actor_for(hubei_user))) == {"软件技术"}
