"""The SM2/SM3 electronic signature (电子签章) of an OFD package: GB/T 33190-2016 §18 for where it
lives in the package, GB/T 38540-2020 for what it is, and its check on upload.

``ofd_sign`` adds, beside the document's Document.xml (``Doc_0/Signs/``):

- ``Signatures.xml``: the list of signatures, named from OFD.xml's ``DocBody/Signatures``;
- ``Sign_0/Signature.xml``: ``SignedInfo`` with the SM3 of every other file of the package (so one
  changed byte anywhere shows), the stamp's place on the page and the seal's location;
- ``Sign_0/Seal.esl``: the seal (``certificates.ofd.seal``);
- ``Sign_0/SignedValue.dat``: ``SES_Signature`` v4, whose ``TBS_Sign`` binds the seal, the signing time
  and the SM3 of Signature.xml, signed by the platform's SM2 key.

Not covered by the references, as in every OFD signer: Signatures.xml (rewritten by any later
signature) and this signature's own Signature.xml and SignedValue.dat (Signature.xml is covered by
``dataHash``, SignedValue.dat is the signature).

``ofd_check`` never raises on what an uploader sends: it returns an ``OfdCheck`` with a reason code.
"""

import base64
import datetime
import hashlib
import io
import posixpath
import zipfile
import zlib
from dataclasses import dataclass

from asn1crypto import core
from lxml import etree

from certificates.ofd import seal as seals
from certificates.ofd import sm2
from core.errors import AppError

OFD_NS = "http://www.ofdspec.org/2016"
CUSTOM_NUMBER = "CertificateNumber"  # DocInfo/CustomDatas/CustomData Name= the certificate's number
CUSTOM_VERSION = "CertificateVersion"  # and its version, as the PDF's Info dictionary carries them
PROVIDER = "1+X证书制度试点管理平台"
SIGNATURE_VERSION = 4
SEAL_FILE, SIGNATURE_FILE, SIGNED_VALUE_FILE = "Seal.esl", "Signature.xml", "SignedValue.dat"

MAX_ENTRIES = 2000  # a certificate's OFD has a few dozen parts
MAX_TOTAL_BYTES = 64 * 1024 * 1024  # uncompressed, all parts together: a zip bomb stops here

REASON_OK = "ok"
REASON_NOT_OFD = "not_ofd"  # not a ZIP, or a ZIP without OFD.xml
REASON_DAMAGED = "damaged"  # a ZIP or an XML part that cannot be read
REASON_TOO_LARGE = "too_large"
REASON_UNSIGNED = "unsigned"
REASON_BAD_SIGNATURE = "bad_signature"  # signature parts missing or not parsing
REASON_BAD_SEAL = "bad_seal"  # the seal does not parse, its maker's signature fails, or it does not cover the signer
REASON_OTHER_KEY = "other_key"  # a sound signature, but not by the platform's SM2 key
REASON_SIGNATURE_MISMATCH = "signature_mismatch"  # SignedValue.dat does not match Signature.xml
REASON_DIGEST_MISMATCH = "digest_mismatch"  # a file differs from its reference, or is missing, or was added


def reason_message(reason: str) -> str:
    """What a reason code means, for the person who uploaded the file (translated)."""
    from django.utils.translation import gettext as _

    messages = {
        REASON_OK: _("电子签章有效：文件由本平台签发，签章后未被改动。"),
        REASON_NOT_OFD: _("上传的文件不是 OFD 文件。"),
        REASON_DAMAGED: _("OFD 文件已损坏，无法读取。"),
        REASON_TOO_LARGE: _("文件过大或包含的部件过多，无法校验。"),
        REASON_UNSIGNED: _("该 OFD 文件没有电子签章。"),
        REASON_BAD_SIGNATURE: _("OFD 文件中的电子签章数据无法解析。"),
        REASON_BAD_SEAL: _("电子签章所用的电子印章无效：印章结构无法解析、制章签名不符，或签章时不在印章有效期内。"),
        REASON_OTHER_KEY: _("该 OFD 文件的电子签章不是由本平台的签章密钥签署的。"),
        REASON_SIGNATURE_MISMATCH: _("电子签章的签名与签章信息不符：签章信息在签章后被改动。"),
        REASON_DIGEST_MISMATCH: _("文件内容在签章后被改动：有部件被修改、删除或添加。"),
    }
    return messages[reason]


