"""Fee verification journey: the org proposes, the Hubei alliance counters, the Hubei province
verifies, and an institution reads the verified standard."""

import pytest
from playwright.sync_api import expect

from fees.caps import caps_ensure
from tests.certificates.factories import certificate_with_levels
from tests.e2e.conftest import browser_login
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_propose_counter_verify(page, org_a, org_a_user, hubei_alliance_user, hubei_user, hubei_institution_user):
    caps_ensure()
    certificate = certificate_with_levels(org=org_a, name="Web前端开发")

    browser_login(page, org_a_user, PASSWORD)
    page.goto("/fees/new/")
    page.get_by_label("证书", exact=True).select_option(label=certificate.name)
    page.get_by_label("等级", exact=True).select_option(label="初级")
    page.get_by_label("省份", exact=True).select_option(label="湖北省")
    page.get_by_label("题库建设").fill("120")
    page.get_by_label("考试系统技术支持与运维").fill("110")
    page.get_by_label("监考和考务管理费").fill("60")
    page.get_by_role("button", name="提交").click()
    expect(page.locator(".messages")).to_contain_text("290.00")
    page.get_by_role("button", name="退出").click()

    browser_login(page, hubei_alliance_user, PASSWORD)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="费用核定").click()
    page.get_by_role("link", name="Web前端开发").first.click()
    page.get_by_label("题库建设").fill("100")
    page.get_by_role("button", name="提交新版本").click()
    expect(page.locator("td.changed")).to_have_text("100.00")
    page.get_by_role("button", name="退出").click()

    browser_login(page, hubei_user, PASSWORD)
    page.goto("/fees/")
    page.get_by_role("link", name="Web前端开发").first.click()
    page.get_by_label("生效日期").fill("2020-09-01")
    page.get_by_role("button", name="核定", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("270.00")
    page.get_by_role("button", name="退出").click()

    browser_login(page, hubei_institution_user, PASSWORD)
    page.goto("/fees/standards/?province=42")
    expect(page.locator("table.data-table")).to_contain_text("Web前端开发")
    expect(page.locator("table.data-table")).to_contain_text("270.00")


def test_institution_sees_the_amount_due_and_records_a_payment(page, org_a, org_a_user, hubei, hubei_user,
                                                               hubei_institution, hubei_institution_user):
    from accounts.scoping import actor_for
    from fees.services import fee_proposal_submit, fee_version_verify
    from tests.fees.conftest import finalized_session, items

    caps_ensure()
    certificate = certificate_with_levels(org=org_a, name="Web前端开发")
    version = fee_proposal_submit(actor=actor_for(org_a_user), certificate=certificate, level="junior", province=hubei,
                                  items=items(question_bank="150", exam_system="120"))
    fee_version_verify(actor=actor_for(hubei_user), version=version, effective_from=__import__("datetime").date(2020, 9, 1))
    finalized_session(certificate=certificate, province=hubei, institution=hubei_institution, candidates=3)

    browser_login(page, hubei_institution_user, PASSWORD)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="费用支付").click()
    row = page.locator("table.data-table tbody tr", has_text="Web前端开发")
    expect(row).to_contain_text("810.00")
    row.get_by_label("支付金额（元）").fill("500")
    row.get_by_label("凭证号").fill("HBZF-2020-118")
    row.get_by_role("button", name="登记").click()
    expect(page.locator(".messages")).to_contain_text("已登记支付 500")
    expect(page.locator("table.data-table tbody tr", has_text="Web前端开发")).to_contain_text("310.00")


def test_a_provinces_fee_todo_leads_to_the_verification_page_and_verifying_it(page, org_a, org_a_user, hubei,
                                                                             hubei_user):
    """Issue 16: a proposal waiting for the province's verification is on its workbench; following the
    to-do, the province verifies it from a later date; the page says which standard it supersedes
    and the public list shows today's standard and the new one with its date."""
    import datetime

    from django.utils import timezone

    from accounts.scoping import actor_for
    from certificates.catalog.models import Level
    from fees.services import fee_proposal_submit, fee_version_verify
    from tests.certificates.factories import CertificateFactory, CertificateLevelFactory
    from tests.fees.conftest import items

    caps_ensure()
    certificate = CertificateFactory(org=org_a, name="Web前端开发")
    for level in Level.values:
        CertificateLevelFactory(certificate=certificate, level=level, assessment_type="computer")
    everyone = fee_proposal_submit(actor=actor_for(org_a_user), certificate=certificate, level="", province=hubei,
                                   items=items(question_bank="230"))
    fee_version_verify(actor=actor_for(hubei_user), version=everyone, effective_from=datetime.date(2020, 9, 1))
    fee_proposal_submit(actor=actor_for(org_a_user), certificate=certificate, level="junior", province=hubei,
                        items=items(question_bank="300"))
    starts = timezone.localdate() + datetime.timedelta(days=30)

    browser_login(page, hubei_user, PASSWORD)
    todos = page.locator(".todo-list")
    expect(todos).to_contain_text("待核定的费用标准：Web前端开发（初级")
    todos.get_by_role("link", name="待核定的费用标准：Web前端开发").click()
    expect(page.get_by_role("heading", name="核定", exact=True)).to_be_visible()
    page.get_by_label("生效日期").fill(starts.isoformat())
    page.get_by_role("button", name="核定", exact=True).click()
    messages = page.locator(".messages")
    expect(messages).to_contain_text("已核定：300.00 元/人次")
    expect(messages).to_contain_text("替代：湖北省 Web前端开发 各等级统一 230.00 元/人次")

    page.goto("/")
    expect(page.locator("main")).not_to_contain_text("待核定的费用标准")
    page.goto("/fees/standards/?province=42")
    table = page.locator("table.data-table")
    expect(table.locator("tr", has_text="230.00").first).to_contain_text("现行")
    expect(table.locator("tr", has_text="300.00")).to_contain_text("待生效")
    expect(table.locator("tr", has_text="300.00")).to_contain_text(starts.isoformat())
