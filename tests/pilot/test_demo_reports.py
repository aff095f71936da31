"""The trainings, plans and report demo step: what it makes, idempotent, and nothing without a catalog."""

import io

import pytest
from pypdf import PdfReader

from assessments.models import (
    AssessmentPlan,
    CertificateTraining,
    HubeiCommitment,
    MonthlyReport,
    MonthlyReportRow,
    TeacherTraining,
)
from organizations.orgs.models import Org
from pilot.demo import seed_personas
from pilot.demo.reports import REPORT_MONTH, seed_reports
from tests.certificates.factories import certificate_with_levels

pytestmark = pytest.mark.django_db


def test_without_the_demo_orgs_certificates_nothing_is_created_and_it_says_so():
    seed_personas(None)
    out = io.StringIO()
    seed_reports(out)
    assert "未生成" in out.getvalue()
    assert not TeacherTraining.objects.exists() and not MonthlyReport.objects.exists()


def test_the_demo_has_trainings_commitments_a_plan_and_a_report_and_runs_twice_unchanged():
    seed_personas(None)
    web = Org.objects.get(name="北京新奥时代科技有限责任公司")
    care = Org.objects.get(name="北京中福长者文化科技有限公司")
    certificate_with_levels(name="Web前端开发", org=web, code="X01002")
    certificate_with_levels(name="老年照护", org=care, code="X01003")
    seed_reports(io.StringIO())
    counts = (TeacherTraining.objects.count(), CertificateTraining.objects.count(), HubeiCommitment.objects.count(),
              AssessmentPlan.objects.count(), MonthlyReport.objects.count(), MonthlyReportRow.objects.count())
    assert TeacherTraining.objects.filter(hubei_special=True, province_id="42").count() == 6
    assert HubeiCommitment.objects.count() == 2
    plan = AssessmentPlan.objects.get(org=web, year=2020)
    assert (plan.version, plan.first_month, plan.last_month, plan.total_candidates) == (1, 9, 12, 540)
    report = MonthlyReport.objects.get(month=REPORT_MONTH)
    assert report.status == "done" and report.figures["total"]["month"]["planned_candidates"] == 155  # October: 110 + 45
    with report.pdf.open("rb") as handle:
        assert "北京新奥时代科技有限责任公司" in "".join(p.extract_text() for p in PdfReader(handle).pages)
    seed_reports(io.StringIO())
    assert counts == (TeacherTraining.objects.count(), CertificateTraining.objects.count(),
                      HubeiCommitment.objects.count(), AssessmentPlan.objects.count(), MonthlyReport.objects.count(),
                      MonthlyReportRow.objects.count())
    assert MonthlyReport.objects.get().runs == 1
