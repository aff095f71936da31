"""Each persona signs in through the browser and sees its own 工作台 in Chinese."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import browser_login
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

PERSONAS = [
    ("ministry_user", "教育部", "统筹全国"),
    ("hubei_user", "省级教育行政部门 · 湖北省", "备案不是审批"),
    ("shandong_user", "省级教育行政部门 · 山东省", "备案不是审批"),
    ("hubei_agency_user", "省级试点工作指导协调机构 · 湖北省", "核定考核费用标准"),
    ("hubei_alliance_user", "院校联盟 · ", "为学生报名考核"),
    ("hubei_institution_user", "院校 · ", "为学生报名考核"),
    ("shandong_institution_user", "院校 · ", "为学生报名考核"),
    ("org_a_user", "培训评价组织 · 甲培训评价组织", "上传月度考核计划"),
    ("org_b_user", "培训评价组织 · 乙培训评价组织", "上传月度考核计划"),
    ("student_user", "学生/社会学习者", "下载电子证书"),
    ("social_learner_user", "学生/社会学习者", "下载电子证书"),
]


@pytest.mark.parametrize(("persona", "subtitle", "duty"), PERSONAS)
def test_persona_signs_in_and_sees_its_own_workbench(request, page, persona, subtitle, duty):
    user = request.getfixturevalue(persona)
    browser_login(page, user, PASSWORD)
    expect(page.get_by_role("heading", name="工作台", level=1)).to_be_visible()
    expect(page.locator(".subtitle")).to_contain_text(subtitle)
    expect(page.locator(".role-panel")).to_contain_text(duty)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("navigation", name="主导航")).to_contain_text("通知公告")


def test_ministry_navigation_differs_from_an_institutions(page, ministry_user, hubei_institution_user):
    browser_login(page, ministry_user, PASSWORD)
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav).to_contain_text("审计日志")
    page.get_by_role("button", name="退出").click()
    browser_login(page, hubei_institution_user, PASSWORD)
    expect(page.get_by_role("navigation", name="主导航")).not_to_contain_text("审计日志")


def test_wrong_password_and_english_switch(page, hubei_institution_user):
    page.goto("/account/login/")
    page.get_by_label("用户名").fill("whvc")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert").first).to_contain_text("用户名或密码错误")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("User sign-in")


def test_large_text_mode_persists(page, hubei_institution_user):
    browser_login(page, hubei_institution_user, PASSWORD)
    page.get_by_role("button", name="大字版").click()
    expect(page.locator("html")).to_have_class("large-text")
    page.reload()
    expect(page.locator("html")).to_have_class("large-text")
