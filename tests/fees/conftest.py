import pytest

from fees.caps import caps_ensure
from tests.certificates.factories import certificate_with_levels


@pytest.fixture(autouse=True)
def _caps(db):
    caps_ensure()  # a data migration fills them; transactional tests flush them


@pytest.fixture
def web_certificate(org_a):
    """初级/中级 computer-based (cap 300), 高级 general-equipment practical (cap 500)."""
    return certificate_with_levels(org=org_a, name="Web前端开发")


def items(**amounts):
    return {key: (str(value), f"{key} 测算") for key, value in amounts.items()}


def finalized_session(*, certificate, province, institution=None, candidates=3, absent=0, social_learners=0,
                      date=None, level="junior"):
    """A finalized session with results: ``candidates`` assessed students of ``institution``, ``absent``
    more who did not sit, and ``social_learners`` who registered themselves."""
    import datetime
    import decimal

    from django.utils import timezone

    from assessments.models import AssessmentSession, Registration, Result, Site
    from tests.accounts.factories import PersonFactory

    date = date or datetime.date(2020, 10, 15)
    site, _ = Site.objects.get_or_create(org=certificate.org, code="0001", defaults={
        "name": "武汉考点", "province": province, "address": "武汉市洪山区"})
    session = AssessmentSession.objects.create(
        org=certificate.org, certificate=certificate, level=level, assessment_type="computer", site=site,
        province=province, date=date, capacity=500, status=AssessmentSession.Status.FINALIZED,
        finalized_at=timezone.now())
    common = {"session": session, "org": certificate.org, "certificate": certificate, "level": level,
              "province": province, "session_date": date}
    payers = [(institution, False)] * candidates + [(institution, True)] * absent + [(None, False)] * social_learners
    for payer, is_absent in payers:
        registration = Registration.objects.create(
            person=PersonFactory(), institution=payer, channel="institution" if payer else "self", absent=is_absent,
            name_given="考生", **common)
        if not is_absent:
            Result.objects.create(registration=registration, score=decimal.Decimal("75.0"), passed=True,
                                  institution=payer, **{k: v for k, v in common.items() if k != "session"})
    return session
