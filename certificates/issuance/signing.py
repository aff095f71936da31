"""The platform's issuing key: PAdES signatures on e-certificates (pyHanko), their validation, and
the public key that VC-JWT exports are checked against.

Production reads the key and its X.509 certificate from ``ISSUING_KEY_PATH`` / ``ISSUING_CERT_PATH``
(PEM; an ECDSA P-256 key is what the figures in bench/ assume) and refuses to sign without them.
Development, demo and test generate a self-signed P-256 development key into ``VAR_DIR/issuing/`` on
first use (never committed; every process on the machine shares it).

Speed: the signer is loaded once per process and the signature's size is reserved up front, so
pyHanko neither re-reads the key nor signs twice to measure the signature (≈16 ms, not ≈110 ms);
the CMS structure, the same for every certificate but for the digest and the signature value, is
filled from a template cut out of pyHanko's own output instead of being rebuilt through asn1crypto
for each signature (``_CmsTemplate``: a signature ≈3 ms instead of ≈12).
"""

import datetime
import functools
import io
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.dev_keys import dev_key_pair, dev_key_pair_write

SIGNATURE_FIELD = "IssuerSignature"
SIGNATURE_BYTES_RESERVED = 8192  # hex digits for the CMS when no template sizes it (4 KB of DER)
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
    dev_key_pair_write(key_path, cert_path, key_pem, cert_pem)


def key_paths() -> tuple[Path, Path]:
    """The key and certificate files in force, generating the development pair where allowed."""
    if settings.ISSUING_KEY_PATH and settings.ISSUING_CERT_PATH:
        return Path(settings.ISSUING_KEY_PATH), Path(settings.ISSUING_CERT_PATH)
    if settings.IS_PRODUCTION:
        raise ImproperlyConfigured("ISSUING_KEY_PATH and ISSUING_CERT_PATH are required to issue certificates "
                                   "when PILOT_ENV=production")
    return dev_key_pair(*_dev_key_paths(), _generate_dev_key, what="issuing key")


@functools.cache
def issuing_signer():
    """The pyHanko signer, loaded once per process."""
    from pyhanko.sign import signers

    key_path, cert_path = key_paths()
    passphrase = settings.ISSUING_KEY_PASSPHRASE.encode() if settings.ISSUING_KEY_PASSPHRASE else None
    signer = signers.SimpleSigner.load(str(key_path), str(cert_path), key_passphrase=passphrase)
    if signer is None:
        raise ImproperlyConfigured(f"cannot load the issuing key {key_path} with certificate {cert_path}")
    return _template_signer_class()(signing_cert=signer.signing_cert, signing_key=signer.signing_key,
                                    cert_registry=signer.cert_registry)


def _der(tag: int, body: bytes) -> bytes:
    """One DER element: tag, definite length, body."""
    n = len(body)
    if n < 0x80:
        return bytes((tag, n)) + body
    length = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + body


class _CmsTemplate:
    """The CMS SignedData of a PAdES signature by this signer, as bytes with two holes.

    Everything in it but the document digest and the signature value is the same for every
    certificate: the issuer's certificate, the signer identifier, the algorithms and the signed
    attributes content-type, message-digest and signing-certificate-v2 (PAdES puts the signing time
    in the signature dictionary, not here). pyHanko builds that structure through asn1crypto anew
    for each signature — about 10 ms of the 12 a signature took. The template is cut out of a
    structure pyHanko itself produced, and ``fill`` reassembles it with its DER lengths; it is only
    used after reproducing pyHanko's output byte for byte and checking the order of the signed
    attributes does not depend on the digest."""

    SIGNED_ATTRS = {"content_type", "message_digest", "signing_certificate_v2"}

    def __init__(self, references: list[tuple[bytes, object]]):
        pieces = [self._cut(digest, ci) for digest, ci in references]
        if any(p[:-1] != pieces[0][:-1] for p in pieces) or not all(p[-1] for p in pieces):
            raise ValueError("the signed attributes do not form a fixed template")
        (self.content_type, self.sd_head, self.si_head, self.attrs_before, self.attrs_after, self.si_tail,
         _ok) = pieces[0]

    @property
    def size(self) -> int:
        """Bytes of DER a filled template takes, the longest signature value allowed for."""
        return len(self.fill(b"\x00" * 32, b"\x00" * 140))  # ECDSA P-256 <= 72, P-521 <= 139

    @classmethod
    def _cut(cls, digest: bytes, ci) -> tuple:
        sd = ci["content"]
        (si,) = sd["signer_infos"]
        attrs = si["signed_attrs"]
        if {a["type"].native for a in attrs} != cls.SIGNED_ATTRS or si["unsigned_attrs"].native is not None \
                or sd["crls"].native is not None:
            raise ValueError("unexpected CMS attributes")
        body = attrs.contents
        if body.count(digest) != 1:
            raise ValueError("the digest does not appear exactly once")
        before, after = body.split(digest)
        sd_head = b"".join(sd[k].dump() for k in ("version", "digest_algorithms", "encap_content_info", "certificates"))
        si_head = b"".join(si[k].dump() for k in ("version", "sid", "digest_algorithm"))
        pieces = (ci["content_type"].dump(), sd_head, si_head, before, after, si["signature_algorithm"].dump())
        rebuilt = cls._assemble(*pieces, digest=digest, signature=si["signature"].native)
        return (*pieces, rebuilt == ci.dump())

    @staticmethod
    def _assemble(content_type, sd_head, si_head, before, after, si_tail, *, digest: bytes, signature: bytes) -> bytes:
        signer_info = _der(0x30, si_head + _der(0xA0, before + digest + after) + si_tail + _der(0x04, signature))
        signed_data = _der(0x30, sd_head + _der(0x31, signer_info))
        return _der(0x30, content_type + _der(0xA0, signed_data))

    def signed_attrs(self, digest: bytes) -> bytes:
        """What the signature covers: the signed attributes as a DER SET."""
        return _der(0x31, self.attrs_before + digest + self.attrs_after)

    def fill(self, digest: bytes, signature: bytes) -> bytes:
        return self._assemble(self.content_type, self.sd_head, self.si_head, self.attrs_before, self.attrs_after,
                              self.si_tail, digest=digest, signature=signature)


