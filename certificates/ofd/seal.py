"""The org's electronic seal as a GB/T 38540-2020 (version 4) ``SES_Seal``, made and signed by the
platform (the seal maker, 制章者) with its SM2 issuing key.

Structure (GB/T 38540-2020 §6.2; field order as ofdrw and the OpenSSL-based verifiers read it)::

    SES_Seal ::= SEQUENCE { eSealInfo SES_SealInfo, cert OCTET STRING (the maker's certificate),
                            signAlgID OBJECT IDENTIFIER, signedValue BIT STRING }
    SES_SealInfo ::= SEQUENCE { header SES_Header, esID IA5String, property SES_ESPropertyInfo,
                                picture SES_ESPictrueInfo, extDatas ExtensionDatas OPTIONAL }
    SES_Header ::= SEQUENCE { ID IA5String ("ES"), version INTEGER (4), Vid IA5String }
    SES_ESPropertyInfo ::= SEQUENCE { type INTEGER, name UTF8String, certListType INTEGER,
                                      certList SES_CertList, createDate GeneralizedTime,
                                      validStart GeneralizedTime, validEnd GeneralizedTime }
    SES_CertList ::= CHOICE { certs SEQUENCE OF OCTET STRING (certListType 1),
                              certDigestList SEQUENCE OF CertDigestObj (certListType 2) }
    SES_ESPictrueInfo ::= SEQUENCE { type IA5String, data OCTET STRING, width INTEGER, height INTEGER }

The maker's signature covers the DER of ``eSealInfo`` (as ofdrw and the GM/T 0031 verifiers compute
it), SM2 with SM3 and the default distinguishing ID.
"""

import datetime
from dataclasses import dataclass

from asn1crypto import core
from django.utils.translation import gettext as _

from certificates.ofd import sm2
from core.errors import AppError

SEAL_VERSION = 4
SEAL_TYPE_ORG = 1  # 单位印章
CERT_LIST_CERTS = 1  # certList holds the signers' certificates
CERT_LIST_DIGESTS = 2  # certList holds digests of them
VENDOR_ID = "1X-PILOT-PORTAL"  # Vid: tells readers which software made the seal (IA5, so ASCII)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SEAL_MAX_BYTES = 4 * 1024 * 1024


class _Header(core.Sequence):
    _fields = [("id", core.IA5String), ("version", core.Integer), ("vid", core.IA5String)]


class _Certs(core.SequenceOf):
    _child_spec = core.OctetString


class _CertDigest(core.Sequence):
    _fields = [("type", core.PrintableString), ("value", core.OctetString)]


class _CertDigests(core.SequenceOf):
    _child_spec = _CertDigest


class _PropertyInfo(core.Sequence):
    # certList is a CHOICE told apart by certListType, not by a tag: read as Any, then by the type.
    _fields = [("type", core.Integer), ("name", core.UTF8String), ("cert_list_type", core.Integer),
               ("cert_list", core.Any), ("create_date", core.GeneralizedTime),
               ("valid_start", core.GeneralizedTime), ("valid_end", core.GeneralizedTime)]


class _PictureInfo(core.Sequence):
    _fields = [("type", core.IA5String), ("data", core.OctetString), ("width", core.Integer),
               ("height", core.Integer)]


class _ExtensionData(core.Sequence):
    _fields = [("extn_id", core.ObjectIdentifier), ("critical", core.Boolean, {"default": False}),
               ("extn_value", core.OctetString)]


class _ExtensionDatas(core.SequenceOf):
    _child_spec = _ExtensionData


class SealInfoAsn1(core.Sequence):
    _fields = [("header", _Header), ("es_id", core.IA5String), ("property", _PropertyInfo),
               ("picture", _PictureInfo), ("ext_datas", _ExtensionDatas, {"optional": True})]


class SesSeal(core.Sequence):
    _fields = [("e_seal_info", SealInfoAsn1), ("cert", core.OctetString), ("sign_alg_id", core.ObjectIdentifier),
               ("signed_value", core.OctetBitString)]


class SealInvalid(AppError):
    """A seal that does not parse as a GB/T 38540 v4 seal, or whose maker's signature fails."""

    def __init__(self, message=None, *, code: str = "seal_unparsable"):
        super().__init__(message or _("电子印章结构无法解析，不是有效的 GB/T 38540 电子印章。"), code=code)


