"""The credit-bank journey in a browser: the institution sets a conversion rule, a student with an
issued certificate asks for a conversion, the institution approves, and the student downloads the
signed transcript (its text names the course) and shares the verification link."""

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from certificates.issuance import signing
from credit_bank.models import Conversion, Outcome
from tests.credit_bank.factories import enrol, issued_for, web_certificate
from tests.e2e.conftest import browser_login
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def sign_out(page):
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(lambda url: "/account/login/" in url or url.endswith("/"))


def test_conversion_approval_and_transcript(page, browser, live_server, org_a, hubei, hubei_institution, student_user,
                                            hubei_institution_user):
    certificate = web_certificate(org_a)
    enrol(student_user.person, hubei_institution)
    issued = issued_for(student_user.person, certificate=certificate, province=hubei, institution=hubei_institution)
    assert Outcome.objects.filter(issued=issued).exists()  # the issuance hook recorded it

    # The institution defines the rule for its 软件技术 major.
    browser_login(page, hubei_institution_user, PASSWORD)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="学分银行").click()
    page.get_by_role("link", name="新建转换规则").first.click()
    page.get_by_label("专业").select_option(label="软件技术（510203）")
    page.get_by_label("证书").select_option(label="Web前端开发")
    page.get_by_label("等级").select_option(label="初级")
    page.get_by_label("课程代码").fill("WEB101")
    page.get_by_label("课程名称").fill("Web前端开发基础")
    page.get_by_label("课程学分").fill("2")
    page.get_by_label("课程类型").select_option(label="专业基础课")
    page.get_by_role("button", name="保存并生效").click()
    expect(page.locator(".message-success")).to_contain_text("转换规则已生效")
    sign_out(page)

    # The student asks for the conversion.
    browser_login(page, student_user, PASSWORD)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="学分银行").click()
    expect(page.get_by_role("heading", name="我的学习账户", level=1)).to_be_visible()
    expect(page.locator(".outcome-card")).to_contain_text(issued.number)
    page.get_by_role("link", name="申请学分转换").click()
    page.get_by_label("转换为课程").select_option(index=1)
    page.get_by_label("申请说明（可选）").fill("已取得证书，申请认定课程学分")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator(".message-success")).to_contain_text("学分转换申请已提交")
    expect(page.locator(".outcome-card")).to_contain_text("待审核")
    sign_out(page)

    # The institution sees the request on its workbench and approves it.
    browser_login(page, hubei_institution_user, PASSWORD)
    page.locator(".todo-list").get_by_role("link", name="待审核的学分转换申请").click()
    page.locator(".data-table").get_by_role("link").first.click()
    expect(page.get_by_label("认定学分")).to_have_value("2.0")
    page.get_by_role("button", name="同意并认定").click()
    expect(page.locator(".message-success")).to_contain_text("已认定学分")
    assert Conversion.objects.get().status == "approved"
    sign_out(page)

    # The student downloads the transcript and shares its link.
    browser_login(page, student_user, PASSWORD)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="学分银行").click()
    expect(page.locator(".credit-summary")).to_contain_text("2.0")
    with page.expect_download() as download:
        page.get_by_role("button", name="下载成绩单（PDF）").click()
    with open(download.value.path(), "rb") as handle:
        content = handle.read()
    # Line breaks dropped: a table cell may wrap a long course name.
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages))
    assert "Web前端开发基础" in text and "学分银行成绩单" in text and "李小明" in text
    check = signing.check_pdf(content)
    assert check.intact and check.by_issuer
    page.reload()
    link = page.get_by_label("查验链接（可分享给用人单位或院校）").input_value()
    path = link[link.index("/credit/t/"):]

    visitor = browser.new_context(locale="zh-CN", base_url=live_server.url)
    try:
        public = visitor.new_page()
        public.goto(path)
        expect(public.locator(".credit-verdict")).to_contain_text("平台签发，真实有效")
        expect(public.locator("main")).to_contain_text("李*明")
        expect(public.locator("main")).to_contain_text("Web前端开发基础")
        assert student_user.person.id_number not in public.content()
    finally:
        visitor.close()
