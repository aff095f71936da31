"""The ministry reads the dashboard: the figures and the charts (ECharts from our own static files,
under the CSP), drills from a province's tile to its institutions and to the rows behind a figure,
then opens the yellow-card candidates and cards one org with its evidence. A province's official
lands on their own province and cannot see another."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.assessments.factories import TeacherTrainingFactory
from tests.certificates.factories import certificate_with_levels
from tests.e2e.conftest import browser_login
from tests.personas import PASSWORD
from tests.pilot.test_indicators import compute

pytestmark = pytest.mark.django_db(transaction=True)


def test_ministry_drills_from_the_nation_to_an_institution_then_cards_a_candidate(
        page, ministry_user, dashboard_pilot, hubei_institution, org_a, shandong):
    # An org that by 10 September had trained teachers in Shandong but not in Hubei.
    idle_in_hubei = certificate_with_levels(org=org_a, name="工业机器人应用编程", status="published")
    TeacherTrainingFactory(org=org_a, certificate=idle_in_hubei, province=shandong,
                           start_date=datetime.date(2026, 8, 3), end_date=datetime.date(2026, 8, 4))
    compute(datetime.date(2026, 10, 1))
    problems = []
    page.on("console", lambda message: problems.append(f"{message.text} {message.location}") if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    browser_login(page, ministry_user, PASSWORD)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="试点总览").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("全国试点总览")
    expect(page.locator("[data-measure='passed'] strong")).to_have_text("6")
    expect(page.locator("[data-measure='not_issued'] strong")).to_have_text("4")
    expect(page.locator("#trend-chart[data-chart-ready='1'] canvas")).to_have_count(1)
    expect(page.locator("#province-chart[data-chart-ready='1'] canvas")).to_have_count(1)
    expect(page.locator("#waiting-matrix")).to_contain_text("暂缓")

    # The tile grid, coloured by pass rate, then Hubei's tile.
    page.get_by_label("着色指标").select_option(label="合格率")
    page.get_by_role("button", name="显示").click()
    tile = page.locator(".tile-grid a", has_text="湖北")
    expect(tile).to_contain_text("%")
    tile.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("湖北省试点总览")
    institutions = page.locator("#institutions")
    expect(institutions).to_contain_text(hubei_institution.name)
    institutions.get_by_role("link", name=hubei_institution.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(hubei_institution.name)

    # The figure opens the list behind it: three passes, names masked.
    page.locator(".big-number", has_text="合格人数").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("合格人数")
    expect(page.locator("#rows tbody tr")).to_have_count(3)
    expect(page.locator("#rows")).to_contain_text("*")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    # The supervision board: the candidate, its evidence, one action.
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="黄牌候选").click()
    table = page.locator("#candidate-table")
    expect(table).to_contain_text("未在湖北启动师资培训")
    table.get_by_role("link", name=org_a.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(org_a.name)
    expect(page.locator("#evidence-training")).to_contain_text("山东省")
    expect(page.get_by_label("原因与依据")).to_have_value(
        f"根据2026年10月培训评价组织行为评价指标（统计截至2026-10-31），“{org_a.name}”："
        "截至2026-09-10未在湖北启动师资培训（本年度首次师资培训：全国 2026-08-03，湖北 未启动）。")
    page.get_by_role("button", name="确认黄牌警告").click()
    expect(page.get_by_role("alert")).to_contain_text("记入其监管记录，并通知该组织")  # the portal's confirmation
    page.get_by_role("button", name="确认黄牌警告").click()
    expect(page.locator(".messages")).to_contain_text(f"已对“{org_a.name}”黄牌警告")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="黄牌候选").click()
    expect(page.locator(f"#candidate-table tr[data-org='{org_a.pk}']")).to_contain_text("黄牌警告")
    assert not problems, problems


def test_province_official_sees_only_their_province(page, hubei_user, dashboard_pilot):
    browser_login(page, hubei_user, PASSWORD)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="试点总览").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("湖北省试点总览")
    expect(page.locator("[data-measure='registered'] strong")).to_have_text("6")
    response = page.goto("/dashboard/provinces/37/")
    assert response.status == 404