def _q(tag: str) -> str:
    return f"{{{OFD_NS}}}{tag}"


# --- the GB/T 38540 v4 signature structure --------------------------------------------------------

class _TbsSign(core.Sequence):
    # eseal is kept as Any so a seal that does not parse is told apart from a signature that does not.
    _fields = [("version", core.Integer), ("eseal", core.Any), ("time_info", core.GeneralizedTime),
               ("data_hash", core.OctetBitString), ("property_info", core.IA5String),
               ("ext_datas", core.Any, {"explicit": 0, "optional": True})]


class _SesSignature(core.Sequence):
    _fields = [("to_sign", _TbsSign), ("cert", core.OctetString), ("signature_alg_id", core.ObjectIdentifier),
               ("signature", core.OctetBitString), ("time_stamp", core.OctetBitString, {"explicit": 0, "optional": True})]


def _sm3(data: bytes) -> bytes:
    return hashlib.new("sm3", data).digest()


# --- reading a package ----------------------------------------------------------------------------

class _Refused(Exception):
    """An uploaded package that cannot be checked further; carries the reason code."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# What zipfile raises on damage, beyond BadZipFile: an unknown version or method, a bad CRC or
# deflate stream, a truncated member, an encrypted one (RuntimeError), a name it cannot decode.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError, OSError,
               LookupError)


def _read_package(data: bytes) -> dict[str, bytes]:
    """Every file of the ZIP by name, within the size caps."""
    # zipfile reads the whole central directory before anyone can count it: count its headers first.
    if len(data) > MAX_TOTAL_BYTES or data.count(b"PK\x01\x02") > MAX_ENTRIES:
        raise _Refused(REASON_TOO_LARGE)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS:
        # A ZIP's local header or end record present but unreadable is damage; anything else is not a ZIP.
        raise _Refused(REASON_DAMAGED if data[:4] == b"PK\x03\x04" or b"PK\x05\x06" in data[-65557:]
                       else REASON_NOT_OFD) from None
    infos = [i for i in archive.infolist() if not i.filename.endswith("/")]
    if any(not i.filename for i in infos):
        raise _Refused(REASON_DAMAGED)
    if len(infos) > MAX_ENTRIES or sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
        raise _Refused(REASON_TOO_LARGE)
    files: dict[str, bytes] = {}
    budget = MAX_TOTAL_BYTES
    for info in infos:
        if info.filename in files:
            raise _Refused(REASON_DAMAGED)
        try:
            with archive.open(info) as member:
                content = member.read(budget + 1)  # the declared size may lie: the read is bounded anyway
        except _ZIP_ERRORS:
            raise _Refused(REASON_DAMAGED) from None
        budget -= len(content)
        if budget < 0:
            raise _Refused(REASON_TOO_LARGE)
        files[info.filename] = content
    return files


def read_package(data: bytes) -> dict[str, bytes]:
    """Every part of a ZIP package by name, within the caps on entries and size (the one package
    reader of certificates.ofd). ``ValueError`` whose text is the reason code otherwise."""
    try:
        return _read_package(data)
    except _Refused as refused:
        raise ValueError(refused.reason) from None


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _xml(content: bytes | None) -> etree._Element:
    if content is None:
        raise _Refused(REASON_BAD_SIGNATURE)
    try:
        return etree.fromstring(content, parser=_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        raise _Refused(REASON_DAMAGED) from None


def _resolve(base_dir: str, location: str) -> str:
    """A package path from an OFD location: absolute from the package root when it starts with /,
    else relative to the part that names it. Nothing outside the package."""
    location = (location or "").strip()
    path = posixpath.normpath(location.lstrip("/") if location.startswith("/")
                              else posixpath.join(base_dir, location))
    if not location or path.startswith("..") or path in (".", ""):
        raise _Refused(REASON_BAD_SIGNATURE)
    return path


def _doc_body(ofd: etree._Element) -> etree._Element:
    body = ofd.find(_q("DocBody"))
    if ofd.tag != _q("OFD") or body is None:
        raise _Refused(REASON_NOT_OFD)
    return body


def _custom_datas(body: etree._Element) -> tuple[str, int]:
    values = {item.get("Name"): (item.text or "").strip()
              for item in body.iterfind(f"{_q('DocInfo')}/{_q('CustomDatas')}/{_q('CustomData')}")}
    try:
        version = int(values.get(CUSTOM_VERSION) or 0)
    except ValueError:
        version = 0
    return values.get(CUSTOM_NUMBER, ""), version


# --- signing -------------------------------------------------------------------------------------

def _serialized(root: etree._Element) -> bytes:
    # lxml's own declaration uses single quotes; every OFD writer and reader seen uses double ones.
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8", xml_declaration=False)


def _fmt(number: float) -> str:
    return f"{number:.3f}".rstrip("0").rstrip(".")


def _signature_xml(*, references: dict[str, bytes], signed_at: datetime.datetime, page_id: str,
                   boundary: tuple[float, float, float, float], seal_path: str, signed_value_path: str) -> bytes:
    root = etree.Element(_q("Signature"), nsmap={"ofd": OFD_NS})
    info = etree.SubElement(root, _q("SignedInfo"))
    etree.SubElement(info, _q("Provider"), ProviderName=PROVIDER, Company=PROVIDER, Version="1.0")
    etree.SubElement(info, _q("SignatureMethod")).text = sm2.SM2_WITH_SM3
    etree.SubElement(info, _q("SignatureDateTime")).text = signed_at.strftime("%Y%m%d%H%M%SZ")
    refs = etree.SubElement(info, _q("References"), CheckMethod=sm2.SM3)
    for path, content in references.items():
        ref = etree.SubElement(refs, _q("Reference"), FileRef=f"/{path}")
        etree.SubElement(ref, _q("CheckValue")).text = base64.b64encode(_sm3(content)).decode()
    etree.SubElement(info, _q("StampAnnot"), ID="1", PageRef=str(page_id), Boundary=" ".join(map(_fmt, boundary)))
    seal = etree.SubElement(info, _q("Seal"))
    etree.SubElement(seal, _q("BaseLoc")).text = f"/{seal_path}"
    etree.SubElement(root, _q("SignedValue")).text = f"/{signed_value_path}"
    return _serialized(root)


def _signatures_xml(signature_path: str) -> bytes:
    root = etree.Element(_q("Signatures"), nsmap={"ofd": OFD_NS})
    etree.SubElement(root, _q("MaxSignId")).text = "1"
    etree.SubElement(root, _q("Signature"), ID="1", Type="Seal", BaseLoc=f"/{signature_path}")
    return _serialized(root)


def _with_signatures_entry(ofd_xml: bytes, signatures_path: str) -> bytes:
    """OFD.xml with DocBody naming the signature list (after DocRoot and Versions: the schema's order)."""
    root = etree.fromstring(ofd_xml, parser=_PARSER)
    body = _doc_body(root)
    if body.find(_q("Signatures")) is not None:
        raise ValueError("the OFD package is already signed")
    entry = etree.Element(_q("Signatures"))
    entry.text = signatures_path
    anchor = body.find(_q("Versions"))
    anchor = anchor if anchor is not None else body.find(_q("DocRoot"))
    anchor.addnext(entry)
    return _serialized(root)


def _signed_value(*, seal_der: bytes, signed_at: datetime.datetime, signature_xml: bytes, signature_path: str) -> bytes:
    tbs = _TbsSign({"version": SIGNATURE_VERSION, "eseal": core.Any.load(seal_der),
                    "time_info": signed_at, "data_hash": _sm3(signature_xml), "property_info": f"/{signature_path}"})
    return _SesSignature({"to_sign": tbs, "cert": sm2.issuing_certificate_der(),
                          "signature_alg_id": sm2.SM2_WITH_SM3, "signature": sm2.sign(tbs.dump())}).dump()


def ofd_sign(package: bytes, *, seal_der: bytes, page_id: str, boundary: tuple[float, float, float, float],
             signed_at: datetime.datetime) -> bytes:
    """``package`` (an unsigned OFD) sealed with ``seal_der`` by the platform's SM2 key, the stamp
    shown on page ``page_id`` at ``boundary`` (x, y, width, height in mm). Raises ``SealInvalid`` for
    a seal that does not parse, ``ValueError`` for a package that is not an unsigned OFD or a seal that
    does not name the platform's certificate among its signers."""
    seal = seals.seal_parse(seal_der)
    certificate = sm2.issuing_certificate_der()
    if certificate not in seal.signer_certs and _sm3(certificate) not in seal.signer_cert_digests:
        raise ValueError("the seal does not list the platform's SM2 certificate among its signers")
    try:
        files = _read_package(package)
        doc_root = _resolve("", _doc_body(_xml(files.get("OFD.xml"))).findtext(_q("DocRoot")) or "")
    except _Refused as refused:
        raise ValueError(f"not an OFD package ({refused.reason})") from None
    signed_at = signed_at.astimezone(datetime.UTC).replace(microsecond=0)
    signs_dir = posixpath.join(posixpath.dirname(doc_root), "Signs")
    sign_dir = posixpath.join(signs_dir, "Sign_0")
    signatures_path = posixpath.join(signs_dir, "Signatures.xml")
    paths = {name: posixpath.join(sign_dir, name) for name in (SEAL_FILE, SIGNATURE_FILE, SIGNED_VALUE_FILE)}
    files["OFD.xml"] = _with_signatures_entry(files["OFD.xml"], signatures_path)
    files[paths[SEAL_FILE]] = seal_der
    signature_xml = _signature_xml(references=dict(files), signed_at=signed_at, page_id=page_id, boundary=boundary,
                                   seal_path=paths[SEAL_FILE], signed_value_path=paths[SIGNED_VALUE_FILE])
    files[paths[SIGNATURE_FILE]] = signature_xml
    files[paths[SIGNED_VALUE_FILE]] = _signed_value(seal_der=seal_der, signed_at=signed_at,
                                                    signature_xml=signature_xml,
                                                    signature_path=paths[SIGNATURE_FILE])
    files[signatures_path] = _signatures_xml(paths[SIGNATURE_FILE])
    return _zip(files)


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


# --- checking -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OfdCheck:
    """What an uploaded OFD's electronic signature says (like ``signing.SignatureCheck`` for PDFs)."""

    is_ofd: bool  # a readable ZIP with an OFD.xml
    signed: bool  # carries an electronic signature at all
    by_issuer: bool  # signed, and the seal made, by the platform's SM2 key
    intact: bool  # the signature is valid and every file matches it
    seal_ok: bool  # the seal parses, its maker's signature holds, it names the signer and was valid then
    number: str  # the certificate number the document carries (OFD.xml CustomDatas)
    version: int
    reason: str  # REASON_*: the first thing found wrong, or "ok"

    @property
    def genuine(self) -> bool:
        return self.is_ofd and self.signed and self.by_issuer and self.intact and self.seal_ok


@dataclass
class _Found:
    """What the check has established so far."""

    is_ofd: bool = False
    signed: bool = False
    by_issuer: bool = False
    intact: bool = False
    seal_ok: bool = False
    number: str = ""
    version: int = 0

    def result(self, reason: str) -> OfdCheck:
        return OfdCheck(reason=reason, **self.__dict__)


def ofd_check(data: bytes) -> OfdCheck:
    """Validate an uploaded OFD's electronic signature against the platform's SM2 key. Never raises
    for bad input: the reason code says what is wrong."""
    found = _Found()
    try:
        _check(data, found)
    except _Refused as refused:
        return found.result(refused.reason)
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, etree.LxmlError):
        # Parts that parse but hold what no signer writes (a time without a zone, an element where
        # text belongs): the signature cannot be read, whatever the detail.
        return found.result(REASON_BAD_SIGNATURE if found.signed else REASON_DAMAGED)
    return found.result(REASON_OK)


