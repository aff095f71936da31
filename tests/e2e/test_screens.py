"""Screens of issue 16 in a browser: the ministry's menu grouped by area at 1366 px and on a phone,
search as you type in a long select, and the portal's own confirmation of a destructive action."""

import pytest
from playwright.sync_api import expect

from assessments.models import Filing
from tests.assessments.factories import FilingFactory
from tests.certificates.factories import certificate_with_levels
from tests.e2e.conftest import browser_login
from tests.organizations.factories import InstitutionFactory
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

AREAS = ["综合", "统计与报告", "备案与院校", "考核与成绩", "证书", "收费", "学分银行", "监管", "账户"]


@pytest.fixture
def laptop_page(browser, live_server):
    """The common office screen: 1366 x 768."""
    context = browser.new_context(locale="zh-CN", base_url=live_server.url, viewport={"width": 1366, "height": 768})
    context.set_default_timeout(15000)
    yield context.new_page()
    context.close()


def _no_sideways_scrolling(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_ministrys_menu_is_grouped_reachable_and_marks_the_current_page(laptop_page, ministry_user):
    page = laptop_page
    browser_login(page, ministry_user, PASSWORD)
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.locator("summary")).to_have_text(AREAS)
    links = nav.get_by_role("link")
    expect(links).to_have_count(31)
    for i in range(31):
        expect(links.nth(i)).to_be_visible()
    _no_sideways_scrolling(page)

    nav.get_by_role("link", name="黄牌候选").click()
    current = page.get_by_role("navigation", name="主导航").locator("[aria-current=page]")
    expect(current).to_have_text("黄牌候选")
    expect(page.locator("details.nav-group[data-current] > summary")).to_have_text("监管")

    # Keyboard: Tab from the top of the page reaches every entry, in the menu's order.
    hrefs = [links.nth(i).get_attribute("href") for i in range(31)]
    reached = []
    for _ in range(100):
        page.keyboard.press("Tab")
        href = page.evaluate("document.activeElement.closest('.side-nav') && document.activeElement.getAttribute('href')")
        if href:
            reached.append(href)
        if len(reached) == len(hrefs):
            break
    assert reached == hrefs

    # An area folds and unfolds from the keyboard (<details>, no script needed).
    fees = nav.locator("summary", has_text="收费")
    fees.focus()
    page.keyboard.press("Enter")
    expect(nav.get_by_role("link", name="费用核定")).to_be_hidden()
    page.keyboard.press("Enter")
    nav.get_by_role("link", name="费用核定").click()
    expect(page.get_by_role("navigation", name="主导航").locator("[aria-current=page]")).to_have_text("费用核定")


def test_the_menu_keeps_working_in_large_text(laptop_page, ministry_user):
    page = laptop_page
    browser_login(page, ministry_user, PASSWORD)
    page.get_by_role("button", name="大字版").click()
    expect(page.locator("html")).to_have_class("large-text")
    page.reload()
    expect(page.locator("html")).to_have_class("large-text")
    expect(page.get_by_role("navigation", name="主导航").get_by_role("link")).to_have_count(31)
    _no_sideways_scrolling(page)


def test_on_a_phone_only_the_current_area_is_open(phone_page, ministry_user):
    page = phone_page
    browser_login(page, ministry_user, PASSWORD)
    page.goto("/supervision/candidates/")
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link", name="黄牌候选")).to_be_visible()
    expect(nav.get_by_role("link", name="费用核定")).to_be_hidden()
    nav.locator("summary", has_text="收费").click()
    expect(nav.get_by_role("link", name="费用核定")).to_be_visible()
    _no_sideways_scrolling(page)


def test_a_province_finds_a_certificate_by_typing(page, hubei_user, hubei, shandong, org_a):
    InstitutionFactory(province=hubei, name="武汉软件工程职业学院")
    InstitutionFactory(province=shandong, name="山东商业职业技术学院")
    for n in range(30):
        certificate_with_levels(org=org_a, name=f"智能制造单元{n:02d}", code=f"X3{n:04d}")
    certificate_with_levels(org=org_a, name="Web前端开发", code="X20001")
    wanted = certificate_with_levels(org=org_a, name="前端性能优化", code="X20002")
    browser_login(page, hubei_user, PASSWORD)
    page.goto("/assessments/filings/new/")

    search = page.locator("input[aria-describedby=id_certificate-label]")
    expect(search).to_have_attribute("role", "combobox")
    search.press_sequentially("前端")
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_text(["Web前端开发（X20001，甲培训评价组织）", "前端性能优化（X20002，甲培训评价组织）"])
    search.press("ArrowDown")
    search.press("ArrowDown")
    search.press("Enter")
    expect(page.locator("#id_certificate")).to_have_value(str(wanted.pk))
    expect(search).to_have_value("前端性能优化（X20002，甲培训评价组织）")

    # Another province's institution is not offered.
    institution = page.locator("input[aria-describedby=id_institution-label]")
    institution.press_sequentially("山东")
    expect(page.locator(".choice-search-none")).to_have_text("没有匹配的选项")
    institution.fill("")
    institution.press_sequentially("软件")
    page.get_by_role("listbox").get_by_role("option", name="武汉软件工程职业学院").click()

    page.get_by_label("年度").fill("2020")
    page.get_by_label("初级申报人数").fill("30")
    page.get_by_label("联系教师").fill("张红")
    page.get_by_label("联系电话").fill("13871234567")
    page.get_by_role("button", name="提交备案").click()
    expect(page.get_by_role("status")).to_contain_text("备案已记录")
    assert Filing.objects.get().certificate == wanted


def test_without_javascript_a_withdrawal_is_confirmed_on_the_portals_page(browser, live_server, hubei_user,
                                                                          hubei_institution, org_a):
    filing = FilingFactory(institution=hubei_institution, certificate=certificate_with_levels(org=org_a, name="Web前端开发"))
    context = browser.new_context(locale="zh-CN", base_url=live_server.url, java_script_enabled=False,
                                  viewport={"width": 1366, "height": 768})
    context.set_default_timeout(15000)
    page = context.new_page()
    page.on("dialog", lambda dialog: pytest.fail(f"the browser's own dialog appeared: {dialog.message}"))
    try:
        browser_login(page, hubei_user, PASSWORD)
        page.goto(f"/assessments/filings/{filing.pk}/")
        page.get_by_label("撤回原因").fill("院校退出试点")
        page.get_by_role("button", name="撤回备案").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("撤回备案")
        expect(page.get_by_role("alert")).to_have_text("确认后将会：该备案将被撤回，不再计入统计；如需恢复，须重新备案。")
        filing.refresh_from_db()
        assert filing.withdrawn_at is None
        page.get_by_role("button", name="确认撤回备案").click()
        expect(page.get_by_role("status")).to_contain_text("备案已撤回")
        filing.refresh_from_db()
        assert filing.withdrawn_at is not None and filing.withdrawal_reason == "院校退出试点"
    finally:
        context.close()
