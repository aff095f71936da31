"""The ministry yellow-cards an org; the org sees the warning."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import browser_login
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_ministry_yellow_cards_an_org_and_the_org_sees_the_warning(page, ministry_user, org_a, org_a_user):
    browser_login(page, ministry_user, PASSWORD)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="监管").click()
    page.get_by_role("link", name=org_a.name).click()
    page.get_by_label("监管措施", exact=False).and_(page.locator("select")).select_option(label="黄牌警告")
    page.get_by_label("原因与依据").fill("截至9月10日未在全国和湖北启动师资培训")
    page.get_by_label("我已知悉").check()  # the consequence, acknowledged on the form itself
    page.get_by_role("button", name="确认").click()
    expect(page.locator(".messages")).to_contain_text("已对")
    expect(page.get_by_role("alert")).to_contain_text("黄牌警告")
    page.get_by_role("button", name="退出").click()

    browser_login(page, org_a_user, PASSWORD)
    todo = page.locator(".todo-list .urgent", has_text="黄牌警告")
    expect(todo).to_contain_text("黄牌警告")
    expect(page.get_by_role("navigation", name="主导航").locator(".badge")).to_have_text("1")
    todo.get_by_role("link").click()
    expect(page.get_by_role("alert")).to_contain_text("截至9月10日未在全国和湖北启动师资培训")
