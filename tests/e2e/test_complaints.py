"""The complaint journey in the browser: an anonymous visitor files a complaint with a photo, the
ministry upholds it with a note, and the org sees it upheld without the complainant's contact."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import browser_login
from tests.organizations.factories import sample_png
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_anonymous_complaint_is_upheld_and_the_org_sees_it_without_the_complainant(
        page, tmp_path, ministry_user, org_a, org_a_user, org_b):
    photo = tmp_path / "收费通知.png"
    photo.write_bytes(sample_png(size=(320, 240)))

    # An anonymous visitor files the complaint with a photo as evidence.
    page.goto("/orgs/complaints/new/")
    expect(page.get_by_role("heading", name="投诉举报培训评价组织")).to_be_visible()
    page.get_by_label("被投诉的培训评价组织").select_option(label=org_a.name)
    page.get_by_label("投诉类别").select_option(label="高收费")
    page.get_by_label("投诉内容").fill("10月考核时每人次收费860元，超过上限，另收资料费200元。")
    page.get_by_label("证据材料").set_input_files(str(photo))
    page.get_by_label("联系人").fill("王某某")
    page.get_by_label("联系方式").fill("13907100123")
    page.get_by_role("button", name="提交投诉").click()
    expect(page.get_by_role("heading", name="投诉已受理")).to_be_visible()
    reference = page.locator("[data-reference]").inner_text()
    assert re.fullmatch(r"TS\d{4}-\w{4}-\w{4}", reference)
    assert reference not in page.url

    # The visitor checks the status with the reference and the contact.
    page.get_by_role("link", name="查询办理进度").click()
    page.get_by_label("受理编号").fill(reference)
    page.get_by_label("联系方式").fill("139 0710 0123")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("[data-status]")).to_have_text("已受理")

    # The ministry opens it, sees the complainant and the photo, and upholds it with a note.
    browser_login(page, ministry_user, PASSWORD)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="投诉举报").click()
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_text("13907100123")).to_be_visible()
    expect(page.get_by_role("link", name="收费通知.png")).to_be_visible()
    page.get_by_label("处理结果").select_option(label="属实")
    page.get_by_label("处理意见").fill("经核实，收费超过考核成本上限，责令退还超收费用。")
    page.get_by_role("button", name="确认处理").click()
    expect(page.get_by_text("投诉状态已改为“属实”")).to_be_visible()
    expect(page.get_by_text("该投诉已办结（属实），状态不能再变更。")).to_be_visible()
    page.get_by_role("button", name="退出").click()

    # The org is notified and sees the complaint as upheld, with the photo, but not who made it.
    browser_login(page, org_a_user, PASSWORD)
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link", name=re.compile("消息中心"))).to_contain_text("1")
    nav.get_by_role("link", name="投诉举报").click()
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("属实")
    row.get_by_role("link", name=reference).click()
    main = page.locator("main")
    expect(main).to_contain_text("每人次收费860元")
    expect(main).to_contain_text("责令退还超收费用")
    expect(main.get_by_role("link", name="证据1（图片）")).to_be_visible()
    for secret in ("王某某", "13907100123", "收费通知.png"):
        expect(main).not_to_contain_text(secret)
    with page.expect_download() as download:
        main.get_by_role("link", name="证据1（图片）").click()
    assert download.value.suggested_filename == "证据1.png"
