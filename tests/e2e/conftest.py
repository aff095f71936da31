"""Playwright on the system Chromium (never a downloaded browser) against a live server."""

import os

import pytest

CHROMIUM = os.environ.get("PILOT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"system Chromium not found at {CHROMIUM}: apt-get install chromium chromium-driver")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def ofd_reader(browser, tmp_path_factory):
    """ofd.js, an OFD reader no one here wrote, in the system Chromium: ``ofd_reader.render(ofd_bytes)``
    (tests/e2e/ofd_reader.py). Needs no live server."""
    from tests.e2e.ofd_reader import OfdReader

    return OfdReader(browser, tmp_path_factory.mktemp("ofd-reader"))


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(locale="zh-CN", base_url=live_server.url, viewport={"width": 375, "height": 740},
                                  is_mobile=True, has_touch=True)
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


def current_totp(user) -> str:
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def browser_login(page, user, password):
    """Sign in through the login form, and the second-factor form where the role needs it."""
    page.goto("/account/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    if "/account/2fa/" in page.url:
        page.get_by_label("动态验证码").fill(current_totp(user))
        page.get_by_role("button", name="验证").click()
    page.wait_for_url(lambda url: "/account/" not in url)
