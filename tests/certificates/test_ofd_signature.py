"""The OFD electronic signature (GB/T 33190 §18, GB/T 38540 v4, SM2/SM3): a round trip, OpenSSL's
independent verdict on our SM2 signatures, and every kind of bad upload told apart."""

import datetime
import io
import shutil
import subprocess
import zipfile

import pytest
from asn1crypto import core, pem, x509
from django.core.exceptions import ImproperlyConfigured
from PIL import Image

from certificates.ofd import seal as seals
from certificates.ofd import signature, sm2
from core.errors import AppError

NOW = datetime.datetime(2026, 12, 7, 8, 30, tzinfo=datetime.UTC)
NUMBER = "X000142000122261000001"
OFD_NS = signature.OFD_NS


def minimal_ofd(*, number: str = NUMBER, version: int = 1) -> bytes:
    """An unsigned OFD package: OFD.xml, Document.xml, one page with one line of text."""
    ofd_xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.0" DocType="OFD">
  <ofd:DocBody>
    <ofd:DocInfo>
      <ofd:DocID>0c3f8b1e2d4a4b6c8e0f1a2b3c4d5e6f</ofd:DocID>
      <ofd:Title>职业技能等级证书</ofd:Title>
      <ofd:CustomDatas>
        <ofd:CustomData Name="{signature.CUSTOM_NUMBER}">{number}</ofd:CustomData>
        <ofd:CustomData Name="{signature.CUSTOM_VERSION}">{version}</ofd:CustomData>
      </ofd:CustomDatas>
    </ofd:DocInfo>
    <ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>
  </ofd:DocBody>
</ofd:OFD>"""
    document = f"""<?xml version="1.0" encoding="UTF-8"?>
<ofd:Document xmlns:ofd="{OFD_NS}">
  <ofd:CommonData><ofd:MaxUnitID>3</ofd:MaxUnitID>
    <ofd:PageArea><ofd:PhysicalBox>0 0 297 210</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData>
  <ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages>
</ofd:Document>"""
    page = f"""<?xml version="1.0" encoding="UTF-8"?>
<ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Content><ofd:Layer ID="2">
  <ofd:TextObject ID="3" Boundary="20 20 200 10" Font="4" Size="5"><ofd:TextCode X="0" Y="5">{number}</ofd:TextCode>
  </ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>"""
    return _zip({"OFD.xml": ofd_xml.encode(), "Doc_0/Document.xml": document.encode(),
                 "Doc_0/Pages/Page_0/Content.xml": page.encode()})


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def _files(package: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _seal_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (120, 120), (200, 20, 20, 255)).save(out, "PNG")
    return out.getvalue()


def _make_seal(**overrides) -> bytes:
    arguments = {"org_name": "示例职业技能等级评价组织", "seal_png": _seal_png(), "seal_id": "ORG-0001-V1",
                 "valid_start": NOW - datetime.timedelta(days=30), "valid_end": NOW + datetime.timedelta(days=365),
                 "width_mm": 40, "height_mm": 40}
    return seals.seal_build(**{**arguments, **overrides})


def _sign(package: bytes, seal_der: bytes) -> bytes:
    return signature.ofd_sign(package, seal_der=seal_der, page_id="1", boundary=(200.0, 140.5, 40.0, 40.0),
                              signed_at=NOW)


@pytest.fixture(scope="module")
def seal_der() -> bytes:
    return _make_seal()


@pytest.fixture(scope="module")
def signed(seal_der) -> bytes:
    return _sign(minimal_ofd(), seal_der)


SIGN_DIR = "Doc_0/Signs/Sign_0"


# --- round trip -----------------------------------------------------------------------------------

def test_a_signed_ofd_is_genuine_and_carries_its_number(signed):
    check = signature.ofd_check(signed)
    assert check == signature.OfdCheck(is_ofd=True, signed=True, by_issuer=True, intact=True, seal_ok=True,
                                       number=NUMBER, version=1, reason="ok")
    assert check.genuine


def test_the_package_has_the_standard_signature_parts(signed):
    files = _files(signed)
    assert {"Doc_0/Signs/Signatures.xml", f"{SIGN_DIR}/Signature.xml", f"{SIGN_DIR}/Seal.esl",
            f"{SIGN_DIR}/SignedValue.dat"} <= set(files)
    assert b"<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures>" in files["OFD.xml"]
    signature_xml = files[f"{SIGN_DIR}/Signature.xml"].decode()
    for expected in ("<ofd:SignatureMethod>1.2.156.10197.1.501</ofd:SignatureMethod>",
                     '<ofd:References CheckMethod="1.2.156.10197.1.401">',
                     '<ofd:StampAnnot ID="1" PageRef="1" Boundary="200 140.5 40 40"/>',
                     "<ofd:BaseLoc>/Doc_0/Signs/Sign_0/Seal.esl</ofd:BaseLoc>",
                     "<ofd:SignatureDateTime>20261207083000Z</ofd:SignatureDateTime>"):
        assert expected in signature_xml
    referenced = {f"/{name}" for name in files} - {"/Doc_0/Signs/Signatures.xml", f"/{SIGN_DIR}/Signature.xml",
                                                  f"/{SIGN_DIR}/SignedValue.dat"}
    for name in referenced:
        assert f'FileRef="{name}"' in signature_xml


def test_the_seal_parses_with_its_fields(seal_der):
    info = seals.seal_parse(seal_der)
    assert (info.name, info.es_id, info.seal_type, info.vendor_id) == ("示例职业技能等级评价组织", "ORG-0001-V1", 1,
                                                                      seals.VENDOR_ID)
    assert info.signer_certs == (sm2.issuing_certificate_der(),) and info.maker_cert == sm2.issuing_certificate_der()
    assert (info.picture_type, info.picture, info.width_mm, info.height_mm) == ("PNG", _seal_png(), 40, 40)
    assert info.valid_start == NOW - datetime.timedelta(days=30) and info.valid_at(NOW)
    raw = seals.SesSeal.load(seal_der)
    assert raw["e_seal_info"]["header"].native == {"id": "ES", "version": 4, "vid": seals.VENDOR_ID}
    assert raw["sign_alg_id"].dotted == "1.2.156.10197.1.501"


# --- OpenSSL's independent verdict ----------------------------------------------------------------

def _openssl_verify(tmp_path, certificate_der: bytes, data: bytes, sig: bytes, *, distid: bool = True) -> bool:
    # Not skipped where the command is missing: the independent check must run (scripts/system-deps installs it).
    assert shutil.which("openssl"), "the openssl command is missing: run scripts/system-deps"
    spki = x509.Certificate.load(certificate_der).public_key.dump()
    (tmp_path / "pub.pem").write_bytes(pem.armor("PUBLIC KEY", spki))
    (tmp_path / "data").write_bytes(data)
    (tmp_path / "sig").write_bytes(sig)
    command = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "data",
               "-sigfile", "sig", "-digest", "sm3"]
    if distid:  # OpenSSL 3.0 defaults to an empty ID; GB/T 35276 and our signer use the GM/T 0009 default
        command += ["-pkeyopt", f"distid:{sm2.DISTINGUISHING_ID.decode()}"]
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    return run.returncode == 0 and "Signature Verified Successfully" in run.stdout


def test_openssl_verifies_a_raw_sm2_signature(tmp_path):
    data = "职业技能等级证书 X000142000122261000001".encode()
    sig = sm2.sign(data)
    assert core.Sequence.load(sig).native  # DER SEQUENCE { r, s }
    assert _openssl_verify(tmp_path, sm2.issuing_certificate_der(), data, sig)
    assert not _openssl_verify(tmp_path, sm2.issuing_certificate_der(), data + b"x", sig)
    # Documents why the distinguishing ID is passed: OpenSSL's own default (empty ID) does not match.
    assert not _openssl_verify(tmp_path, sm2.issuing_certificate_der(), data, sig, distid=False)


def test_openssl_verifies_signed_value_dat_over_tbs_sign(tmp_path, signed):
    ses_signature = core.Sequence.load(_files(signed)[f"{SIGN_DIR}/SignedValue.dat"])
    tbs_sign, cert, algorithm, value = (ses_signature[i] for i in range(4))
    assert core.ObjectIdentifier.load(algorithm.dump()).dotted == "1.2.156.10197.1.501"
    cert_der = core.OctetString.load(cert.dump()).native
    assert cert_der == sm2.issuing_certificate_der()
    sig = core.OctetBitString.load(value.dump()).native
    assert _openssl_verify(tmp_path, cert_der, tbs_sign.dump(), sig)


def test_openssl_verifies_the_seal_makers_signature(tmp_path, seal_der):
    raw = seals.SesSeal.load(seal_der)
    assert _openssl_verify(tmp_path, raw["cert"].native, raw["e_seal_info"].dump(), raw["signed_value"].native)


def test_openssl_accepts_the_development_certificate(tmp_path):
    assert shutil.which("openssl"), "the openssl command is missing: run scripts/system-deps"
    (tmp_path / "cert.pem").write_bytes(pem.armor("CERTIFICATE", sm2.issuing_certificate_der()))
    run = subprocess.run(["openssl", "verify", "-CAfile", "cert.pem", "cert.pem"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr


# --- bad uploads ----------------------------------------------------------------------------------

def _reason(data: bytes) -> str:
    return signature.ofd_check(data).reason


@pytest.mark.parametrize("data", [b"", b"%PDF-1.7 not an ofd", "证书".encode() * 100])
def test_what_is_not_a_zip_is_not_ofd(data):
    check = signature.ofd_check(data)
    assert (check.is_ofd, check.signed, check.reason) == (False, False, "not_ofd")


def test_a_zip_without_ofd_xml_is_not_ofd():
    assert _reason(_zip({"word/document.xml": b"<w/>"})) == "not_ofd"
    assert _reason(_zip({"OFD.xml": b"<html/>"})) == "not_ofd"


def test_a_damaged_zip_is_told_apart(signed):
    assert _reason(signed[: len(signed) // 2]) == "damaged"
    # A changed byte inside a compressed part: the ZIP's own CRC catches it.
    files = zipfile.ZipFile(io.BytesIO(signed))
    info = files.getinfo("Doc_0/Document.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 2
    damaged = bytearray(signed)
    damaged[start] ^= 0xFF
    assert _reason(bytes(damaged)) == "damaged"


def test_an_unsigned_ofd_reads_its_number():
    check = signature.ofd_check(minimal_ofd(number="X9", version=3))
    assert (check.is_ofd, check.signed, check.intact, check.number, check.version, check.reason) == (
        True, False, False, "X9", 3, "unsigned")


def test_one_changed_byte_in_any_content_file_is_detected(signed):
    files = _files(signed)
    own = {"Doc_0/Signs/Signatures.xml", f"{SIGN_DIR}/Signature.xml", f"{SIGN_DIR}/SignedValue.dat"}
    for name in set(files) - own - {"OFD.xml"}:
        content = bytearray(files[name])
        content[len(content) // 2] ^= 0x01
        check = signature.ofd_check(_zip({**files, name: bytes(content)}))
        assert (check.signed, check.intact, check.reason) == (True, False, "digest_mismatch"), name
    forged_number = files["OFD.xml"].replace(NUMBER.encode(), NUMBER[:-1].encode() + b"2")
    check = signature.ofd_check(_zip({**files, "OFD.xml": forged_number}))
    assert (check.number, check.intact, check.reason) == (NUMBER[:-1] + "2", False, "digest_mismatch")


def test_an_added_or_removed_file_is_detected(signed):
    files = _files(signed)
    assert _reason(_zip({**files, "Doc_0/Res/extra.png": _seal_png()})) == "digest_mismatch"
    assert _reason(_zip({k: v for k, v in files.items() if k != "Doc_0/Pages/Page_0/Content.xml"})) \
        == "digest_mismatch"


def test_a_changed_signature_xml_is_a_signature_mismatch(signed):
    files = _files(signed)
    name = f"{SIGN_DIR}/Signature.xml"
    moved = files[name].replace(b'Boundary="200 140.5 40 40"', b'Boundary="10 140.5 40 40"')
    assert moved != files[name]
    check = signature.ofd_check(_zip({**files, name: moved}))
    assert (check.signed, check.intact, check.reason) == (True, False, "signature_mismatch")


def _replace_tbs(files: dict[str, bytes], **fields) -> dict[str, bytes]:
    """SignedValue.dat with fields of TBS_Sign replaced and signed again by the platform key: the
    signature itself is sound, only what it says changes."""
    name = f"{SIGN_DIR}/SignedValue.dat"
    parsed = signature._SesSignature.load(files[name])
    tbs = signature._TbsSign.load(parsed["to_sign"].dump())
    for key, value in fields.items():
        tbs[key] = value
    rebuilt = signature._SesSignature({"to_sign": tbs, "cert": parsed["cert"].native,
                                       "signature_alg_id": sm2.SM2_WITH_SM3, "signature": sm2.sign(tbs.dump())})
    return {**files, name: rebuilt.dump()}


def test_a_seal_that_does_not_parse_is_told_apart(signed):
    junk = core.Any.load(b"\x30\x03\x02\x01\x04")  # a SEQUENCE { INTEGER 4 }: DER, but no seal
    check = signature.ofd_check(_zip(_replace_tbs(_files(signed), eseal=junk)))
    assert (check.signed, check.seal_ok, check.reason) == (True, False, "bad_seal")
    with pytest.raises(seals.SealInvalid) as refused:
        seals.seal_parse(b"\x30\x03\x02\x01\x04")
    assert "电子印章结构无法解析" in str(refused.value.message)


def test_a_seal_with_a_changed_field_fails_its_makers_signature(seal_der):
    forged = seal_der.replace("示例职业技能等级评价组织".encode(), "伪造职业技能等级评价组织".encode())
    with pytest.raises(seals.SealInvalid) as refused:
        seals.seal_parse(forged)
    assert refused.value.code == "seal_signature"


def test_a_seal_not_valid_at_signing_time_is_not_ok(signed):
    late = core.GeneralizedTime(NOW + datetime.timedelta(days=400))
    assert _reason(_zip(_replace_tbs(_files(signed), time_info=late))) == "bad_seal"


def test_a_damaged_signed_value_is_a_bad_signature(signed):
    files = _files(signed)
    assert _reason(_zip({**files, f"{SIGN_DIR}/SignedValue.dat": b"\x30\x82garbage"})) == "bad_signature"
    assert _reason(_zip({k: v for k, v in files.items() if not k.endswith("SignedValue.dat")})) == "bad_signature"


def test_a_changed_signature_value_is_a_signature_mismatch(signed):
    files = _files(signed)
    name = f"{SIGN_DIR}/SignedValue.dat"
    value = bytearray(files[name])
    value[-5] ^= 0x01  # inside s of the SM2 signature, the last field
    assert _reason(_zip({**files, name: bytes(value)})) in ("signature_mismatch", "bad_signature")


def test_random_damage_to_the_signature_parts_never_raises(signed):
    import random

    files = _files(signed)
    chance = random.Random(20)
    for name in ("Doc_0/Signs/Signatures.xml", f"{SIGN_DIR}/Signature.xml", f"{SIGN_DIR}/SignedValue.dat",
                 f"{SIGN_DIR}/Seal.esl", "OFD.xml"):
        for _ in range(40):
            content = bytearray(files[name])
            for _flip in range(chance.randint(1, 3)):
                content[chance.randrange(len(content))] = chance.randrange(256)
            check = signature.ofd_check(_zip({**files, name: bytes(content)}))
            # Signatures.xml is the one part no signature covers (a later signature rewrites it): a
            # change that still names the same Signature.xml leaves the document genuine.
            assert not check.genuine or bytes(content) == files[name] or name.endswith("Signatures.xml"), name


def _other_key(tmp_path):
    key_path, cert_path = tmp_path / "other-key.pem", tmp_path / "other-cert.pem"
    sm2._generate_dev_key(key_path, cert_path)
    return key_path, cert_path


def test_an_ofd_signed_by_another_sm2_key_is_not_the_issuers(settings, tmp_path):
    key_path, cert_path = _other_key(tmp_path)
    settings.ISSUING_SM2_KEY_PATH, settings.ISSUING_SM2_CERT_PATH = str(key_path), str(cert_path)
    foreign = _sign(minimal_ofd(), _make_seal())
    settings.ISSUING_SM2_KEY_PATH = settings.ISSUING_SM2_CERT_PATH = ""
    check = signature.ofd_check(foreign)
    assert (check.signed, check.intact, check.seal_ok, check.by_issuer, check.reason) == (
        True, True, True, False, "other_key")
    assert not check.genuine


def test_a_zip_bomb_is_refused(monkeypatch, signed):
    monkeypatch.setattr(signature, "MAX_TOTAL_BYTES", 64 * 1024)
    bomb = _zip({"OFD.xml": b"<a/>", "Doc_0/big.bin": b"\0" * (1024 * 1024)})
    assert len(bomb) < 64 * 1024 and _reason(bomb) == "too_large"
    monkeypatch.setattr(signature, "MAX_ENTRIES", 3)
    assert _reason(signed) == "too_large"


def test_read_package_gives_every_part_or_the_reason(signed):
    assert signature.read_package(signed) == _files(signed)
    with pytest.raises(ValueError, match="not_ofd"):
        signature.read_package(b"plain text")


def test_every_reason_has_a_message_in_both_languages():
    from django.utils import translation

    reasons = [v for k, v in vars(signature).items() if k.startswith("REASON_")]
    assert len(reasons) == 10
    for reason in reasons:
        with translation.override("zh-hans"):
            chinese = signature.reason_message(reason)
        with translation.override("en"):
            english = signature.reason_message(reason)
        assert any("\u4e00" <= c <= "\u9fff" for c in chinese) and english.isascii() and english != chinese, reason


# --- the key --------------------------------------------------------------------------------------

def test_production_refuses_to_sign_without_a_key(settings):
    settings.IS_PRODUCTION = True
    settings.ISSUING_SM2_KEY_PATH = settings.ISSUING_SM2_CERT_PATH = ""
    with pytest.raises(sm2.KeyMissing) as refused:
        sm2.sign(b"data")
    assert isinstance(refused.value, AppError) and "SM2 签章密钥" in str(refused.value.message)
    with pytest.raises(sm2.KeyMissing):
        _make_seal()


def test_production_checks_uploads_without_a_key(settings, signed):
    settings.IS_PRODUCTION = True
    settings.ISSUING_SM2_KEY_PATH = settings.ISSUING_SM2_CERT_PATH = ""
    check = signature.ofd_check(signed)
    assert (check.intact, check.by_issuer, check.reason) == (True, False, "other_key")


def test_a_configured_key_is_used(settings, tmp_path):
    key_path, cert_path = _other_key(tmp_path)
    settings.ISSUING_SM2_KEY_PATH, settings.ISSUING_SM2_CERT_PATH = str(key_path), str(cert_path)
    assert sm2.key_paths() == (key_path, cert_path)
    assert sm2.issuing_certificate_der() == pem.unarmor(cert_path.read_bytes())[2]


def test_a_certificate_of_another_key_is_refused(settings, tmp_path):
    key_path, _cert = _other_key(tmp_path)
    _key, cert_path = sm2._dev_key_paths()
    sm2.key_paths()  # the development pair exists
    settings.ISSUING_SM2_KEY_PATH, settings.ISSUING_SM2_CERT_PATH = str(key_path), str(cert_path)
    with pytest.raises(ImproperlyConfigured):
        sm2.issuing_certificate_der()


def test_sm2_verify_refuses_non_sm2_keys_and_junk():
    from certificates.issuance import signing

    data = b"data"
    assert sm2.verify(sm2.issuing_certificate_der(), data, sm2.sign(data))
    assert not sm2.verify(signing.issuing_certificate_der(), data, sm2.sign(data))  # an ECDSA P-256 certificate
    assert not sm2.verify(b"not a certificate", data, sm2.sign(data))
    assert not sm2.verify(sm2.issuing_certificate_der(), data, b"")
    assert not sm2.verify(sm2.issuing_certificate_der(), data, b"\x30\x02\x02\x00")
