"""Journeys through the catalog: the public finds a certificate; the ministry decides a batch and
publishes it, and the new certificate appears in the public catalog."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from certificates.batches.models import ApplicationCertificate, SelectionBatch
from certificates.catalog.models import AssessmentType, Level
from tests.certificates.factories import (
    ApplicationCertificateFactory,
    CertificateFactory,
    CertificateLevelFactory,
    SelectionBatchFactory,
    certificate_with_levels,
)
from tests.e2e.conftest import browser_login
from tests.organizations.factories import OrgFactory
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_anonymous_visitor_filters_the_catalog_and_opens_a_certificate(page):
    care_org = OrgFactory(name="北京中福长者文化科技有限公司")
    care = CertificateFactory(name="老年照护", code="X01003", field="养老服务", org=care_org)
    CertificateLevelFactory(certificate=care, level=Level.JUNIOR, assessment_type=AssessmentType.PAPER)
    CertificateLevelFactory(certificate=care, level=Level.SENIOR, assessment_type=AssessmentType.PRACTICAL_GENERAL,
                            pass_mark=70)
    CertificateFactory(name="失智老年人照护", field="养老服务")  # no 高级: filtered out by level
    certificate_with_levels(name="Web前端开发", field="信息技术")

    page.goto("/catalog/")
    expect(page.get_by_role("heading", name="职业技能等级证书目录", level=1)).to_be_visible()
    page.get_by_label("领域").select_option("养老服务")
    page.get_by_label("等级", exact=True).select_option(label="高级")
    page.get_by_role("button", name="筛选").click()
    table = page.locator("table.data-table")
    expect(table).to_contain_text("老年照护")
    expect(table).not_to_contain_text("失智老年人照护")
    expect(table).not_to_contain_text("Web前端开发")
    page.get_by_role("link", name="老年照护").click()
    expect(page.get_by_role("heading", name="老年照护", level=1)).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("北京中福长者文化科技有限公司")
    levels = page.locator("table.data-table")
    expect(levels).to_contain_text("一般设备实操")
    expect(levels).to_contain_text("70.0")


def test_ministry_decides_and_publishes_a_batch_and_the_certificate_goes_public(page, ministry_user):
    batch = SelectionBatchFactory(number=4, status=SelectionBatch.Status.REVIEWING)
    today = timezone.localdate()
    item = ApplicationCertificateFactory(
        application__batch=batch, application__applicant_name="北京康养数字科技有限公司", name="智慧健康养老服务",
        field="养老服务", outcome=ApplicationCertificate.Outcome.SHORTLISTED, expert_score=87,
        notice_from=today - datetime.timedelta(days=10), notice_until=today - datetime.timedelta(days=3))
    ApplicationCertificateFactory(application__batch=batch, name="未通过的证书",
                                  outcome=ApplicationCertificate.Outcome.REJECTED)

    browser_login(page, ministry_user, PASSWORD)
    page.goto("/catalog/batches/4/applications/")
    page.get_by_role("link", name=re.compile(f"^评审\\s*{item.name}$")).click()
    expect(page.get_by_role("heading", name="录入评审结果")).to_be_visible()
    page.get_by_label("专家评审分").fill("88.50")
    page.get_by_label("评审结果").select_option(label="通过")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("评审结果已记录")

    page.goto("/catalog/batches/4/")
    page.get_by_role("button", name="公布遴选结果").click()
    expect(page.get_by_role("alert")).to_contain_text("评审通过的证书进入公开的证书目录")  # the portal's confirmation
    page.get_by_role("button", name="确认公布").click()
    expect(page.locator(".messages")).to_contain_text("第4批遴选结果已公布")
    expect(page.locator(".stat-grid")).to_contain_text("50.0%")

    page.get_by_role("button", name="退出").click()
    page.goto("/catalog/?batch=4")
    table = page.locator("table.data-table")
    expect(table).to_contain_text("智慧健康养老服务")
    expect(table).to_contain_text("北京康养数字科技有限公司")
    expect(table).not_to_contain_text("未通过的证书")
