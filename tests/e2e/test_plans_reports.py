"""Issue 5's journey for plans and the monthly report, in a browser: an org downloads the template,
uploads a September–December plan with a row outside the window and sees the error (nothing
saved), uploads the corrected plan and sees it with a warning against the filings; the ministry
generates October's progress report, watches the progress bar until the worker is done, opens the
month's figures and downloads the PDF, whose Chinese text is extractable."""

import datetime
import io
import os
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.assessments.factories import FilingFactory, pipeline_candidate
from tests.certificates.factories import certificate_with_levels
from tests.e2e.conftest import browser_login
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

HEADERS = ["月份", "省份", "证书名称", "等级", "计划考核人数", "计划考核批次"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PLAN = [["9月", "湖北省", "Web前端开发", "初级", 120, 2], ["10月", "湖北省", "Web前端开发", "初级", 200, 3],
        ["11月", "湖北省", "Web前端开发", "中级", 60, 1], ["12月", "山东省", "Web前端开发", "初级", 40, 1]]


def plan_file(rows) -> dict:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return {"name": "2020年考核计划.xlsx", "mimeType": XLSX, "buffer": buffer.getvalue()}


@pytest.fixture
def ministry_page(browser, live_server):
    context = browser.new_context(locale="zh-CN", base_url=live_server.url, viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    context.set_default_timeout(20000)
    yield context.new_page()
    context.close()


def test_an_org_uploads_its_plan_and_the_ministry_downloads_the_months_progress(
        page, ministry_page, settings, celery_worker_process, org_a_user, ministry_user, org_a, hubei,
        hubei_institution, tmp_path):
    # The live server and the worker (on PostgreSQL/Redis) share the report files' folder.
    settings.MEDIA_ROOT = Path(os.environ["PILOT_VAR_DIR"]) / "media"
    certificate = certificate_with_levels(org=org_a, name="Web前端开发", code="X30001")
    FilingFactory(institution=hubei_institution, certificate=certificate, year=2020, levels={"junior": 150})
    october = datetime.date(2020, 10, 15)
    first = pipeline_candidate(certificate=certificate, province=hubei, date=october, issuance="issued")
    pipeline_candidate(certificate=certificate, province=hubei, date=october, session=first.session,
                       issuance="pending")
    pipeline_candidate(certificate=certificate, province=hubei, date=october, session=first.session, passed=False)

    # The org: template, a refused upload, the corrected one.
    browser_login(page, org_a_user, PASSWORD)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="考核计划").click()
    page.get_by_label("年度").select_option("2020")
    page.get_by_role("button", name="查看").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="下载模板").click()
    template = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert [c.value for c in template["考核计划"][1]] == [h + "*" for h in HEADERS]

    page.get_by_role("link", name="上传考核计划").click()
    page.get_by_label("计划年度").fill("2020")
    page.get_by_label("考核计划文件").set_input_files(plan_file(PLAN + [["1月", "湖北省", "Web前端开发", "初级", 5, 1]]))
    page.get_by_role("button", name="上传并提交").click()
    errors = page.locator("#plan-errors")
    expect(errors).to_contain_text("第 6 行")
    expect(errors).to_contain_text("1月不在 2020 年的考核计划时间窗口（9月至12月）内。")

    page.get_by_label("考核计划文件").set_input_files(plan_file(PLAN))
    page.get_by_role("button", name="上传并提交").click()
    expect(page.get_by_role("status")).to_contain_text("考核计划第 1 版已保存")
    expect(page.get_by_role("status")).to_contain_text("超过该省院校备案申报的 150 人")
    expect(page.locator("#plan-total-candidates")).to_have_text("420")
    expect(page.locator("#plan-warnings")).to_contain_text("湖北省「Web前端开发（初级）」计划考核 320 人")

    # The ministry: generate October, watch it finish, read it, download the PDF.
    browser_login(ministry_page, ministry_user, PASSWORD)
    ministry_page.get_by_role("navigation", name="主导航").get_by_role("link", name="月度进展报告").click()
    ministry_page.get_by_label("报告月份").fill("2020-10")
    ministry_page.get_by_role("button", name="生成报告").click()
    expect(ministry_page.get_by_role("heading", level=1)).to_have_text("2020年10月进展报告")
    expect(ministry_page.locator("#report-key-figures")).to_be_visible(timeout=90000)
    expect(ministry_page.locator('[data-metric="month-planned_candidates"]')).to_have_text("200")
    expect(ministry_page.locator('[data-metric="month-registered"]')).to_have_text("3")
    expect(ministry_page.locator('[data-metric="ytd-passed_not_issued"]')).to_have_text("1")
    expect(ministry_page.locator("#report-orgs")).to_contain_text("甲培训评价组织")
    with ministry_page.expect_download() as download:
        ministry_page.get_by_role("link", name="下载 PDF").click()
    assert download.value.suggested_filename == "2020年10月进展报告-全国.pdf"
    text = "".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert "2020年10月1+X证书制度试点月度进展报告" in text and "甲培训评价组织" in text and "湖北省" in text
