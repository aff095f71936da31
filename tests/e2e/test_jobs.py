"""A background job's progress in the browser (templates/includes/job_progress.html with
static/js/jobs.js): the phase and the bar follow the job, the page reloads itself when the job is
done; without JavaScript a link shows the progress on demand."""

import os

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.jobs.services import job_finish, job_progress
from pilot.dashboard.models import RollupRefresh
from tests.e2e.conftest import CHROMIUM, browser_login
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def running_refresh() -> RollupRefresh:
    now = timezone.now()
    return RollupRefresh.objects.create(status="running", phase="institutions", percent=45, requested_at=now,
                                        started_at=now, heartbeat_at=now, attempts=1, trigger="manual")


def test_the_progress_follows_the_job_and_the_page_reloads_when_it_is_done(page, ministry_user, dashboard_pilot):
    refresh = running_refresh()
    browser_login(page, ministry_user, PASSWORD)
    page.goto("/dashboard/")
    panel = page.locator("[data-job-status]")
    expect(panel.get_by_role("heading", level=2)).to_have_text("正在更新统计数据……")
    expect(panel.get_by_role("status")).to_have_text("汇总各院校")
    expect(panel.get_by_role("progressbar", name="更新进度")).to_have_attribute("value", "45")
    if os.environ.get("PILOT_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["PILOT_SCREENSHOTS"], "job-progress.png"), full_page=False)

    job_progress(RollupRefresh, refresh.pk, phase="fees")
    expect(panel.get_by_role("status")).to_have_text("汇总收费")
    expect(panel.get_by_role("progressbar", name="更新进度")).to_have_attribute("value", "75")

    job_finish(RollupRefresh, refresh.pk, as_of=timezone.localdate(), seconds=1.5)
    expect(page.locator("[data-job-status]")).to_have_count(0)  # reloaded by itself
    expect(page.locator("[data-refreshed]")).to_contain_text("用时 1.5 秒")


def test_without_javascript_a_link_shows_the_progress(browser, live_server, ministry_user, dashboard_pilot):
    assert os.path.exists(CHROMIUM)
    context = browser.new_context(locale="zh-CN", base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(15000)
    page = context.new_page()
    try:
        refresh = running_refresh()
        browser_login(page, ministry_user, PASSWORD)
        page.goto("/dashboard/")
        expect(page.get_by_role("status")).to_have_text("汇总各院校")
        job_progress(RollupRefresh, refresh.pk, phase="saving")
        page.get_by_role("link", name="刷新查看进度").click()
        expect(page.get_by_role("status")).to_have_text("保存统计数据")
    finally:
        context.close()