def _check(data: bytes, found: _Found) -> None:
    files = _read_package(data)
    if "OFD.xml" not in files:
        raise _Refused(REASON_NOT_OFD)
    body = _doc_body(_xml(files["OFD.xml"]))
    found.is_ofd = True
    found.number, found.version = _custom_datas(body)
    location = body.findtext(_q("Signatures"))
    if not location:
        raise _Refused(REASON_UNSIGNED)
    found.signed = True
    signatures_path = _resolve("", location)
    signature_path, signed_info = _signature_part(files, signatures_path)
    signed_value_path = _resolve(posixpath.dirname(signature_path), signed_info.getparent().findtext(_q("SignedValue")))
    signature = _parse_signed_value(files.get(signed_value_path))
    tbs = signature["to_sign"]
    signer_cert = signature["cert"].native
    if (signature["signature_alg_id"].dotted != sm2.SM2_WITH_SM3
            or not sm2.verify(signer_cert, tbs.dump(), signature["signature"].native)):
        raise _Refused(REASON_SIGNATURE_MISMATCH)
    seal = _check_seal(tbs, signer_cert, found)
    found.by_issuer = _is_platform(signer_cert) and _is_platform(seal.maker_cert)
    _check_signed_data(tbs, files, signature_path)
    _check_references(signed_info, files, exclude={signatures_path, signature_path, signed_value_path})
    found.intact = True
    if not found.by_issuer:
        raise _Refused(REASON_OTHER_KEY)


