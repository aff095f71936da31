"""Public verification of certificates: by number and name (or the last four ID characters), by the
QR token, or by uploading the signed PDF or the sealed OFD.

What it reveals: the masked name (张*三), certificate, level, org, issue date and status (valid,
revoked with the reason, superseded) — never the ID number. Each lookup that finds a certificate is
counted per certificate per day (certificates.credential), with nothing about who looked. A number alone reveals nothing; an
unknown number and a wrong name get the same answer, and every path runs the same queries and the
same comparisons (no sleeps), so timing tells nothing either. Lookups are rate-limited per client
address (``VERIFY_RATE_PER_MINUTE``), page and API together; with Redis down the limit is counted in
each web process (``accounts.ratelimit``), so verification keeps answering.
"""

import datetime
from dataclasses import dataclass, fields
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.personal_data import Field, Relation, render
from certificates import metrics
from certificates.catalog.models import Certificate, Level
from certificates.credential import services as credential_services
from certificates.credential.services import verification_counted
from certificates.issuance import signing
from certificates.issuance.models import CertificateVersion, IssuedCertificate
from certificates.ofd import signature as ofd_signature
from certificates.verification import memo
from core import normalize, ratelimit
from core.errors import AppError, Throttled
from core.uploads import check_document, check_size, read_head
from organizations.orgs.models import Org


@dataclass(frozen=True)
class Verdict:
    found: bool
    status: str = ""  # valid | revoked | superseded
    status_label: str = ""
    number: str = ""
    masked_name: str = ""
    certificate: str = ""
    level: str = ""
    org: str = ""
    issued_on: datetime.date | None = None
    version: int = 0
    revoked_reason: str = ""

    def as_dict(self) -> dict:
        data = {name: getattr(self, name) for name in _VERDICT_FIELDS}  # not asdict: no deep copies
        data["issued_on"] = self.issued_on.isoformat() if self.issued_on else None
        return data


_VERDICT_FIELDS = [f.name for f in fields(Verdict)]
NOT_FOUND = Verdict(found=False)
PUBLIC = frozenset({Relation.PUBLIC})


def public_name(name: str) -> str:
    """The holder's name as public pages show it (accounts.personal_data: masked, 张*三)."""
    return render(Field.NAME, PUBLIC, name) or ""
STATUS_LABELS = {"valid": gettext_lazy("有效"), "revoked": gettext_lazy("已撤销"),
                 "superseded": gettext_lazy("已被新版本取代")}


def _rate_key(client: str) -> str:
    return f"verify-rate:{client or 'unknown'}"


def _throttle(client: str, *, channel: str) -> None:
    _refuse_over_limit(ratelimit.hit(_rate_key(client), window=60), channel=channel)  # one round trip on Redis


def _refuse_over_limit(count: ratelimit.Count, *, channel: str) -> None:
    if count.hits > settings.VERIFY_RATE_PER_MINUTE:
        metrics.verification_refused(channel=channel, reason="rate_limited")
        raise Throttled(_("查验过于频繁，请 %(s)d 秒后再试。") % {"s": count.retry_after}, retry_after=count.retry_after)


def _normalize_number(number: str) -> str:
    return normalize.code(number)[:32]


def _verdict(issued: IssuedCertificate, version: CertificateVersion | None) -> Verdict:
    if version is not None:
        status, name, issued_on, number_version, reason = "superseded", version.holder_name, version.issued_on, \
            version.version, ""
    else:
        status, name, issued_on, number_version = issued.status, issued.holder_name, issued.issued_on, issued.version
        reason = issued.revoked_reason
    return Verdict(found=True, status=status, status_label=str(STATUS_LABELS[status]), number=issued.number,
                   masked_name=public_name(name), certificate=issued.certificate.name,
                   level=str(Level(issued.level).label), org=issued.org.name, issued_on=issued_on,
                   version=number_version, revoked_reason=reason)


class Version(NamedTuple):
    """One version of a number as a lookup compares it: the last four ID characters only."""
    superseded: bool
    holder_name: str
    masked_name: str
    id_last4: str
    token: str
    issued_on: datetime.date
    version: int


