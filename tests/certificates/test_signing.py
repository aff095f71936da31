"""PAdES signatures by the issuing key: valid, and any tampering detected."""

import io

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from certificates import signing
from tests.certificates.test_pdf import data  # noqa: F401  (fixture)


@pytest.fixture
def signed(data):  # noqa: F811
    from certificates import pdf

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
    from certificates import pdf

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