@dataclass(frozen=True)
class SealInfo:
    """What a parsed seal says; ``der`` is the seal itself."""

    es_id: str
    vendor_id: str
    seal_type: int
    name: str
    signer_certs: tuple[bytes, ...]  # DER certificates allowed to sign with the seal (certListType 1)
    signer_cert_digests: tuple[bytes, ...]  # or their digests (certListType 2)
    created: datetime.datetime
    valid_start: datetime.datetime
    valid_end: datetime.datetime
    picture_type: str
    picture: bytes
    width_mm: int
    height_mm: int
    maker_cert: bytes  # DER certificate of the seal maker, whose signature was checked
    der: bytes

    def valid_at(self, moment: datetime.datetime) -> bool:
        return self.valid_start <= moment <= self.valid_end


def _utc(moment: datetime.datetime | datetime.date) -> datetime.datetime:
    """DER GeneralizedTime: UTC, whole seconds (a date is its midnight in UTC)."""
    if not isinstance(moment, datetime.datetime):
        moment = datetime.datetime.combine(moment, datetime.time(), tzinfo=datetime.UTC)
    if moment.tzinfo is None:
        raise ValueError("seal times must be timezone-aware")
    return moment.astimezone(datetime.UTC).replace(microsecond=0)


def seal_build(*, org_name: str, seal_png: bytes, seal_id: str, valid_start: datetime.datetime | datetime.date,
               valid_end: datetime.datetime | datetime.date, width_mm: int, height_mm: int) -> bytes:
    """The org's seal (DER ``SES_Seal``) binding its name, its seal image and the platform's SM2
    certificate (maker and only signer), signed by the platform's SM2 key."""
    if not seal_png.startswith(PNG_MAGIC):
        raise ValueError("the seal picture must be a PNG")
    if not seal_id.isascii() or not seal_id:
        raise ValueError("the seal id must be non-empty ASCII (IA5String)")
    certificate = sm2.issuing_certificate_der()
    info = SealInfoAsn1({
        "header": {"id": "ES", "version": SEAL_VERSION, "vid": VENDOR_ID},
        "es_id": seal_id,
        "property": {"type": SEAL_TYPE_ORG, "name": org_name, "cert_list_type": CERT_LIST_CERTS,
                     "cert_list": _Certs([certificate]), "create_date": _utc(datetime.datetime.now(datetime.UTC)),
                     "valid_start": _utc(valid_start), "valid_end": _utc(valid_end)},
        "picture": {"type": "PNG", "data": seal_png, "width": round(width_mm), "height": round(height_mm)},
    })
    info_der = info.dump()
    return SesSeal({"e_seal_info": info, "cert": certificate, "sign_alg_id": sm2.SM2_WITH_SM3,
                    "signed_value": sm2.sign(info_der)}).dump()


def seal_parse(der: bytes) -> SealInfo:
    """The seal's contents after checking its structure and its maker's signature; ``SealInvalid``
    (with a Chinese message) for anything else."""
    if not der or len(der) > SEAL_MAX_BYTES:
        raise SealInvalid()
    try:
        seal = SesSeal.load(der, strict=True)
        info = _read_info(seal)
        maker_cert = seal["cert"].native
        algorithm = seal["sign_alg_id"].dotted
        signature = seal["signed_value"].native
        info_der = seal["e_seal_info"].dump()
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
        raise SealInvalid() from None
    if algorithm != sm2.SM2_WITH_SM3 or not sm2.verify(maker_cert, info_der, signature):
        raise SealInvalid(_("电子印章的制章签名无效：印章被改动，或不是由其声明的制章者制作。"),
                          code="seal_signature")
    return SealInfo(maker_cert=maker_cert, der=der, **info)


def _read_info(seal: SesSeal) -> dict:
    info = seal["e_seal_info"]
    header, prop, picture = info["header"], info["property"], info["picture"]
    if header["id"].native != "ES" or header["version"].native != SEAL_VERSION:
        raise ValueError("not a version 4 seal")
    list_type = prop["cert_list_type"].native
    certs, digests = (), ()
    if list_type == CERT_LIST_CERTS:
        certs = tuple(_Certs.load(prop["cert_list"].dump(), strict=True).native)
    elif list_type == CERT_LIST_DIGESTS:
        digests = tuple(d["value"].native for d in _CertDigests.load(prop["cert_list"].dump(), strict=True))
    else:
        raise ValueError("unknown certListType")
    info.native  # noqa: B018  (parses every field now, so damage shows here and not later)
    return {"es_id": info["es_id"].native, "vendor_id": header["vid"].native, "seal_type": prop["type"].native,
            "name": prop["name"].native, "signer_certs": certs, "signer_cert_digests": digests,
            "created": prop["create_date"].native, "valid_start": prop["valid_start"].native,
            "valid_end": prop["valid_end"].native, "picture_type": picture["type"].native,
            "picture": picture["data"].native, "width_mm": picture["width"].native,
            "height_mm": picture["height"].native}