class Record(NamedTuple):
    """What verification knows of a number: its public facts and every version (the current one
    first). Unknown numbers get ``_UNKNOWN``, compared the same way."""
    issued_id: int | None
    org_id: int | None
    certificate_id: int | None
    number: str
    status: str
    level: str
    revoked_reason: str
    certificate: str
    org: str
    versions: tuple[Version, ...]


_NO_DAY = datetime.date(1970, 1, 1)
_UNKNOWN = Record(None, None, None, "", "", "", "", "", "", (Version(False, "", "", "", "", _NO_DAY, 0),))


def _day(value) -> datetime.date:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value  # SQLite: raw dates are text


def _record(number: str) -> Record:
    """The number's current version and every superseded one in ONE statement of four tables (a row
    per superseded version, or one row without)."""
    issued, versions = IssuedCertificate._meta.db_table, CertificateVersion._meta.db_table
    certificates, orgs = Certificate._meta.db_table, Org._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.id, i.org_id, i.certificate_id, i.number, i.status, i.level, i.revoked_reason, c.name, o.name, "
            "i.holder_name, i.id_number, i.token, i.issued_on, i.version, "
            "v.holder_name, v.id_number, v.token, v.issued_on, v.version "
            f"FROM {issued} i JOIN {certificates} c ON c.id = i.certificate_id JOIN {orgs} o ON o.id = i.org_id "
            f"LEFT JOIN {versions} v ON v.issued_id = i.id WHERE i.number = %s ORDER BY v.version DESC", [number])
        rows = cursor.fetchall()
    if not rows:
        return _UNKNOWN

    def version(superseded: bool, name: str, id_number: str, token: str, issued_on, number_version: int) -> Version:
        return Version(superseded, name, public_name(name), id_number[-4:], token, _day(issued_on), number_version)

    first = rows[0]
    current = version(False, *first[9:14])
    return Record(*first[:9], (current, *(version(True, *row[14:19]) for row in rows if row[18] is not None)))


def _matching(record: Record, secrets: tuple[str, str, str]) -> Version | None:
    """The version of ``record`` whose name, last four ID characters or QR token is the one given
    (each only when given), the current one first. The one statement of the rule; every version is
    compared, known number or not, so the work does not tell which it was."""
    name, id_last4, token = secrets
    matches = [v for v in record.versions if (name and v.holder_name == name) or (id_last4 and v.id_last4 == id_last4)
               or (token and v.token == token)]
    return matches[0] if matches and record.issued_id is not None else None


def _verdict_of(record: Record, version: Version) -> Verdict:
    status = "superseded" if version.superseded else record.status
    return Verdict(found=True, status=status, status_label=str(STATUS_LABELS[status]), number=record.number,
                   masked_name=version.masked_name, certificate=record.certificate,
                   level=str(Level(record.level).label), org=record.org, issued_on=version.issued_on,
                   version=version.version, revoked_reason="" if version.superseded else record.revoked_reason)


