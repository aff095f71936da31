"""The holder turns on the public page of a certificate; a visitor in a fresh browser opens it, sees
the live status and the masked name, and downloads the signed verification report; the holder takes
the Open Badges 3.0 credential."""

import json

import pytest
from playwright.sync_api import expect

from certificates.credential.models import CredentialPage
from certificates.issuance import signing
from tests.certificates.factories import certificate_with_levels, issue_now, seal_for
from tests.e2e.conftest import browser_login
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_holder_shares_a_certificate_and_a_visitor_downloads_the_report(page, browser, live_server, org_a, hubei,
                                                                           hubei_institution, student_user):
    seal_for(org_a)
    (issued,) = issue_now(certificate=certificate_with_levels(org=org_a, name="老年照护"), province=hubei,
                          people=[student_user.person], institution=hubei_institution)
    browser_login(page, student_user, PASSWORD)
    page.goto("/certificates/mine/")
    page.get_by_role("link", name="公开与分享").click()
    expect(page.get_by_role("heading", name="证书公开与分享", level=1)).to_be_visible()
    expect(page.get_by_text("未公开")).to_be_visible()
    page.get_by_role("button", name="开启公开页").click()
    expect(page.locator(".messages")).to_contain_text("已开启证书公开页")
    public_url = page.get_by_label("公开页链接").input_value()
    assert public_url.endswith(f"/c/{CredentialPage.objects.get(issued=issued).token}/")

    with page.expect_download() as download:
        page.get_by_role("link", name="Open Badges 3.0 凭证（JSON）").click()
    assert download.value.suggested_filename == f"老年照护-初级-{issued.number}.json"
    with open(download.value.path(), encoding="utf-8") as handle:
        assert "OpenBadgeCredential" in json.load(handle)["type"]

    visitor = browser.new_context(locale="zh-CN", java_script_enabled=False)
    try:
        public = visitor.new_page()
        public.goto(public_url)
        expect(public.get_by_role("heading", name="老年照护（初级）")).to_be_visible()
        expect(public.locator(".credential-page")).to_contain_text("有效")
        body = public.locator("main").inner_text()
        assert issued.holder_name not in body and issued.id_number not in body
        assert issued.holder_name[0] + "*" in body
        with public.expect_download() as report:
            public.get_by_role("link", name="下载查验报告（PDF）").click()
        assert report.value.suggested_filename == f"查验报告-{issued.number}.pdf"
        with open(report.value.path(), "rb") as handle:
            check = signing.check_pdf(handle.read())
        assert check.signed and check.intact and check.by_issuer
    finally:
        visitor.close()
