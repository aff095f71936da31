"""The platform's issuing key: PAdES signatures on e-certificates (pyHanko), their validation, and
the public key that VC-JWT exports are checked against.

Production reads the key and its X.509 certificate from ``ISSUING_KEY_PATH`` / ``ISSUING_CERT_PATH``
(PEM; an ECDSA P-256 key is what the figures in bench/ assume) and refuses to sign without them.
Development, demo and test generate a self-signed P-256 development key into ``VAR_DIR/issuing/`` on
first use (never committed; every process on the machine shares it).

Speed: the signer is loaded once per process and the signature's size is reserved up front, so
pyHanko neither re-reads the key nor signs twice to measure the signature (≈16 ms, not ≈110 ms).
"""

import datetime
import functools
import io
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SIGNATURE_FIELD = "IssuerSignature"
SIGNATURE_BYTES_RESERVED = 8192
DEV_SUBJECT = "1+X Pilot Portal issuing key (development only)"


def _dev_key_paths() -> tuple[Path, Path]:
    folder = Path(settings.VAR_DIR) / "issuing"
    return folder / "dev-issuing-key.pem", folder / "dev-issuing-cert.pem"


def _generate_dev_key(key_path: Path, cert_path: Path) -> None:
    """A self-signed P-256 key and certificate, written atomically (two processes starting together
    end up with the same pair: the second sees the first's files and uses them)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key_path.parent.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "1+X证书制度试点管理平台"),
                      x509.NameAttribute(NameOID.COMMON_NAME, DEV_SUBJECT)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    tmp_key, tmp_cert = key_path.with_suffix(f".{os.getpid()}.tmp"), cert_path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key_pem)
    tmp_cert.write_bytes(cert_pem)
    try:
        os.link(tmp_cert, cert_path)  # the certificate is the marker: whoever links it first wins
    except FileExistsError:
        pass
    else:
        os.replace(tmp_key, key_path)
    finally:
        for tmp in (tmp_key, tmp_cert):
            tmp.unlink(missing_ok=True)


def key_paths() -> tuple[Path, Path]:
    """The key and certificate files in force, generating the development pair where allowed."""
    if settings.ISSUING_KEY_PATH and settings.ISSUING_CERT_PATH:
        return Path(settings.ISSUING_KEY_PATH), Path(settings.ISSUING_CERT_PATH)
    if settings.IS_PRODUCTION:
        raise ImproperlyConfigured("ISSUING_KEY_PATH and ISSUING_CERT_PATH are required to issue certificates "
                                   "when PILOT_ENV=production")
    key_path, cert_path = _dev_key_paths()
    for _attempt in range(50):
        if cert_path.exists() and key_path.exists():
            return key_path, cert_path
        if not cert_path.exists():
            _generate_dev_key(key_path, cert_path)
        else:  # another process linked the certificate and is about to move its key in place
            import time

            time.sleep(0.05)
    raise ImproperlyConfigured(f"the development issuing key in {key_path.parent} is incomplete")


@functools.cache
def issuing_signer():
    """The pyHanko signer, loaded once per process."""
    from pyhanko.sign import signers

    key_path, cert_path = key_paths()
    passphrase = settings.ISSUING_KEY_PASSPHRASE.encode() if settings.ISSUING_KEY_PASSPHRASE else None
    signer = signers.SimpleSigner.load(str(key_path), str(cert_path), key_passphrase=passphrase)
    if signer is None:
        raise ImproperlyConfigured(f"cannot load the issuing key {key_path} with certificate {cert_path}")
    return signer


@functools.cache
def issuing_private_key():
    """The key as a ``cryptography`` object (for VC-JWT signatures)."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    key_path, _cert = key_paths()
    passphrase = settings.ISSUING_KEY_PASSPHRASE.encode() if settings.ISSUING_KEY_PASSPHRASE else None
    return load_pem_private_key(key_path.read_bytes(), password=passphrase)


@functools.cache
def issuing_certificate_der() -> bytes:
    return issuing_signer().signing_cert.dump()


def _outside_event_loop(fn, *args, **kwargs):
    """pyHanko's synchronous API runs its own event loop; where this thread already runs one (an
    async server, or Playwright's sync API in the browser tests) run it in a helper thread."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args, **kwargs)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


def sign_pdf(pdf: bytes, *, number: str) -> bytes:
    """``pdf`` with a PAdES baseline signature by the issuing key over the whole file."""
    return _outside_event_loop(_sign_pdf, pdf, number=number)


def _sign_pdf(pdf: bytes, *, number: str) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=f"职业技能等级证书 {number}", location="1+X证书制度试点管理平台")
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    out = signers.PdfSigner(meta, signer=issuing_signer()).sign_pdf(writer, bytes_reserved=SIGNATURE_BYTES_RESERVED)
    return out.getvalue()


@dataclass(frozen=True)
class SignatureCheck:
    """What an uploaded PDF's signature says."""

    signed: bool  # carries a signature at all
    intact: bool  # the signed bytes are unchanged
    by_issuer: bool  # signed by the platform's issuing key
    whole_file: bool  # nothing was added after the signature
    number: str  # the certificate number the signed document carries
    version: int


def check_pdf(pdf: bytes) -> SignatureCheck:
    """Validate the signature of an uploaded PDF against the platform's issuing key."""
    return _outside_event_loop(_check_pdf, pdf)


def _check_pdf(pdf: bytes) -> SignatureCheck:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    unsigned = SignatureCheck(signed=False, intact=False, by_issuer=False, whole_file=False, number="", version=0)
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # not a PDF, or damaged beyond reading: no genuine certificate either way
        return unsigned
    ours = [s for s in signatures if s.field_name == SIGNATURE_FIELD]
    if not ours:
        return unsigned
    signature = ours[-1]
    trusted = issuing_signer().signing_cert
    try:
        status = validate_pdf_signature(signature, ValidationContext(trust_roots=[trusted], allow_fetching=False))
        intact = bool(status.intact and status.valid)
    except Exception:
        status, intact = None, False
    by_issuer = bool(status is not None and status.signing_cert.dump() == trusted.dump())
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    whole_file = bool(status is not None and status.coverage == SignatureCoverageLevel.ENTIRE_FILE)
    number, version = "", 0
    try:
        info = reader.trailer_view["/Info"] if "/Info" in reader.trailer_view else None
        if info is not None:
            number = str(info.get("/CertificateNumber", ""))
            version = int(str(info.get("/CertificateVersion", "0")) or 0)
    except Exception:
        pass
    return SignatureCheck(signed=True, intact=intact, by_issuer=by_issuer, whole_file=whole_file, number=number,
                          version=version)