def certificate_verify(*, number: str, name: str = "", id_last4: str = "", token: str = "",
                       client: str = "") -> Verdict:
    """The public answer for a number plus the holder's name, the last four ID characters or the
    QR token. Anything that does not match is NOT_FOUND, indistinguishable from an unknown number.

    Hot path (bench/bench_issuance_scale.py measures it against a bare view): the number's record
    comes from this process's memory (certificates.verification.memo) when its stamps still hold,
    checked in the rate limit's one round trip on Redis, which also counts a match; otherwise, and
    whenever Redis is not there, from the database. A client that keeps coming back to the same
    process within a minute spends hits it took ahead (core.ratelimit.hit_leased): then a kept
    answer that every renewal since would have dropped costs no round trip, and its match is
    counted with the process's next push of tallies."""
    name, id_last4, token = (name or "").strip(), normalize.id_number(id_last4), (token or "").strip()
    if not (name or id_last4 or token):
        metrics.verification_refused(channel="number", reason="incomplete")
        raise AppError(_("请同时填写持证人姓名（或证件号码后四位）。仅凭证书编号不显示任何信息。"), code="need_secret")
    number, secrets, rate_key = _normalize_number(number), (name, id_last4, token), _rate_key(client)
    kept = memo.recall(number)
    if kept is not None and memo.answers_alone(kept) and ratelimit.hit_leased(rate_key, window=60):
        matched = _matching(kept.record, secrets)  # no round trip: every renewal is heard (memo)
        if matched is not None:
            ratelimit.tally_later(credential_services.verification_tally(kept.record.issued_id))
        metrics.verification_answered(channel="number", found=matched is not None)
        return NOT_FOUND if matched is None else _verdict_of(kept.record, matched)
    heard = memo.hearing()
    names = memo.stamp_names(number, kept.record if kept else None)
    matched = _matching(kept.record, secrets) if kept else None
    gate = ratelimit.hit_checked(
        rate_key, window=60, limit=settings.VERIFY_RATE_PER_MINUTE, read=memo.stamp_keys(names),
        expect=kept.values if kept else None, ahead=settings.VERIFY_HITS_AHEAD if heard is not None else 0,
        tally=credential_services.verification_tally(kept.record.issued_id) if matched else None)
    if gate is None:  # no shared cache: nothing is kept, the database answers and counts
        memo.forget_all()
        _throttle(client, channel="number")
        record = _record(number)
        matched = _matching(record, secrets)
        verification_counted(issued_id=record.issued_id if matched else 0)  # the same statement either way
    else:
        _refuse_over_limit(gate.count, channel="number")
        record = kept.record if kept else None
        if kept is None or gate.values != kept.values:
            record = _record(number)
            memo.keep(number, record, names, gate.values, first=kept is None, heard=heard)
            matched = _matching(record, secrets)
            credential_services.verification_tallied(record.issued_id if matched else None)  # one round trip either way
        else:
            memo.checked(number, kept, heard)
    metrics.verification_answered(channel="number", found=matched is not None)
    return NOT_FOUND if matched is None else _verdict_of(record, matched)


def certificate_verify_token(*, token: str, client: str = "") -> Verdict:
    """The QR link: the token alone, bound to one version of one certificate."""
    _throttle(client, channel="token")
    token = (token or "").strip()[:32]
    issued = IssuedCertificate.objects.select_related("certificate", "org").filter(token=token).first()
    version = CertificateVersion.objects.select_related("issued__certificate", "issued__org").filter(token=token).first()
    metrics.verification_answered(channel="token", found=issued is not None or version is not None)
    if issued is not None:
        verification_counted(issued_id=issued.pk)
        return _verdict(issued, None)
    if version is not None:
        verification_counted(issued_id=version.issued_id)
        return _verdict(version.issued, version)
    return NOT_FOUND


@dataclass(frozen=True)
class FileVerdict:
    """The answer for an uploaded certificate file (PDF or OFD): is it genuine, why (a sentence for
    the uploader), and the certificate's public verdict when it is."""

    genuine: bool
    reason: str
    verdict: Verdict

    def as_dict(self) -> dict:
        return {"genuine": self.genuine, "reason": self.reason, **self.verdict.as_dict()}



def _upload_bytes(upload, *, kinds: tuple[str, ...], channel: str) -> tuple[str, bytes]:
    """The upload's kind and content, within the certificate file size limit."""
    try:
        checked = check_document(upload, max_bytes=settings.CERTIFICATE_FILE_MAX_BYTES, kinds=kinds)
    except AppError:
        metrics.verification_refused(channel=channel, reason="bad_file")
        raise
    upload.seek(0)
    return checked.kind, upload.read()


def _answered(result: FileVerdict, *, channel: str) -> FileVerdict:
    metrics.verification_answered(channel=channel, found=result.genuine)
    return result


def certificate_verify_pdf(*, upload, client: str = "") -> FileVerdict:
    """Is this uploaded PDF a genuine, untampered certificate of the platform, and is it still valid?"""
    _throttle(client, channel="pdf")
    _kind, content = _upload_bytes(upload, kinds=("pdf",), channel="pdf")
    return _answered(_pdf_verdict(signing.check_pdf(content)), channel="pdf")