def _signature_part(files: dict[str, bytes], signatures_path: str) -> tuple[str, etree._Element]:
    """The first signature's Signature.xml path and its SignedInfo."""
    listing = _xml(files.get(signatures_path))
    entry = listing.find(_q("Signature"))
    if listing.tag != _q("Signatures") or entry is None:
        raise _Refused(REASON_BAD_SIGNATURE)
    signature_path = _resolve(posixpath.dirname(signatures_path), entry.get("BaseLoc", ""))
    root = _xml(files.get(signature_path))
    signed_info = root.find(_q("SignedInfo"))
    if root.tag != _q("Signature") or signed_info is None:
        raise _Refused(REASON_BAD_SIGNATURE)
    return signature_path, signed_info


def _parse_signed_value(content: bytes | None) -> _SesSignature:
    if not content:
        raise _Refused(REASON_BAD_SIGNATURE)
    try:
        signature = _SesSignature.load(content, strict=True)
        signature.native  # noqa: B018  (parses every field but the seal now, so damage shows here)
    except (ValueError, TypeError, KeyError, OverflowError):
        raise _Refused(REASON_BAD_SIGNATURE) from None
    if signature["to_sign"]["version"].native != SIGNATURE_VERSION:
        raise _Refused(REASON_BAD_SIGNATURE)
    return signature


