"""The pipeline demo step: student_li passed a finalized session and holds the certificate issued from
that pass, dated after the session; an open session has registrations including learner_zhao's own;
running it twice adds nothing."""

import io

import pytest

from assessments.models import AssessmentSession, Registration, Result
from certificates.issuance.models import IssuanceRequest, IssuedCertificate
from organizations.orgs.models import Org
from pilot.demo import seed_personas
from pilot.demo.pipeline import seed_pipeline
from tests.certificates.factories import certificate_with_levels

pytestmark = pytest.mark.django_db


def test_without_the_certificate_nothing_is_created_and_it_says_so():
    seed_personas(None)
    out = io.StringIO()
    seed_pipeline(out)
    assert "未生成考核数据" in out.getvalue() and not AssessmentSession.objects.exists()


def test_the_demo_pipeline_runs_twice_unchanged():
    seed_personas(None)
    certificate_with_levels(name="Web前端开发", org=Org.objects.get(name="北京新奥时代科技有限责任公司"))
    seed_pipeline(io.StringIO())
    counts = (AssessmentSession.objects.count(), Registration.objects.count(), Result.objects.count(),
              IssuanceRequest.objects.count())
    seed_pipeline(io.StringIO())
    assert counts == (AssessmentSession.objects.count(), Registration.objects.count(), Result.objects.count(),
                      IssuanceRequest.objects.count())
    held = AssessmentSession.objects.get(status="finalized", date="2020-11-21")
    assert held.level == "junior"
    li = Registration.objects.get(session=held, person__user__username="student_li")
    request = IssuanceRequest.objects.get(result_id=li.result.pk, holder_name="李小明")
    assert li.result.passed and request.status == "issued"
    issued = IssuedCertificate.objects.get(request=request)
    assert issued.issued_on > held.date and issued.issued_on.year == 2020 and issued.number[13:15] == "20"
    # Every request comes from a passed result of a finalized session.
    finalized = set(AssessmentSession.objects.filter(status="finalized").values_list("pk", flat=True))
    assert set(IssuanceRequest.objects.values_list("session_id", flat=True)) <= finalized
    passed = set(Result.objects.filter(passed=True).values_list("pk", flat=True))
    assert set(IssuanceRequest.objects.values_list("result_id", flat=True)) <= passed
    open_session = AssessmentSession.objects.get(status="scheduled")
    zhao = Registration.objects.get(session=open_session, person__user__username="learner_zhao")
    assert zhao.channel == "self" and zhao.account.username == "learner_zhao"
    assert Registration.objects.filter(session=open_session, channel="institution").count() == 12
