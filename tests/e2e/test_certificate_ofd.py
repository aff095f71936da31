"""The signed OFD in the browser (issue 20): the holder takes it beside the PDF on 我的证书 (made on
the first request, then fetched again from the page that says so), and the org takes the ZIP of its
certificates with their OFDs. Every file is checked as a third party would: ofd_check."""

import io
import zipfile

import pytest
from playwright.sync_api import expect

from certificates.ofd.signature import ofd_check
from tests.certificates.factories import certificate_with_levels, issue_now, seal_for
from tests.e2e.conftest import browser_login
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def issued(org_a, hubei, hubei_institution, student_user):
    seal_for(org_a)
    (issued,) = issue_now(certificate=certificate_with_levels(org=org_a, name="老年照护"), province=hubei,
                          people=[student_user.person], institution=hubei_institution)
    return issued


def _download(page, link) -> tuple[bytes, str]:
    with page.expect_download() as download:
        link.click()
    with open(download.value.path(), "rb") as handle:
        return handle.read(), download.value.suggested_filename


def test_the_holder_downloads_the_ofd_beside_the_pdf(page, student_user, issued, tasks_in_process):
    browser_login(page, student_user, PASSWORD)
    page.goto("/certificates/mine/")
    card = page.locator(".cert-card")
    expect(card).to_contain_text(issued.number)
    pdf, _ = _download(page, card.get_by_role("link", name="下载电子证书"))
    assert pdf.startswith(b"%PDF-")
    card.get_by_role("link", name="下载 OFD 版式文件").click()  # the first request has it made
    expect(page.get_by_role("heading", name="证书 OFD 版式文件正在生成", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("秒后可以下载")
    content, filename = _download(page, page.get_by_role("link", name="重新下载"))
    check = ofd_check(content)
    assert check.genuine and (check.number, check.version) == (issued.number, 1)
    assert filename == f"{issued.number}.ofd"
    page.goto("/certificates/mine/")  # from now on it is stored: the link downloads at once
    again, _ = _download(page, page.locator(".cert-card").get_by_role("link", name="下载 OFD 版式文件"))
    assert again == content


def test_the_org_downloads_the_zip_with_the_ofds(page, org_a_user, issued, tasks_in_process):
    browser_login(page, org_a_user, PASSWORD)
    page.goto("/certificates/")
    expect(page.get_by_role("main")).to_contain_text(issued.number)
    page.get_by_role("link", name="打包下载 PDF 和 OFD（ZIP）").click()  # the OFD is made first
    expect(page.get_by_role("status")).to_contain_text("OFD 版式文件正在生成")
    content, filename = _download(page, page.get_by_role("link", name="重新下载"))
    assert filename.endswith(".zip")
    archive = zipfile.ZipFile(io.BytesIO(content))
    names = sorted(archive.namelist())
    assert [name.rsplit(".", 1)[1] for name in names] == ["ofd", "pdf"]
    assert all(name.startswith(issued.number) for name in names)
    assert archive.read(names[1]).startswith(b"%PDF-")
    check = ofd_check(archive.read(names[0]))
    assert check.genuine and check.number == issued.number


@pytest.mark.django_db
def test_an_issued_certificates_ofd_shows_its_seal_once_in_a_reader_no_one_here_wrote(ofd_reader, issued, org_a):
    from certificates.issuance import tasks
    from certificates.issuance.models import IssuedCertificate
    from certificates.ofd.document import SEAL_BOUNDARY

    tasks.render_ofd(issued.pk)
    stored = IssuedCertificate.objects.get(pk=issued.pk)
    with stored.ofd.open("rb") as handle:
        rendering = ofd_reader.render(handle.read(), check_digests=True)
    assert rendering.error is None
    [page] = rendering.pages
    assert issued.number in "".join(page.text) and "老年照护" in "".join(page.text)
    # The seal once: the signature's stamp (the reader's own SM2 and SM3 checks pass), no picture of it
    # drawn by the page as well.
    [seal] = page.seals
    assert seal.ses_version == 4 and seal.picture_type == "png" and seal.seal_name == org_a.name
    assert seal.signature_ok and seal.digests_ok and seal.drawn and seal.picture_loaded
    assert page.pictures == []
    px_per_mm = page.width / 210
    x, y, w, h = (round(v / px_per_mm) for v in seal.box)
    assert (x, y, w, h) == tuple(round(v) for v in SEAL_BOUNDARY)
