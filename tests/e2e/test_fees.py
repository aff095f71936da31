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
