"""Verification of an uploaded OFD certificate (issue #20): the page's one upload field and
POST /api/v1/verify/ofd. A genuine file gets the certificate's status now; every bad file gets its
own Chinese answer and leaves nothing behind (no count, no stored file)."""

import io
import zipfile
from pathlib import Path

import pytest
from asn1crypto import core
from django.core.files.uploadedfile import SimpleUploadedFile

from certificates.credential.models import VerificationCount
from certificates.issuance.models import IssuedCertificate
from certificates.issuance.revocation import certificate_reissue, certificate_revoke
from certificates.issuance.selectors import certificate_pdf_stored
from certificates.ofd import signature, sm2
from certificates.verification import services as verification
from tests.certificates.ofd_files import certificate_ofd_signed

pytestmark = pytest.mark.django_db
CONTENT = "Doc_0/Pages/Page_0/Content.xml"
SIGNED_VALUE = "Doc_0/Signs/Sign_0/SignedValue.dat"


@pytest.fixture
def ofd(issued):
    return certificate_ofd_signed(issued)


def upload(content: bytes, name="certificate.ofd"):
    return SimpleUploadedFile(name, content, content_type="application/ofd")


def files_of(package: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def stored_files(settings) -> list[str]:
    return sorted(str(p) for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())


def counts() -> int:
    return sum(VerificationCount.objects.values_list("count", flat=True))


def test_a_genuine_ofd_is_reported_genuine_and_valid_and_counted(client, issued, ofd):
    before = counts()
    data = client.post("/api/v1/verify/ofd", {"ofd": upload(ofd)}).json()
    assert data["genuine"] and data["status"] == "valid" and data["number"] == issued.number
    assert data["masked_name"] == "张*三" and data["certificate"] == "老年照护" and "证书有效" in data["reason"]
    assert issued.id_number not in str(data)
    html = client.post("/verify/pdf/", {"pdf": upload(ofd)}).content.decode()  # the page's one field
    assert "平台签发的真实证书" in html and "有效" in html and "张*三" in html
    assert counts() == before + 2


def test_a_revoked_certificates_ofd_says_so(client, issued, ofd, org_actor):
    certificate_revoke(actor=org_actor, issued=issued, reason="考核作弊，经查属实")
    data = client.post("/api/v1/verify/ofd", {"ofd": upload(ofd)}).json()
    assert data["genuine"] and data["status"] == "revoked" and data["revoked_reason"] == "考核作弊，经查属实"
    assert "已被撤销" in data["reason"]


def test_an_older_versions_ofd_is_superseded_and_the_new_one_valid(client, issued, ofd, org_actor):
    certificate_reissue(actor=org_actor, issued=issued, holder_name="张晓三", reason="姓名用字更正")
    data = client.post("/api/v1/verify/ofd", {"ofd": upload(ofd)}).json()
    assert data["genuine"] and data["status"] == "superseded" and data["version"] == 1 and "旧版本" in data["reason"]
    issued = IssuedCertificate.objects.get(pk=issued.pk)
    data = client.post("/api/v1/verify/ofd", {"ofd": upload(certificate_ofd_signed(issued))}).json()
    assert data["genuine"] and data["status"] == "valid" and data["version"] == 2


def _other_key_ofd(issued, settings, tmp_path) -> bytes:
    key_path, cert_path = tmp_path / "other-key.pem", tmp_path / "other-cert.pem"
    sm2._generate_dev_key(key_path, cert_path)
    old = settings.ISSUING_SM2_KEY_PATH, settings.ISSUING_SM2_CERT_PATH
    settings.ISSUING_SM2_KEY_PATH, settings.ISSUING_SM2_CERT_PATH = str(key_path), str(cert_path)
    try:
        return certificate_ofd_signed(issued)
    finally:
        settings.ISSUING_SM2_KEY_PATH, settings.ISSUING_SM2_CERT_PATH = old


def _with_unparsable_seal(ofd: bytes) -> bytes:
    """SignedValue.dat re-signed by the platform key around a seal that is DER but no seal."""
    files = files_of(ofd)
    parsed = signature._SesSignature.load(files[SIGNED_VALUE])
    tbs = signature._TbsSign.load(parsed["to_sign"].dump())
    tbs["eseal"] = core.Any.load(b"\x30\x03\x02\x01\x04")
    rebuilt = signature._SesSignature({"to_sign": tbs, "cert": parsed["cert"].native,
                                       "signature_alg_id": sm2.SM2_WITH_SM3, "signature": sm2.sign(tbs.dump())})
    return zipped({**files, SIGNED_VALUE: rebuilt.dump()})


def _tampered(ofd: bytes) -> bytes:
    files = files_of(ofd)
    assert "张小三".encode() in files[CONTENT]
    return zipped({**files, CONTENT: files[CONTENT].replace("张小三".encode(), "张大三".encode())})


@pytest.mark.parametrize("bad, message", [
    ("text", "不是 OFD 文件"),
    ("zip_without_ofd_xml", "不是 OFD 文件"),
    ("damaged_zip", "OFD 文件已损坏"),
    ("unsigned", "没有电子签章"),
    ("other_key", "不是由本平台的签章密钥签署"),
    ("bad_seal", "电子印章无效"),
    ("tampered", "文件内容在签章后被改动"),
])
def test_each_bad_ofd_gets_its_answer_and_leaves_nothing(client, issued, ofd, settings, tmp_path, bad, message):
    from certificates.issuance.documents import certificate_data
    from certificates.ofd.document import render_ofd

    content = {
        "text": lambda: "这不是证书".encode(),
        "zip_without_ofd_xml": lambda: zipped({"word/document.xml": b"<w/>"}),
        "damaged_zip": lambda: ofd[: len(ofd) // 2],
        "unsigned": lambda: render_ofd(certificate_data(issued)),
        "other_key": lambda: _other_key_ofd(issued, settings, tmp_path),
        "bad_seal": lambda: _with_unparsable_seal(ofd),
        "tampered": lambda: _tampered(ofd),
    }[bad]()
    before, media = counts(), stored_files(settings)
    result = verification.certificate_verify_ofd(upload=upload(content))
    assert not result.genuine and message in result.reason and not result.verdict.found
    response = client.post("/api/v1/verify/ofd", {"ofd": upload(content)})
    assert response.status_code == 200 and response.json()["genuine"] is False
    assert message in response.json()["reason"] and response.json()["number"] == ""
    assert counts() == before and VerificationCount.objects.filter(count__gt=0).count() == 0
    assert stored_files(settings) == media


def test_the_page_tells_a_damaged_ofd_from_a_file_of_neither_kind(client, ofd):
    html = client.post("/verify/pdf/", {"pdf": upload(_tampered(ofd))}).content.decode()
    assert "不是有效的平台电子证书" in html and "文件内容在签章后被改动" in html
    html = client.post("/verify/pdf/", {"pdf": upload(ofd[: len(ofd) // 2])}).content.decode()
    assert "OFD 文件已损坏" in html
    html = client.post("/verify/pdf/", {"pdf": upload(zipped({"word/document.xml": b"<w/>"}), "x.docx")}).content.decode()
    assert "既不是 PDF 也不是 OFD" in html
    response = client.post("/verify/pdf/", {"pdf": upload("纯文本".encode(), "x.txt")})
    assert "PDF、OFD" in response.content.decode()


def test_the_page_says_ofd_is_accepted(client):
    html = client.get("/verify/").content.decode()
    assert "PDF 或 OFD" in html and ".ofd" in html
    assert "PDF 或 OFD" in client.get("/verify/pdf/").content.decode()


def test_the_page_still_verifies_a_pdf(client, issued):
    html = client.post("/verify/pdf/", {"pdf": upload(certificate_pdf_stored(issued), "c.pdf")}).content.decode()
    assert "平台签发的真实证书" in html and "张*三" in html


def test_an_empty_or_oversized_ofd_is_refused_by_size(client, ofd, settings):
    empty = client.post("/api/v1/verify/ofd", {"ofd": upload(b"")})
    assert empty.status_code == 400
    settings.CERTIFICATE_FILE_MAX_BYTES = len(ofd) - 1
    large = client.post("/api/v1/verify/ofd", {"ofd": upload(ofd)})
    assert large.status_code == 400 and "超过上限" in large.json()["detail"]


def test_the_rate_limit_is_shared_with_the_pdf_and_the_lookups(client, issued, ofd, settings):
    settings.VERIFY_RATE_PER_MINUTE = 3
    assert client.get(f"/api/v1/verify/{issued.number}", {"name": "张小三"}).status_code == 200
    assert client.post("/api/v1/verify/pdf", {"pdf": upload(certificate_pdf_stored(issued), "c.pdf")}).status_code == 200
    assert client.post("/verify/pdf/", {"pdf": upload(ofd)}).status_code == 200
    refused = client.post("/api/v1/verify/ofd", {"ofd": upload(ofd)})
    assert refused.status_code == 429 and "过于频繁" in refused.json()["detail"]
    assert 1 <= int(refused["Retry-After"]) <= 60
    page = client.post("/verify/pdf/", {"pdf": upload(ofd)})
    assert page.status_code == 429 and "过于频繁" in page.content.decode()


def test_the_api_is_public_takes_only_a_multipart_ofd_and_is_documented(client, ofd, org_a_user):
    assert client.get("/api/v1/verify/ofd").status_code == 405
    assert client.post("/api/v1/verify/ofd", {}).status_code == 400  # no file under "ofd"
    assert client.post("/api/v1/verify/ofd", {"ofd": "text"}).status_code == 400
    assert client.post("/api/v1/verify/ofd", {"ofd": ofd.hex()}, content_type="application/json").status_code == 415
    client.force_login(org_a_user)  # a signed-in user of any scope gets the same public answer, nothing more
    data = client.post("/api/v1/verify/ofd", {"ofd": upload(ofd)}).json()
    assert data["genuine"] and set(data) == {"genuine", "reason", "found", "status", "status_label", "number",
                                             "masked_name", "certificate", "level", "org", "issued_on", "version",
                                             "revoked_reason"}
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/verify/ofd" in schema


def test_ofd_checks_are_counted_by_channel(client, ofd, settings):
    from tests.certificates.test_metrics import lookups, refusals

    genuine, forged, bad = lookups("ofd", "found"), lookups("ofd", "not_found"), refusals("ofd", "bad_file")
    client.post("/api/v1/verify/ofd", {"ofd": upload(ofd)})
    client.post("/verify/pdf/", {"pdf": upload(_tampered(ofd))})
    settings.CERTIFICATE_FILE_MAX_BYTES = len(ofd) - 1
    client.post("/api/v1/verify/ofd", {"ofd": upload(ofd)})  # too large: refused before any check
    assert (lookups("ofd", "found"), lookups("ofd", "not_found"), refusals("ofd", "bad_file")) == (
        genuine + 1, forged + 1, bad + 1)
