"""The assessment chain of issue 5 in a browser: Hubei files an institution's participation; the org
records a site and schedules a session; the institution registers its students from a file (a bad
row first, then the corrected file) and hands out the activation codes; the org uploads the scores
and finalizes; every pass has become an issuance request; a student activates their account and
sees their score."""

import datetime
import io

import openpyxl
import pytest
from playwright.sync_api import expect

from accounts.models import Person
from certificates.issuance.models import IssuanceRequest
from tests.accounts.factories import valid_id_number
from tests.certificates.factories import certificate_with_levels
from tests.e2e.conftest import browser_login
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx(headers, rows, name) -> dict:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return {"name": name, "mimeType": XLSX, "buffer": buffer.getvalue()}


def new_page(browser, live_server):
    context = browser.new_context(locale="zh-CN", base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    page = context.new_page()
    return page


def test_filing_session_registration_results_finalization_in_the_browser(
        browser, live_server, hubei_user, org_a_user, org_a, hubei_institution_user, hubei_institution):
    certificate = certificate_with_levels(org=org_a, name="Web前端开发", code="X30001")
    today = datetime.date.today()

    # 1. The province files the institution's participation.
    province = new_page(browser, live_server)
    browser_login(province, hubei_user, PASSWORD)
    province.goto(f"/assessments/filings/new/?institution={hubei_institution.pk}")
    province.get_by_role("combobox", name="证书", exact=True).select_option(label="Web前端开发（X30001，甲培训评价组织）")
    province.get_by_label("年度").fill(str(today.year))
    province.get_by_label("初级申报人数").fill("120")
    province.get_by_label("联系教师").fill("张红")
    province.get_by_label("联系电话").fill("13871234567")
    province.get_by_role("button", name="提交备案").click()
    expect(province.get_by_role("status")).to_contain_text("备案已记录")

    # 2. The org records a site and schedules a session for today.
    org = new_page(browser, live_server)
    browser_login(org, org_a_user, PASSWORD)
    org.get_by_role("navigation", name="主导航").get_by_role("link", name="考点").click()
    org.get_by_role("link", name="登记考点").click()
    org.get_by_label("考点代码").fill("4201")
    org.get_by_label("考点名称").fill("武汉职业技术学院考点")
    org.get_by_label("省份").select_option(label="湖北省")
    org.get_by_label("地址").fill("武汉市洪山区珞喻路 463 号")
    org.get_by_role("button", name="保存").click()
    expect(org.get_by_role("status")).to_contain_text("考点已登记")
    org.get_by_role("navigation", name="主导航").get_by_role("link", name="考核批次").click()
    org.get_by_role("link", name="安排考核").click()
    org.get_by_label("证书").select_option(label="Web前端开发（X30001，甲培训评价组织）")
    org.get_by_label("等级").select_option(label="初级")
    org.locator("#id_site").select_option(label="武汉职业技术学院考点（4201，湖北省）")
    org.get_by_label("考核日期").fill(today.isoformat())
    org.get_by_label("容量（人）").fill("30")
    org.get_by_role("button", name="保存").click()
    expect(org.get_by_role("status")).to_contain_text("考核批次已安排")
    session_url = org.url

    # 3. The institution registers three students from a file: a bad row first, then fixed.
    school = new_page(browser, live_server)
    browser_login(school, hubei_institution_user, PASSWORD)
    school.get_by_role("navigation", name="主导航").get_by_role("link", name="考核批次").click()
    school.get_by_role("link", name="Web前端开发").first.click()
    school.get_by_role("link", name="批量报名").click()
    headers = ["证件号码", "姓名", "专业名称"]
    students = [[valid_id_number(datetime.date(2003, 4, 1)), "王浩然", "软件技术"],
                [valid_id_number(datetime.date(2003, 4, 2)), "刘思雨", "软件技术"],
                [valid_id_number(datetime.date(2003, 4, 3)), "陈子涵", "软件技术"]]
    bad = [row[:] for row in students]
    bad[1][0] = bad[1][0][:17] + ("1" if bad[1][0][17] != "1" else "2")
    school.get_by_label("文件").set_input_files(xlsx(headers, bad, "报名.xlsx"))
    school.get_by_role("button", name="上传并报名").click()
    expect(school.locator("#upload-errors")).to_contain_text("校验位错误")
    expect(school.get_by_role("link", name="下载错误报告（Excel，错误单元格已标红）")).to_be_visible()
    school.get_by_label("文件").set_input_files(xlsx(headers, students, "报名.xlsx"))
    school.get_by_role("button", name="上传并报名").click()
    expect(school.locator("#registration-outcome")).to_contain_text("已报名 3 名考生")
    codes = school.locator("#activation-codes tbody tr")
    expect(codes).to_have_count(3)
    first_code = [codes.nth(0).locator("td").nth(i).inner_text() for i in range(4)]
    assert first_code[1] == "王浩然"

    # 4. The org uploads the scores from its score sheet and finalizes.
    org.goto(session_url)
    org.get_by_role("link", name="成绩录入").click()
    registrations = {p.name: p.registrations.get().pk for p in Person.objects.filter(name__in=["王浩然", "刘思雨", "陈子涵"])}
    scores = [[registrations["王浩然"], "", "王浩然", 86], [registrations["刘思雨"], "", "", 59.5],
              [registrations["陈子涵"], "", "", 71]]
    org.get_by_label("文件").set_input_files(xlsx(["报名号", "证件号码", "姓名", "成绩"], scores, "成绩.xlsx"))
    org.get_by_role("button", name="上传并保存").click()
    expect(org.get_by_role("status")).to_contain_text("新录入 3 人")
    org.get_by_role("link", name="确认成绩").first.click()
    org.get_by_role("button", name="确认成绩并交付发证").click()
    expect(org.get_by_role("status")).to_contain_text("2 名合格考生已交付发证")
    expect(org.locator("#passed-count")).to_have_text("2")

    requests = IssuanceRequest.objects.order_by("holder_name")
    assert sorted(r.holder_name for r in requests) == ["王浩然", "陈子涵"]
    # Issuance starts on commit: the requests wait (pending), or wait for the org's seal (blocked).
    assert all(r.certificate_id == certificate.pk and r.site_code == "4201" and r.status in ("pending", "blocked")
               for r in requests)

    # 5. A student activates the account with the code the institution handed out and sees the score.
    student = new_page(browser, live_server)
    student.goto("/account/activate/")
    student.get_by_label("用户名").fill(first_code[2])
    student.get_by_label("一次性代码").fill(first_code[3])
    student.locator("#id_password").fill("Xuesheng-2026!")
    student.locator("#id_password2").fill("Xuesheng-2026!")
    student.get_by_role("button", name="设置密码").click()
    student.goto("/account/login/")
    student.get_by_label("用户名").fill(first_code[2])
    student.get_by_label("密码").fill("Xuesheng-2026!")
    student.get_by_role("button", name="登录").click()
    student.wait_for_url(lambda url: "/account/" not in url)
    student.get_by_role("navigation", name="主导航").get_by_role("link", name="我的考核").click()
    expect(student.locator("#registrations-table")).to_contain_text("86.0")
    student.get_by_role("link", name="Web前端开发").click()
    expect(student.locator("#score")).to_contain_text("合格")
    with student.expect_download() as download:
        student.get_by_role("link", name="下载准考证（PDF）").click()
    assert download.value.suggested_filename.startswith("准考证")
