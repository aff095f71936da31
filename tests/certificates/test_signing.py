"""PAdES signatures by the issuing key: valid, and any tampering detected."""

import io

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from certificates.issuance import signing
from tests.certificates.test_pdf import data  # noqa: F401  (fixture)


@pytest.fixture
def signed(data):  # noqa: F811
    from certificates.issuance import pdf

    return signing.sign_pdf(pdf.render_certificate(data()), number="X000142000122261000001")


def test_the_signature_validates_with_pyhanko(signed):
    reader = PdfFileReader(io.BytesIO(signed))
    (signature,) = reader.embedded_signatures
    # Through the same helper as the portal: Playwright's sync API may leave an event loop in this thread.
    status = signing._outside_event_loop(validate_pdf_signature, signature,
                                         ValidationContext(trust_roots=[signing.issuing_signer().signing_cert]))
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert "/ETSI.CAdES.detached" in str(signature.sig_object["/SubFilter"])  # PAdES
    assert signing.issuing_signer().signing_cert.public_key.algorithm == "ec"


def test_check_pdf_reads_the_number_and_says_it_is_genuine(signed):
    check = signing.check_pdf(signed)
    assert (check.signed, check.intact, check.by_issuer, check.whole_file) == (True, True, True, True)
    assert check.number == "X000142000122261000001" and check.version == 1


def test_a_changed_byte_is_detected(signed):
    position = signed.index(b"/CertificateNumber")
    tampered = signed[:position] + signed[position:].replace(b"X000142000122261000001", b"X000142000122261000002", 1)
    assert len(tampered) == len(signed)
    check = signing.check_pdf(tampered)
    assert check.signed and not check.intact


def test_an_appended_revision_is_detected(signed):
    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    info = writer.trailer["/Info"].get_object()
    info[NameObject("/Title")] = TextStringObject("伪造")
    writer.update_container(info)
    out = io.BytesIO()
    writer.write(out)
    check = signing.check_pdf(out.getvalue())
    assert check.signed and not check.whole_file


def test_not_a_pdf_and_unsigned_pdfs_are_not_genuine(data):  # noqa: F811
    from certificates.issuance import pdf

    assert not signing.check_pdf(b"hello").signed
    assert not signing.check_pdf(pdf.render_certificate(data())).signed


def test_production_refuses_to_sign_without_a_configured_key(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.IS_PRODUCTION = True
    settings.ISSUING_KEY_PATH = ""
    with pytest.raises(ImproperlyConfigured):
        signing.key_paths()


def test_a_configured_key_is_used(settings, tmp_path):
    key, cert = tmp_path / "k.pem", tmp_path / "c.pem"
    signing._generate_dev_key(key, cert)
    settings.ISSUING_KEY_PATH, settings.ISSUING_CERT_PATH = str(key), str(cert)
    assert signing.key_paths() == (key, cert)


def _cms_of(pdf: bytes):
    reader = PdfFileReader(io.BytesIO(pdf))
    (signature,) = reader.embedded_signatures
    return signature


def _message_digest(signature) -> bytes:
    (attr,) = [a for a in signature.signed_data["signer_infos"][0]["signed_attrs"] if a["type"].native == "message_digest"]
    return attr["values"][0].native


def test_issuance_signatures_come_from_the_cms_template_and_match_pyhankos_own(signed):
    import asyncio

    from pyhanko.sign.signers import SimpleSigner

    signer = signing.issuing_signer()
    assert signer._template is not None and not signer._template_failed
    ours = _cms_of(signed).signed_data
    # What pyHanko's own SimpleSigner builds for the same digest, without the template.
    # Through the same guard as production: a browser test earlier in the run may leave this thread
    # running an event loop, where asyncio.run() is refused.
    plain = signing._outside_event_loop(asyncio.run, SimpleSigner.async_sign(
        signer, _message_digest(_cms_of(signed)), "sha256", use_pades=True))
    theirs = plain["content"]
    # The same structure, byte for byte, but for the (randomized) ECDSA signature value.
    for key in ("version", "digest_algorithms", "encap_content_info", "certificates"):
        assert ours[key].dump() == theirs[key].dump()
    for key in ("version", "sid", "digest_algorithm", "signed_attrs", "signature_algorithm"):
        assert ours["signer_infos"][0][key].dump() == theirs["signer_infos"][0][key].dump()


def test_two_certificates_get_different_digests_and_both_validate(data):  # noqa: F811
    from certificates.issuance import pdf

    first = signing.sign_pdf(pdf.render_certificate(data()), number="X000142000122261000001")
    second = signing.sign_pdf(pdf.render_certificate(data(holder_name="王芳", number="X000142000122261000002")),
                              number="X000142000122261000002")
    digests = {_message_digest(_cms_of(p)) for p in (first, second)}
    assert len(digests) == 2
    for content in (first, second):
        check = signing.check_pdf(content)
        assert (check.signed, check.intact, check.by_issuer, check.whole_file) == (True, True, True, True)


def test_openssl_verifies_the_signature_independently(signed, tmp_path):
    import base64
    import shutil
    import subprocess

    from asn1crypto import cms

    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    signature = _cms_of(signed)
    start1, length1, start2, length2 = signature.byte_range
    (tmp_path / "content").write_bytes(signed[start1:start1 + length1] + signed[start2:start2 + length2])
    # /Contents is the DER of the CMS followed by the zero padding of the reserved space.
    (tmp_path / "cms.der").write_bytes(cms.ContentInfo.load(bytes(signature.sig_object["/Contents"])).dump())
    (tmp_path / "issuer.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\n"
                                          + base64.encodebytes(signing.issuing_signer().signing_cert.dump())
                                          + b"-----END CERTIFICATE-----\n")
    result = subprocess.run(["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", tmp_path / "cms.der",
                             "-content", tmp_path / "content", "-CAfile", tmp_path / "issuer.pem",
                             "-purpose", "any", "-out", "/dev/null"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Verification successful" in result.stderr


def test_the_space_reserved_for_the_signature_fits_the_template_with_room_for_larger_keys(signed):
    signer = signing.issuing_signer()
    reserved = signer.bytes_reserved()
    cms_bytes = len(_cms_of(signed).sig_object["/Contents"])
    assert reserved == 2 * cms_bytes  # hex digits in the file, bytes of DER here
    assert signer._template.size + 512 <= cms_bytes < signing.SIGNATURE_BYTES_RESERVED // 2