def _check_seal(tbs: _TbsSign, signer_cert: bytes, found: _Found) -> seals.SealInfo:
    try:
        seal = seals.seal_parse(tbs["eseal"].dump())
    except AppError:
        raise _Refused(REASON_BAD_SEAL) from None
    covers_signer = signer_cert in seal.signer_certs or _sm3(signer_cert) in seal.signer_cert_digests
    if not covers_signer or not seal.valid_at(tbs["time_info"].native):
        raise _Refused(REASON_BAD_SEAL)
    found.seal_ok = True
    return seal


def _is_platform(certificate: bytes) -> bool:
    try:
        return certificate == sm2.issuing_certificate_der()
    except AppError:  # production without an SM2 key: nothing can be the platform's
        return False


def _check_signed_data(tbs: _TbsSign, files: dict[str, bytes], signature_path: str) -> None:
    """TBS_Sign names this Signature.xml and carries its SM3: a changed Signature.xml shows here."""
    if (tbs["property_info"].native.lstrip("/") != signature_path
            or tbs["data_hash"].native != _sm3(files[signature_path])):
        raise _Refused(REASON_SIGNATURE_MISMATCH)


def _check_references(signed_info: etree._Element, files: dict[str, bytes], *, exclude: set[str]) -> None:
    """Every file but the signature's own parts is referenced, and each matches its SM3."""
    references = signed_info.find(_q("References"))
    if references is None or references.get("CheckMethod", sm2.SM3) not in (sm2.SM3, "SM3"):
        raise _Refused(REASON_BAD_SIGNATURE)
    covered = set()
    for reference in references.iterfind(_q("Reference")):
        path = _resolve("", reference.get("FileRef", ""))
        expected = (reference.findtext(_q("CheckValue")) or "").strip()
        if path not in files or base64.b64encode(_sm3(files[path])).decode() != expected:
            raise _Refused(REASON_DIGEST_MISMATCH)
        covered.add(path)
    if set(files) - exclude - covered:
        raise _Refused(REASON_DIGEST_MISMATCH)  # a file added after signing
