"""The demo step: rules of 武汉职业技术学院 for 软件技术 and student_li's approved conversion, built
through the services, twice without duplicates; and a clear note when the catalog step did not run."""

import io

import pytest

from accounts.models import AuditEntry, Province, User
from certificates.catalog.models import Certificate
from credit_bank.models import Conversion, ConversionRule, Outcome
from organizations.institutions.models import Institution
from organizations.orgs.models import Org
from pilot.demo import seed_personas
from pilot.demo.credit_bank import seed_credit_bank
from tests.certificates.factories import certificate_with_levels, issue_now, seal_for

pytestmark = pytest.mark.django_db


def test_the_demo_step_without_the_catalog_says_what_it_skipped():
    seed_personas(io.StringIO())
    out = io.StringIO()
    seed_credit_bank(out)
    assert "跳过转换规则" in out.getvalue() and not ConversionRule.objects.exists()


def test_the_demo_step_converts_student_lis_certificate_and_is_idempotent():
    seed_personas(io.StringIO())
    org = Org.objects.get(name="北京新奥时代科技有限责任公司")
    seal_for(org)
    certificate = certificate_with_levels(org=org, name="Web前端开发")
    student = User.objects.get(username="student_li")
    issue_now(certificate=certificate, province=Province.objects.get(code="42"), people=[student.person],
              institution=Institution.objects.get(school_code="4142010834"))
    Outcome.objects.all().delete()  # as if the hook had not run: the step's sweep records it
    for _ in range(2):
        out = io.StringIO()
        seed_credit_bank(out)
    assert ConversionRule.objects.filter(institution__name="武汉职业技术学院", major_name="软件技术").count() == 3
    assert Certificate.objects.get(name="Web前端开发").pk == certificate.pk
    conversion = Conversion.objects.get()
    assert conversion.status == "approved" and conversion.person == student.person
    assert conversion.rule_version.course_name == "Web前端开发基础" and conversion.converted_credits == 2
    assert AuditEntry.objects.filter(action="credit.conversion_approved").count() == 1
    assert "李小明的学分转换已认定" in out.getvalue()
