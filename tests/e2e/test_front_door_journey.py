"""Issue 17's whole journey in a browser: a social learner goes from the public home to sign-up
(the code read from the SMS outbox), registers for an open session, the org enters a passing score
and finalizes, the certificate is issued, and the holder shares its public page and takes the Open
Badges 3.0 credential and the signed verification report."""

import datetime
import io
import json
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from assessments.registrations.models import Registration
from certificates.issuance import signing
from certificates.issuance.models import IssuedCertificate
from core import sms
from tests.accounts.factories import valid_id_number
from tests.assessments.factories import SessionFactory
from tests.certificates.factories import certificate_with_levels, seal_for
from tests.e2e.conftest import browser_login
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LEARNER_PASSWORD = "Xuexi-2026-pilot"


def score_sheet(registration_pk: int, score: float) -> dict:
    workbook = openpyxl.Workbook()
    workbook.active.append(["报名号", "证件号码", "姓名", "成绩"])
    workbook.active.append([registration_pk, "", "", score])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return {"name": "成绩.xlsx", "mimeType": XLSX, "buffer": buffer.getvalue()}


def test_from_the_public_home_to_a_shared_certificate(page, browser, live_server, hubei, org_a, org_a_user,
                                                      tasks_in_process):
    sms.outbox.clear()
    seal_for(org_a)
    certificate = certificate_with_levels(org=org_a, name="Web前端开发", code="X30001")
    session = SessionFactory(certificate=certificate, date=datetime.date.today())

    # 1. From the public home to sign-up; the code comes by SMS.
    page.goto("/")
    page.get_by_role("link", name="注册", exact=True).click()
    page.get_by_label("姓名").fill("钱晓燕")
    page.get_by_label("证件号码").fill(valid_id_number(datetime.date(1990, 5, 4)))
    page.get_by_label("手机号码").fill("13912340009")
    page.locator("#id_password").fill(LEARNER_PASSWORD)
    page.locator("#id_password2").fill(LEARNER_PASSWORD)
    page.get_by_label("我已阅读并同意《个人信息保护政策》").check()
    page.get_by_role("button", name="获取短信验证码").click()
    code = re.search(r"验证码为 (\d{6})", sms.outbox[-1].text).group(1)
    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="完成注册").click()
    expect(page.locator("main")).to_contain_text("手机号已验证，注册完成")
    page.get_by_label("用户名").fill("13912340009")
    page.get_by_label("密码").fill(LEARNER_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="工作台", level=1)).to_be_visible()

    # 2. The public list of open sessions, and registration from there.
    page.goto("/assessments/open/")
    page.locator("#open-sessions").get_by_role("link", name=re.compile("^报名")).first.click()
    page.get_by_role("button", name="我要报名").click()
    expect(page.locator(".messages")).to_contain_text("报名成功")
    registration = Registration.objects.get(session=session, person__name="钱晓燕")

    # 3. The org enters a passing score and finalizes; the certificate is issued.
    org = browser.new_context(locale="zh-CN", base_url=live_server.url, viewport={"width": 1280, "height": 900})
    org.set_default_timeout(20000)
    try:
        org_page = org.new_page()
        browser_login(org_page, org_a_user, PASSWORD)
        org_page.goto(f"/assessments/sessions/{session.pk}/")
        org_page.get_by_role("link", name="成绩录入").click()
        org_page.get_by_label("文件").set_input_files(score_sheet(registration.pk, 88))
        org_page.get_by_role("button", name="上传并保存").click()
        expect(org_page.get_by_role("status")).to_contain_text("新录入 1 人")
        org_page.get_by_role("link", name="确认成绩").first.click()
        org_page.get_by_role("button", name="确认成绩并交付发证").click()
        expect(org_page.get_by_role("status")).to_contain_text("1 名合格考生已交付发证")
    finally:
        org.close()
    issued = IssuedCertificate.objects.get(request__person=registration.person, request__session_id=session.pk)

    # 4. The holder shares the certificate and takes the credential and the report.
    page.goto("/certificates/mine/")
    page.get_by_role("link", name="公开与分享").click()
    page.get_by_role("button", name="开启公开页").click()
    expect(page.locator(".messages")).to_contain_text("已开启证书公开页")
    public_url = page.get_by_label("公开页链接").input_value()
    with page.expect_download() as download:
        page.get_by_role("link", name="Open Badges 3.0 凭证（JSON）").click()
    with open(download.value.path(), encoding="utf-8") as handle:
        assert "OpenBadgeCredential" in json.load(handle)["type"]

    visitor = browser.new_context(locale="zh-CN", java_script_enabled=False)
    try:
        public = visitor.new_page()
        public.goto(public_url)
        expect(public.locator(".credential-page")).to_contain_text("有效")
        body = public.locator("main").inner_text()
        assert "钱晓燕" not in body and "钱*燕" in body and issued.id_number not in body
        with public.expect_download() as report:
            public.get_by_role("link", name="下载查验报告（PDF）").click()
        with open(report.value.path(), "rb") as handle:
            check = signing.check_pdf(handle.read())
        assert check.signed and check.intact and check.by_issuer
    finally:
        visitor.close()
