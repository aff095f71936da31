"""A social learner signs themself up in the browser: the form, the code from the SMS outbox, and
the first sign-in with the proved phone (issue 17, item 2)."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from core import sms
from tests.accounts.factories import valid_id_number

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_social_learner_signs_up_and_signs_in(page, provinces):
    sms.outbox.clear()
    page.goto("/")  # the public home
    page.get_by_role("link", name="注册", exact=True).click()
    expect(page.get_by_role("heading", name="社会学习者注册")).to_be_visible()
    page.get_by_label("姓名").fill("钱晓燕")
    page.get_by_label("证件号码").fill(valid_id_number().lower())
    page.get_by_label("手机号码").fill("13912340001")
    page.locator("#id_password").fill("Xuexi-2026-pilot")
    page.get_by_label("确认密码").fill("Xuexi-2026-pilot")
    page.get_by_label("我已阅读并同意《个人信息保护政策》").check()
    page.get_by_role("button", name="获取短信验证码").click()

    expect(page.get_by_role("heading", name="验证手机号")).to_be_visible()
    expect(page.locator("main")).to_contain_text("139****0001")
    code = re.search(r"验证码为 (\d{6})", sms.outbox[-1].text).group(1)
    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="完成注册").click()

    expect(page.locator("main")).to_contain_text("手机号已验证，注册完成")
    page.get_by_label("用户名").fill("13912340001")
    page.get_by_label("密码").fill("Xuexi-2026-pilot")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="工作台", level=1)).to_be_visible()
    expect(page.locator(".subtitle")).to_contain_text("学生/社会学习者")
    assert User.objects.get(username="13912340001").person.name == "钱晓燕"


def test_a_wrong_check_character_is_explained_and_the_form_kept(page, provinces):
    sms.outbox.clear()
    number = valid_id_number()
    wrong = "0" if number[-1] != "0" else "1"
    page.goto("/account/signup/")
    page.get_by_label("姓名").fill("钱晓燕")
    page.get_by_label("证件号码").fill(number[:-1] + wrong)
    page.get_by_label("手机号码").fill("13912340002")
    page.locator("#id_password").fill("Xuexi-2026-pilot")
    page.get_by_label("确认密码").fill("Xuexi-2026-pilot")
    page.get_by_label("我已阅读并同意《个人信息保护政策》").check()
    page.get_by_role("button", name="获取短信验证码").click()
    expect(page.locator("main")).to_contain_text(f"按 GB 11643 应为 {number[-1]}")
    expect(page.get_by_label("姓名")).to_have_value("钱晓燕")
    assert sms.outbox == [] and not User.objects.exists()