@functools.cache
def _template_signer_class():
    import asyncio
    import logging

    from asn1crypto import cms
    from pyhanko.sign import signers

    class TemplateSigner(signers.SimpleSigner):
        """A SimpleSigner whose PAdES signatures over SHA-256 (the only kind issuance makes) come
        from a ``_CmsTemplate``; anything else goes the ordinary pyHanko way."""

        _template: _CmsTemplate | None = None
        _template_failed = False

        def bytes_reserved(self) -> int:
            """Hex digits to reserve for the CMS in the PDF: what the template takes (with room for
            an RSA signature of up to 4096 bits), else a fixed 4 KB of DER."""
            if self._template is None and not self._template_failed:
                from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

                _outside_event_loop(asyncio.run, self._get_template(PdfCMSSignedAttributes()))
            if self._template is None:
                return SIGNATURE_BYTES_RESERVED
            hex_digits = 2 * (self._template.size + 512)
            return -(-hex_digits // 256) * 256  # rounded up to a multiple of 256

        async def async_sign(self, data_digest: bytes, digest_algorithm: str, dry_run=False, use_pades=False,
                             timestamper=None, signed_attr_settings=None, is_pdf_sig=True,
                             encap_content_info=None) -> cms.ContentInfo:
            plain = (not dry_run and use_pades and timestamper is None and is_pdf_sig and encap_content_info is None
                     and digest_algorithm.lower() == "sha256" and len(data_digest) == 32
                     and (signed_attr_settings is None or (signed_attr_settings.adobe_revinfo_attr is None
                                                           and signed_attr_settings.cades_signed_attrs is None)))
            template = await self._get_template(signed_attr_settings) if plain else None
            if template is None:
                return await super().async_sign(
                    data_digest, digest_algorithm, dry_run=dry_run, use_pades=use_pades, timestamper=timestamper,
                    signed_attr_settings=signed_attr_settings, is_pdf_sig=is_pdf_sig,
                    encap_content_info=encap_content_info)
            signature = await self.async_sign_raw(template.signed_attrs(data_digest), "sha256")
            return cms.ContentInfo.load(template.fill(data_digest, signature))

        async def _get_template(self, signed_attr_settings) -> _CmsTemplate | None:
            if self._template is None and not self._template_failed:
                references = []
                for fill in (b"\x00", b"\xff", b"\x5a"):  # the extremes: any digest-dependent order shows
                    digest = fill * 32
                    references.append((digest, await super().async_sign(
                        digest, "sha256", use_pades=True, signed_attr_settings=signed_attr_settings)))
                try:
                    self._template = _CmsTemplate(references)
                except (ValueError, KeyError) as problem:
                    logging.getLogger(__name__).warning("signing without a CMS template: %s", problem)
                    self._template_failed = True
            return self._template

    return TemplateSigner


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


def sign_pdf(pdf: bytes, *, number: str, reason: str = "") -> bytes:
    """``pdf`` with a PAdES baseline signature by the issuing key over the whole file (``reason``
    defaults to the certificate's; the verification report names itself)."""
    return _outside_event_loop(_sign_pdf, pdf, number=number, reason=reason)


def _sign_pdf(pdf: bytes, *, number: str, reason: str = "") -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=reason or f"职业技能等级证书 {number}", location="1+X证书制度试点管理平台")
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    signer = issuing_signer()
    out = signers.PdfSigner(meta, signer=signer).sign_pdf(writer, bytes_reserved=signer.bytes_reserved())
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
