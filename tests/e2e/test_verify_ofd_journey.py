"""A citizen checks an OFD e-certificate on /verify/: the page says OFD is accepted; the genuine file
is reported genuine and valid, a tampered one gets the Chinese refusal."""

import io
import zipfile

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import PersonFactory
from tests.certificates.factories import certificate_with_levels, issue_now, seal_for
from tests.certificates.ofd_files import certificate_ofd_signed

pytestmark = pytest.mark.django_db(transaction=True)
CONTENT = "Doc_0/Pages/Page_0/Content.xml"


def tampered(ofd: bytes) -> bytes:
    """The same package with the holder's name changed on the page, after sealing."""
    with zipfile.ZipFile(io.BytesIO(ofd)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    files[CONTENT] = files[CONTENT].replace("张小三".encode(), "张大三".encode())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_a_citizen_uploads_a_genuine_and_a_tampered_ofd(page, live_server, org_a, hubei):
    seal_for(org_a)
    (issued,) = issue_now(certificate=certificate_with_levels(org=org_a, name="老年照护"), province=hubei,
                          people=[PersonFactory(name="张小三")])
    ofd = certificate_ofd_signed(issued)

    page.goto("/verify/")
    upload = page.get_by_label("电子证书文件（PDF 或 OFD）")
    expect(page.get_by_role("heading", name="上传电子证书文件查验（PDF 或 OFD）")).to_be_visible()
    upload.set_input_files({"name": "证书.ofd", "mimeType": "application/ofd", "buffer": ofd})
    page.get_by_role("button", name="校验签名").click()
    verdict = page.get_by_role("status").first
    expect(verdict).to_contain_text("平台签发的真实证书")
    expect(verdict).to_contain_text("签名完好，内容未被篡改，证书有效。")
    expect(page.get_by_role("heading", name="有效")).to_be_visible()
    expect(page.get_by_text("张*三")).to_be_visible()
    expect(page.get_by_text(issued.number)).to_be_visible()

    page.get_by_label("电子证书文件（PDF 或 OFD）").set_input_files(
        {"name": "证书.ofd", "mimeType": "application/ofd", "buffer": tampered(ofd)})
    page.get_by_role("button", name="校验签名").click()
    refusal = page.get_by_role("status").first
    expect(refusal).to_contain_text("不是有效的平台电子证书")
    expect(refusal).to_contain_text("文件内容在签章后被改动：有部件被修改、删除或添加。")
    expect(page.get_by_text("张*三")).to_have_count(0)
