"""The platform's SM2 issuing key: SM2 signatures over SM3 (GB/T 32918, GB/T 35276) for the OFD seal
and the OFD signature (GB/T 38540).

Production reads the key and its X.509 certificate from ``ISSUING_SM2_KEY_PATH`` /
``ISSUING_SM2_CERT_PATH`` (PEM, an unencrypted PKCS#8 SM2 key) and refuses to sign without them.
Development, demo and test generate a key and a self-signed SM2 certificate into ``VAR_DIR/issuing/``
on first use (never committed; every process on the machine shares it), as the PAdES key does
(``certificates.issuance.signing``).

Why ctypes: ``cryptography`` has no SM2, and the pure-Python packages are orders of magnitude slower.
The system's OpenSSL 3 (libcrypto.so.3, which Python's own ``ssl`` module already loads) does SM2
through its EVP API; this module binds the dozen functions it needs.

The distinguishing ID: every signature here uses GM/T 0009's default ``1234567812345678`` (what
GB/T 35276 prescribes, and what BouncyCastle, ofdrw and the seal verifiers use). OpenSSL 3.0's
``pkeyutl`` does NOT default to it: without ``-pkeyopt distid:1234567812345678`` it computes Z over an
empty ID and reports a failure. The independent check is therefore::

    openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in data -sigfile sig -digest sm3 \\
        -pkeyopt distid:1234567812345678

Signatures are DER ``SEQUENCE { r INTEGER, s INTEGER }`` (GB/T 35276 §7.3), as OpenSSL writes them.
"""

import ctypes
import datetime
import functools
import os
import threading
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from core.dev_keys import dev_key_pair, dev_key_pair_write
from core.errors import AppError

DISTINGUISHING_ID = b"1234567812345678"
SM2_WITH_SM3 = "1.2.156.10197.1.501"  # GB/T 33560: SM2 signature with SM3
SM3 = "1.2.156.10197.1.401"
DEV_SUBJECT = "1+X证书制度试点管理平台 SM2 签章密钥（仅供开发）"
PLATFORM_NAME = "1+X证书制度试点管理平台"


class Sm2Unavailable(ImproperlyConfigured):
    """The machine's libcrypto cannot do SM2 (not OpenSSL 3, or built without SM2)."""


class KeyMissing(AppError):
    """Production without a configured SM2 key: nothing may be sealed."""

    status = 503

    def __init__(self):
        super().__init__(_("平台尚未配置 SM2 签章密钥，无法为证书加盖电子签章。请联系平台管理员。"),
                         code="sm2_key_missing")


# --- libcrypto -------------------------------------------------------------------------------------

_P = ctypes.c_void_p
_SIGNATURES = {  # name: (restype, argtypes)
    "ERR_get_error": (ctypes.c_ulong, []),
    "ERR_error_string_n": (None, [ctypes.c_ulong, ctypes.c_char_p, ctypes.c_size_t]),
    "ERR_clear_error": (None, []),
    "BIO_new_mem_buf": (_P, [ctypes.c_char_p, ctypes.c_int]),
    "BIO_new": (_P, [_P]),
    "BIO_s_mem": (_P, []),
    "BIO_ctrl": (ctypes.c_long, [_P, ctypes.c_int, ctypes.c_long, _P]),
    "BIO_free": (ctypes.c_int, [_P]),
    "PEM_read_bio_PrivateKey": (_P, [_P, _P, _P, _P]),
    "PEM_write_bio_PKCS8PrivateKey": (ctypes.c_int, [_P, _P, _P, _P, ctypes.c_int, _P, _P]),
    "d2i_PUBKEY": (_P, [_P, ctypes.POINTER(_P), ctypes.c_long]),
    "i2d_PUBKEY": (ctypes.c_int, [_P, ctypes.POINTER(_P)]),
    "EVP_PKEY_free": (None, [_P]),
    "EVP_PKEY_is_a": (ctypes.c_int, [_P, ctypes.c_char_p]),
    "EVP_PKEY_CTX_new": (_P, [_P, _P]),
    "EVP_PKEY_CTX_new_from_name": (_P, [_P, ctypes.c_char_p, ctypes.c_char_p]),
    "EVP_PKEY_CTX_free": (None, [_P]),
    "EVP_PKEY_CTX_set1_id": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.c_int]),
    "EVP_PKEY_keygen_init": (ctypes.c_int, [_P]),
    "EVP_PKEY_generate": (ctypes.c_int, [_P, ctypes.POINTER(_P)]),
    "EVP_MD_CTX_new": (_P, []),
    "EVP_MD_CTX_free": (None, [_P]),
    "EVP_MD_CTX_set_pkey_ctx": (None, [_P, _P]),
    "EVP_sm3": (_P, []),
    "EVP_DigestSignInit": (ctypes.c_int, [_P, _P, _P, _P, _P]),
    "EVP_DigestSign": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.POINTER(ctypes.c_size_t), ctypes.c_char_p,
                                      ctypes.c_size_t]),
    "EVP_DigestVerifyInit": (ctypes.c_int, [_P, _P, _P, _P, _P]),
    "EVP_DigestVerify": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]),
}
_BIO_CTRL_INFO = 3  # BIO_get_mem_data
_SIGNATURE_MAX = 80  # DER of two 256-bit integers: at most 72 bytes