def certificate_verify_ofd(*, upload, client: str = "") -> FileVerdict:
    """Is this uploaded OFD a genuine certificate of the platform, sealed by its SM2 key and unchanged
    since, and is it still valid? A file that is not an OFD, a damaged one, a foreign or broken seal
    or a changed part each gets its own answer (``ofd_check``'s reason), never an error."""
    _throttle(client, channel="ofd")
    return _answered(_ofd_verdict(_ofd_check(upload)), channel="ofd")


def certificate_verify_file(*, upload, client: str = "") -> FileVerdict:
    """The page's one upload field: a PDF or an OFD, told apart by content (one count against the
    rate limit either way). Any ZIP is read as an OFD, so a damaged OFD is told it is damaged
    rather than of the wrong type."""
    _throttle(client, channel="file")
    if not read_head(upload, 4).startswith(b"PK"):
        # A PDF, or neither format: the PDF path's checks and counts (its refusal names both kinds).
        _kind, content = _upload_bytes(upload, kinds=("pdf", "ofd"), channel="pdf")
        return _answered(_pdf_verdict(signing.check_pdf(content)), channel="pdf")
    check = _ofd_check(upload)
    if check.reason == ofd_signature.REASON_NOT_OFD:
        return _answered(FileVerdict(False, _("上传的文件既不是 PDF 也不是 OFD 格式的电子证书。"), NOT_FOUND),
                         channel="ofd")
    return _answered(_ofd_verdict(check), channel="ofd")


def _ofd_check(upload) -> ofd_signature.OfdCheck:
    try:
        check_size(upload, settings.CERTIFICATE_FILE_MAX_BYTES)
    except AppError:
        metrics.verification_refused(channel="ofd", reason="bad_file")
        raise
    upload.seek(0)
    return ofd_signature.ofd_check(upload.read())


def _pdf_verdict(check: signing.SignatureCheck) -> FileVerdict:
    if not check.signed:
        return FileVerdict(False, _("该文件没有平台的数字签名，不是平台签发的电子证书。"), NOT_FOUND)
    if not check.by_issuer:
        return FileVerdict(False, _("该文件的签名不是平台的签发密钥所签，不是平台签发的电子证书。"), NOT_FOUND)
    if not check.intact:
        return FileVerdict(False, _("该文件签名后内容被修改过（签名校验失败），不是有效的电子证书。"), NOT_FOUND)
    if not check.whole_file:
        return FileVerdict(False, _("该文件在签名之后被追加修改过，不是有效的电子证书。"), NOT_FOUND)
    return _genuine_file_verdict(number=check.number, version=check.version)


def _ofd_verdict(check: ofd_signature.OfdCheck) -> FileVerdict:
    if not check.genuine:
        return FileVerdict(False, ofd_signature.reason_message(check.reason), NOT_FOUND)
    return _genuine_file_verdict(number=check.number, version=check.version)


def _genuine_file_verdict(*, number: str, version: int) -> FileVerdict:
    """A file whose platform signature holds, for certificate ``number`` at ``version``: the
    certificate's status now (valid, revoked, or superseded for an older version), counted."""
    issued = IssuedCertificate.objects.select_related("certificate", "org").filter(number=number).first()
    if issued is None:
        return FileVerdict(False, _("签名完好，但平台没有编号为 %(n)s 的证书记录。") % {"n": number}, NOT_FOUND)
    if version == issued.version:
        verdict = _verdict(issued, None)
    else:
        superseded = issued.versions.filter(version=version).first()
        if superseded is None:
            return FileVerdict(False, _("签名完好，但证书版本与平台记录不符。"), NOT_FOUND)
        verdict = _verdict(issued, superseded)
    verification_counted(issued_id=issued.pk)
    reason = {"valid": _("签名完好，内容未被篡改，证书有效。"),
              "revoked": _("签名完好，但该证书已被撤销。"),
              "superseded": _("签名完好，但这是旧版本，已被换发的新版本取代。")}[verdict.status]
    return FileVerdict(True, reason, verdict)
