"""The filing journey of issue 4 in a browser: the Hubei province registers and files one
institution through the forms, uploads a bulk file with one bad row and sees the error, fixes it,
uploads again and sees the totals; the ministry sees the national total rise."""

import io
import os
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.assessments.factories import FilingFactory
from tests.certificates.factories import certificate_with_levels
from tests.e2e.conftest import browser_login
from tests.organizations.factories import InstitutionFactory
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

HEADERS = ["学校标识码", "学校名称", "证书名称", "年度", "等级", "申报人数", "联系教师", "联系电话"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def bulk_file(rows) -> dict:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return {"name": "湖北省备案.xlsx", "mimeType": XLSX, "buffer": buffer.getvalue()}


@pytest.fixture
def ministry_page(browser, live_server):
    """The ministry officer's own browser, open beside the province's."""
    context = browser.new_context(locale="zh-CN", base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    yield context.new_page()
    context.close()


def test_hubei_files_in_the_browser_and_the_ministry_sees_the_total_rise(
        page, ministry_page, settings, celery_worker_process, hubei_user, ministry_user, hubei, shandong, org_a):
    # The live server and the worker (on PostgreSQL/Redis) share the uploaded file's folder.
    settings.MEDIA_ROOT = Path(os.environ["PILOT_VAR_DIR"]) / "media"
    certificate = certificate_with_levels(org=org_a, name="Web前端开发", code="X20001")
    first = InstitutionFactory(province=hubei, name="武汉软件工程职业学院", school_code="4142013254")
    second = InstitutionFactory(province=hubei, name="湖北交通职业技术学院", school_code="4142012713")
    FilingFactory(institution=InstitutionFactory(province=shandong), certificate=certificate, total_students=33)

    browser_login(ministry_page, ministry_user, PASSWORD)
    ministry_page.get_by_role("navigation", name="主导航").get_by_role("link", name="全国备案汇总").click()
    expect(ministry_page.locator("#national-total")).to_have_text("33")

    # Register one institution and file it through the forms.
    browser_login(page, hubei_user, PASSWORD)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="院校名录").click()
    page.get_by_role("link", name="登记院校").click()
    page.get_by_label("院校名称").fill("武汉铁路职业技术学院")
    page.get_by_label("学校标识码").fill("414201289")
    page.get_by_label("院校类型").select_option(label="高职专科")
    page.get_by_label("所在城市").fill("武汉市")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert")).to_contain_text("学校标识码应为 10 位数字，当前为“414201289”。")
    page.get_by_label("学校标识码").fill("4142012891")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("武汉铁路职业技术学院")

    page.get_by_role("link", name="为该院校备案").click()
    page.get_by_role("combobox", name="证书", exact=True).select_option(label="Web前端开发（X20001，甲培训评价组织）")
    page.get_by_label("年度").fill("2020")
    page.get_by_label("初级申报人数").fill("50")
    page.get_by_label("中级申报人数").fill("10")
    page.get_by_label("联系教师").fill("张红")
    page.get_by_label("联系电话").fill("13871234567")
    page.get_by_role("button", name="提交备案").click()
    expect(page.get_by_role("status")).to_contain_text("备案已记录")
    expect(page.get_by_text("有效，已计入统计")).to_be_visible()

    # A bulk file with one bad row: nothing is saved, the row and the reason are shown.
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="院校备案").click()
    page.get_by_role("link", name="批量导入").click()
    rows = [
        [first.school_code, first.name, "Web前端开发", 2020, "初级", 100, "李明", "13800000001"],
        [second.school_code, second.name, "Web前端开发", 2020, "中级", 0, "王芳", "13800000002"],
        ["4142012891", "武汉铁路职业技术学院", "Web前端开发", 2021, "高级", 5, "张红", "13871234567"],
    ]
    page.get_by_label("备案文件").set_input_files(bulk_file(rows))
    page.get_by_role("button", name="上传并校验").click()
    expect(page.get_by_role("heading", name="未保存")).to_be_visible(timeout=30000)
    errors = page.locator("#import-errors")
    expect(errors).to_contain_text("第 3 行")
    expect(errors).to_contain_text("应为正整数，当前为“0”。")
    expect(page.get_by_role("link", name="下载错误报告（Excel，错误单元格已标红）")).to_be_visible()

    # Fixed and uploaded again: saved, with the province's totals.
    rows[1][5] = 40
    page.get_by_role("link", name="改正后重新上传").click()
    page.get_by_label("备案文件").set_input_files(bulk_file(rows))
    page.get_by_role("button", name="上传并校验").click()
    expect(page.get_by_role("heading", name="已保存", exact=True)).to_be_visible(timeout=30000)
    expect(page.get_by_role("status").first).to_contain_text("新增 3 项")
    expect(page.locator("#province-total")).to_contain_text("205")
    expect(page.locator("#totals-table")).to_contain_text("Web前端开发")

    page.get_by_role("link", name="返回备案列表").click()
    expect(page.locator("#filing-total")).to_contain_text("205")
    expect(page.locator("#filings-table")).to_contain_text("武汉铁路职业技术学院")

    ministry_page.reload()
    expect(ministry_page.locator("#national-total")).to_have_text("238")
    expect(ministry_page.locator("#province-totals")).to_contain_text("205")