@functools.cache
def _lib():
    try:
        lib = ctypes.CDLL("libcrypto.so.3")  # the OpenSSL 3 ABI; Python's ssl module links the same file
        for name, (restype, argtypes) in _SIGNATURES.items():
            function = getattr(lib, name)
            function.restype, function.argtypes = restype, argtypes
    except (OSError, AttributeError) as problem:
        raise Sm2Unavailable(f"SM2 needs OpenSSL 3 (libcrypto.so.3): {problem}") from problem
    return lib


def _openssl_error(what: str) -> Sm2Unavailable:
    lib = _lib()
    code = lib.ERR_get_error()
    text = ctypes.create_string_buffer(256)
    if code:
        lib.ERR_error_string_n(code, text, len(text))
    lib.ERR_clear_error()
    return Sm2Unavailable(f"{what}: {text.value.decode(errors='replace') or 'unknown OpenSSL error'}")


class _Key:
    """An EVP_PKEY owned by Python: freed with the object."""

    def __init__(self, pointer: int):
        self.pointer = pointer
        self._free = _lib().EVP_PKEY_free  # held here: module globals may be gone when __del__ runs at exit

    def __del__(self):
        if self.pointer:
            self._free(self.pointer)
            self.pointer = None


def _load_private_pem(pem: bytes) -> _Key:
    lib = _lib()
    bio = lib.BIO_new_mem_buf(pem, len(pem))
    try:
        pointer = lib.PEM_read_bio_PrivateKey(bio, None, None, None)
    finally:
        lib.BIO_free(bio)
    if not pointer:
        raise _openssl_error("cannot read the SM2 private key")
    key = _Key(pointer)
    if lib.EVP_PKEY_is_a(pointer, b"SM2") != 1:
        raise ImproperlyConfigured("the configured SM2 key is not an SM2 key")
    return key


def _load_public_der(spki: bytes) -> _Key | None:
    """The key of a DER SubjectPublicKeyInfo, or None when it is not an SM2 public key: any other
    key type would make OpenSSL run ECDSA over SM3, which is not what the seal claims."""
    lib = _lib()
    buffer = ctypes.create_string_buffer(spki, len(spki))
    cursor = _P(ctypes.addressof(buffer))
    pointer = lib.d2i_PUBKEY(None, ctypes.byref(cursor), len(spki))
    if not pointer:
        lib.ERR_clear_error()
        return None
    key = _Key(pointer)
    return key if lib.EVP_PKEY_is_a(pointer, b"SM2") == 1 else None


def _public_der(key: _Key) -> bytes:
    lib = _lib()
    size = lib.i2d_PUBKEY(key.pointer, None)
    if size <= 0:
        raise _openssl_error("cannot encode the SM2 public key")
    buffer = ctypes.create_string_buffer(size)
    cursor = _P(ctypes.addressof(buffer))
    lib.i2d_PUBKEY(key.pointer, ctypes.byref(cursor))
    return buffer.raw


