"""Issue #20's independent check of OUR certificate OFD: the signed OFD of an issued certificate (built
from the same CertificateData as its PDF) opens in ofd.js, a reader no one here wrote, in the system
Chromium; its text, its seal with the reader's own SM2 and SM3 checks, and a page that looks like the
PDF's. One changed byte of the page content makes the reader's digest check fail."""

import io
import subprocess
import zipfile

import pytest
from lxml import etree

from certificates.issuance.selectors import certificate_pdf_stored
from tests.certificates.ofd_files import certificate_ofd_signed
from tests.e2e.ofd_reader import compare_pages, pdf_page_png

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]
NS = {"ofd": "http://www.ofdspec.org/2016"}
CONTENT = "Doc_0/Pages/Page_0/Content.xml"


@pytest.fixture
def ofd(issued):
    return certificate_ofd_signed(issued)


def parts(package: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_the_reader_needs_what_the_package_gives_it(ofd):
    """ofd.js draws text in the system font the OFD names (it ignores embedded fonts) and finds
    elements by the literal ``ofd:`` prefix: both hold for our package."""
    files = parts(ofd)
    installed = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, check=True).stdout
    families = {name.strip() for line in installed.splitlines() for name in line.split(",")}
    fonts = etree.fromstring(files["Doc_0/PublicRes.xml"]).findall(".//ofd:Font", NS)
    assert fonts
    for font in fonts:
        assert font.get("FamilyName") in families and font.get("FontName") in families, font.attrib
    for name, content in files.items():
        if name.endswith(".xml"):
            root = etree.fromstring(content)
            assert root.prefix == "ofd" and None not in root.nsmap, name


def test_our_signed_certificate_opens_in_ofdjs_with_its_text_and_its_checked_seal(ofd_reader, issued, ofd):
    rendering = ofd_reader.render(ofd, check_digests=True)
    assert rendering.error is None, (rendering.error, rendering.console)
    assert rendering.documents == 1 and len(rendering.pages) == 1
    text = rendering.text.replace("\n", "")
    for expected in (issued.holder_name, issued.number, issued.certificate.name):
        assert expected in text, expected
    (seal,) = rendering.seals
    assert seal.drawn and seal.picture_loaded and seal.picture_type == "png" and seal.ses_version == 4
    assert seal.seal_name == issued.org.name
    assert seal.signature_ok, "the reader's own SM2 check of SignedValue.dat failed"
    assert seal.digests_ok is True, "the reader's own SM3 check of the References failed"


def test_the_reader_draws_the_page_like_the_pdf(ofd_reader, issued, ofd):
    rendering = ofd_reader.render(ofd)
    assert rendering.error is None and rendering.png
    pdf_png = pdf_page_png(certificate_pdf_stored(issued), dpi=rendering.px_per_mm * 25.4)
    likeness = compare_pages(rendering.png, pdf_png)
    assert likeness.looks_alike(), likeness


def test_one_changed_byte_of_the_page_content_fails_the_readers_digest_check(ofd_reader, ofd):
    files = parts(ofd)
    content = files[CONTENT]
    position = content.index(b"<ofd:TextCode")
    changed = content[:position] + content[position:].replace(b'X="0"', b'X="1"', 1)
    assert len(changed) == len(content) and sum(a != b for a, b in zip(changed, content, strict=True)) == 1
    rendering = ofd_reader.render(rezipped({**files, CONTENT: changed}), check_digests=True)
    assert rendering.error is None, rendering.error
    (seal,) = rendering.seals
    assert seal.signature_ok  # the signature over Signature.xml still holds: only the page changed
    assert seal.digests_ok is False
