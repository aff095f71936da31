"""The front door (issue 17): a visitor reaches verification, the catalog and the open sessions from
the public home; the home and the open sessions pass axe-core without serious violations; the public
pages work without JavaScript."""

import datetime
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.assessments.factories import SessionFactory, SiteFactory
from tests.certificates.factories import certificate_with_levels

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def open_session(org_a, hubei):
    certificate = certificate_with_levels(org=org_a, name="Web前端开发", code="X10001")
    site = SiteFactory(org=org_a, code="4201", name="武汉职业技术学院考点", province=hubei, city="武汉市")
    return SessionFactory(certificate=certificate, site=site, date=datetime.date.today() + datetime.timedelta(days=20))


@pytest.fixture
def visitor(browser, live_server):
    """A visitor's page. The portal's CSP forbids inline scripts, so axe (injected inline) needs it bypassed."""
    context = browser.new_context(locale="zh-CN", base_url=live_server.url, bypass_csp=True,
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    yield context.new_page()
    context.close()


def serious_violations(page) -> list[str]:
    if not AXE.exists():
        pytest.fail(f"axe-core not found at {AXE}: run scripts/system-deps --browser (npm ci in tests/e2e)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert result["testEngine"]["name"] == "axe-core" and result["passes"]  # it ran and checked something
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_a_visitor_reaches_verification_catalog_and_open_sessions_from_the_home(visitor, open_session):
    page = visitor
    page.goto("/")
    expect(page.get_by_role("heading", name="1+X证书制度试点", level=1)).to_be_visible()
    assert serious_violations(page) == []

    services = page.get_by_role("navigation", name="办事服务")
    services.get_by_role("link", name="证书查验").click()
    expect(page.get_by_role("heading", name="职业技能等级证书查验")).to_be_visible()

    page.goto("/")
    services.get_by_role("link", name="证书目录").click()
    expect(page).to_have_url(re.compile(r"/catalog/$"))
    expect(page.get_by_text("Web前端开发").first).to_be_visible()

    page.goto("/")
    services.get_by_role("link", name="考核报名").click()
    expect(page.get_by_role("heading", name="可报名的考核", level=1)).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_label("省份").select_option(label="湖北省")
    page.get_by_role("button", name="查询").click()
    table = page.locator("#open-sessions")
    expect(table).to_contain_text("武汉职业技术学院考点")
    table.get_by_role("link", name="报名").first.click()
    expect(page).to_have_url(re.compile(r"/account/login/\?next=/assessments/sessions/\d+/$"))  # sign in first


def test_the_public_pages_work_without_javascript(browser, live_server, open_session):
    context = browser.new_context(locale="zh-CN", base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/")
        page.get_by_role("button", name="大字版").click()
        expect(page.locator("html")).to_have_class("large-text")
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("heading", level=1)).to_have_text("The 1+X certificate pilot")
        page.goto("/assessments/open/?level=junior")
        expect(page.locator("#open-sessions")).to_contain_text("Web前端开发")
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_public_pages_fit_a_375_px_phone_without_scrolling_sideways(browser, live_server, open_session, org_a, locale):
    """Wide tables scroll inside their frame; nothing else (a table's hidden caption, a row of tabs)
    may widen the page."""
    context = browser.new_context(locale=locale, base_url=live_server.url, viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        for url in ("/", "/orgs/status/", "/notices/", "/notices/?category=policy", "/assessments/open/",
                    "/fees/standards/", "/catalog/", "/sitemap/", "/verify/", "/account/signup/"):
            page.goto(url)
            assert page.evaluate("document.documentElement.scrollWidth") <= 375, (locale, url)
    finally:
        context.close()