def _digest_context(key: _Key, *, signing: bool):
    """An EVP_MD_CTX set up for SM2 with SM3 and the default distinguishing ID, and the
    EVP_PKEY_CTX the caller frees after it (the MD context does not own one set from outside)."""
    lib = _lib()
    md_ctx, pkey_ctx = lib.EVP_MD_CTX_new(), lib.EVP_PKEY_CTX_new(key.pointer, None)
    init = lib.EVP_DigestSignInit if signing else lib.EVP_DigestVerifyInit
    if (not md_ctx or not pkey_ctx
            or lib.EVP_PKEY_CTX_set1_id(pkey_ctx, DISTINGUISHING_ID, len(DISTINGUISHING_ID)) != 1):
        _free_context(md_ctx, pkey_ctx)
        raise _openssl_error("cannot set up SM2")
    lib.EVP_MD_CTX_set_pkey_ctx(md_ctx, pkey_ctx)
    if init(md_ctx, None, lib.EVP_sm3(), None, key.pointer) != 1:
        _free_context(md_ctx, pkey_ctx)
        raise _openssl_error("cannot set up SM2 with SM3")
    return md_ctx, pkey_ctx


def _free_context(md_ctx, pkey_ctx) -> None:
    lib = _lib()
    if md_ctx:
        lib.EVP_MD_CTX_free(md_ctx)
    if pkey_ctx:
        lib.EVP_PKEY_CTX_free(pkey_ctx)


def _sign_with(key: _Key, data: bytes) -> bytes:
    lib = _lib()
    md_ctx, pkey_ctx = _digest_context(key, signing=True)
    try:
        out = ctypes.create_string_buffer(_SIGNATURE_MAX)
        size = ctypes.c_size_t(len(out))
        if lib.EVP_DigestSign(md_ctx, out, ctypes.byref(size), data, len(data)) != 1:
            raise _openssl_error("SM2 signing failed")
        return out.raw[:size.value]
    finally:
        _free_context(md_ctx, pkey_ctx)


def _verify_with(key: _Key, data: bytes, signature: bytes) -> bool:
    lib = _lib()
    md_ctx, pkey_ctx = _digest_context(key, signing=False)
    try:
        ok = lib.EVP_DigestVerify(md_ctx, signature, len(signature), data, len(data)) == 1
    finally:
        _free_context(md_ctx, pkey_ctx)
    if not ok:
        lib.ERR_clear_error()  # a malformed signature leaves its decoding error queued
    return ok


# --- keys and certificates -------------------------------------------------------------------------

def _generate_key() -> tuple[bytes, _Key]:
    """A new SM2 key: its PKCS#8 PEM and the key itself."""
    lib = _lib()
    ctx = lib.EVP_PKEY_CTX_new_from_name(None, b"SM2", None)
    pointer = _P()
    try:
        if not ctx or lib.EVP_PKEY_keygen_init(ctx) != 1 or lib.EVP_PKEY_generate(ctx, ctypes.byref(pointer)) != 1:
            raise _openssl_error("cannot generate an SM2 key")
    finally:
        if ctx:
            lib.EVP_PKEY_CTX_free(ctx)
    key = _Key(pointer.value)
    bio = lib.BIO_new(lib.BIO_s_mem())
    try:
        if lib.PEM_write_bio_PKCS8PrivateKey(bio, key.pointer, None, None, 0, None, None) != 1:
            raise _openssl_error("cannot write the SM2 key")
        data = ctypes.c_char_p()
        size = lib.BIO_ctrl(bio, _BIO_CTRL_INFO, 0, ctypes.byref(data))
        pem = ctypes.string_at(data, size)
    finally:
        lib.BIO_free(bio)
    return pem, key


