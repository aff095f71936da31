"""On a 375-px phone: a student activates the account with the one-time code the institution handed
out, signs in, downloads the e-certificate, orders a paper copy; a visitor scans the QR link and
sees "有效"."""

import decimal

import pytest
from playwright.sync_api import expect

from accounts.services import person_account_create
from certificates.issuance.models import IssuedCertificate
from certificates.paper_copies.models import PaperCopyOffer, PaperCopyOrder
from tests.accounts.factories import PersonFactory
from tests.certificates.factories import certificate_with_levels, issue_now, seal_for

pytestmark = pytest.mark.django_db(transaction=True)
NEW_PASSWORD = "Zhang-Xiaofan-2026!"


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_student_journey_on_a_phone_and_a_visitor_scans_the_qr(phone_page, browser, live_server, org_a, hubei,
                                                               hubei_institution):
    seal_for(org_a)
    PaperCopyOffer.objects.create(org=org_a, price=decimal.Decimal("30.00"))
    person = PersonFactory(name="张小凡")
    user, code = person_account_create(actor=None, person=person, username="zhangxf")  # handed out by the institution
    (issued,) = issue_now(certificate=certificate_with_levels(org=org_a, name="老年照护"), province=hubei,
                          people=[person], institution=hubei_institution)
    page = phone_page

    page.goto("/account/activate/")
    page.get_by_label("用户名").fill("zhangxf")
    page.get_by_label("一次性代码").fill(code)
    page.locator("#id_password").fill(NEW_PASSWORD)
    page.get_by_label("确认新密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="设置密码").click()
    page.wait_for_url(lambda url: "/activate/" not in url)

    if "/account/login/" not in page.url:
        page.goto("/account/login/")
    page.get_by_label("用户名").fill("zhangxf")
    page.get_by_label("密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/account/" not in url)

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的证书").click()
    expect(page.get_by_role("heading", name="我的证书", level=1)).to_be_visible()
    expect(page.locator(".cert-card")).to_contain_text("老年照护")
    expect(page.locator(".cert-card")).to_contain_text(issued.number)
    assert fits_the_screen(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="下载电子证书").click()
    with open(download.value.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert download.value.suggested_filename == f"{issued.number}.pdf"

    share = page.get_by_label("查验链接（可分享给用人单位）")
    link = share.input_value()
    assert link.endswith(f"/verify/t/{issued.token}")

    page.get_by_role("link", name="申请纸质证书").click()
    expect(page.locator(".price-line")).to_contain_text("30.00")
    page.get_by_label("联系电话").fill("13912345678")
    page.get_by_label("邮寄地址").fill("湖北省武汉市江夏区庙山大道 8 号")
    page.get_by_label("邮政编码").fill("430205")
    assert fits_the_screen(page)
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator(".message-success")).to_contain_text("纸质证书申请已提交")
    expect(page.locator(".cert-card")).to_contain_text("已下单，待打印")
    order = PaperCopyOrder.objects.get()
    assert order.recipient == "张小凡" and order.price == decimal.Decimal("30.00")

    # A visitor (an employer) scans the QR code on the certificate with another phone.
    visitor = browser.new_context(locale="zh-CN", base_url=live_server.url, viewport={"width": 375, "height": 740},
                                  is_mobile=True, has_touch=True)
    try:
        scan = visitor.new_page()
        scan.goto(f"/verify/t/{issued.token}")
        expect(scan.locator(".verdict-status")).to_have_text("有效")
        expect(scan.locator(".verdict")).to_contain_text("张*凡")
        expect(scan.locator(".verdict")).to_contain_text("老年照护")
        expect(scan.locator(".verdict")).not_to_contain_text(person.id_number)
        assert fits_the_screen(scan)
    finally:
        visitor.close()
    assert IssuedCertificate.objects.get().status == "valid"