def self_signed_certificate(key_pem: bytes, *, common_name: str, days: int = 3650) -> bytes:
    """A self-signed X.509 v3 certificate (DER) for an SM2 key, signed SM2-with-SM3: the seal maker's
    and signer's certificate where no CA-issued one is configured."""
    from asn1crypto import keys, x509

    key = _load_private_pem(key_pem)
    name = x509.Name.build({"country_name": "CN", "organization_name": PLATFORM_NAME, "common_name": common_name})
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    algorithm = {"algorithm": SM2_WITH_SM3}
    tbs = x509.TbsCertificate({
        "version": "v3", "serial_number": int.from_bytes(os.urandom(16), "big") >> 1, "signature": algorithm,
        "issuer": name, "subject": name,
        "validity": {"not_before": x509.Time({"utc_time": now - datetime.timedelta(days=1)}),
                     "not_after": x509.Time({"utc_time": now + datetime.timedelta(days=days)})},
        "subject_public_key_info": keys.PublicKeyInfo.load(_public_der(key)),
        "extensions": [
            {"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": True}},
            {"extn_id": "key_usage", "critical": True,
             "extn_value": {"digital_signature", "non_repudiation", "key_cert_sign"}},
        ],
    })
    signature = _sign_with(key, tbs.dump())
    return x509.Certificate({"tbs_certificate": tbs, "signature_algorithm": algorithm,
                             "signature_value": signature}).dump()


def _dev_key_paths() -> tuple[Path, Path]:
    folder = Path(settings.VAR_DIR) / "issuing"
    return folder / "dev-sm2-key.pem", folder / "dev-sm2-cert.pem"


def _pem(der: bytes, label: str) -> bytes:
    from asn1crypto import pem

    return pem.armor(label, der)


def _generate_dev_key(key_path: Path, cert_path: Path) -> None:
    """A key and self-signed certificate, written atomically like the PAdES development key: the
    certificate is linked into place first, and whoever links it first wins."""
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key_pem, _key = _generate_key()
    cert_pem = _pem(self_signed_certificate(key_pem, common_name=DEV_SUBJECT), "CERTIFICATE")
    dev_key_pair_write(key_path, cert_path, key_pem, cert_pem)


def key_paths() -> tuple[Path, Path]:
    """The SM2 key and certificate files in force, generating the development pair where allowed;
    ``KeyMissing`` in production without them."""
    if settings.ISSUING_SM2_KEY_PATH and settings.ISSUING_SM2_CERT_PATH:
        return Path(settings.ISSUING_SM2_KEY_PATH), Path(settings.ISSUING_SM2_CERT_PATH)
    if settings.IS_PRODUCTION:
        raise KeyMissing()
    return dev_key_pair(*_dev_key_paths(), _generate_dev_key, what="SM2 key")


class _Issuer:
    """The loaded key and certificate; one per process and per configured pair of files."""

    def __init__(self, key_path: Path, cert_path: Path):
        from asn1crypto import pem, x509

        self.key = _load_private_pem(key_path.read_bytes())
        raw = cert_path.read_bytes()
        self.certificate_der = pem.unarmor(raw)[2] if pem.detect(raw) else raw
        spki = x509.Certificate.load(self.certificate_der).public_key.dump()
        if spki != _public_der(self.key):
            raise ImproperlyConfigured(f"the SM2 certificate {cert_path} does not belong to the key {key_path}")


_issuers: dict[tuple[Path, Path], _Issuer] = {}
_issuers_lock = threading.Lock()


def _issuer() -> _Issuer:
    # Keyed by the paths in force, so a test that points the settings at another pair gets it.
    paths = key_paths()
    with _issuers_lock:
        if paths not in _issuers:
            _issuers[paths] = _Issuer(*paths)
        return _issuers[paths]


def issuing_certificate_der() -> bytes:
    """The DER X.509 certificate of the SM2 issuing key (seal maker and signer)."""
    return _issuer().certificate_der


def sign(data: bytes) -> bytes:
    """SM2-with-SM3 signature (DER) of ``data`` by the issuing key, default distinguishing ID."""
    return _sign_with(_issuer().key, data)


def certificate_public_key(certificate_der: bytes) -> bytes | None:
    """The DER SubjectPublicKeyInfo of an X.509 certificate, or None when it does not parse."""
    from asn1crypto import x509

    try:
        return x509.Certificate.load(certificate_der, strict=True).public_key.dump()
    except (ValueError, TypeError, KeyError):
        return None


def verify(certificate_der: bytes, data: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is an SM2-with-SM3 signature of ``data`` by the key of the X.509
    certificate ``certificate_der``. False, never an exception, for anything malformed."""
    spki = certificate_public_key(certificate_der)
    key = _load_public_der(spki) if spki else None
    return bool(key and signature) and _verify_with(key, data, signature)
