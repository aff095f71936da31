"""Reads of the public credential page and the verification counts. Access per certificate comes
from certificates.issuance.selectors (``share``, ``download_poster``, ``download_report``,
``view_verification_counts``); the public page is reached only by its random token, and only while
the holder keeps it public."""

import base64
import dataclasses
import datetime
from dataclasses import dataclass

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Access
from accounts.personal_data import Field, Relation, render
from accounts.scoping import Actor, scoped
from certificates.catalog.models import CertificateLevel, CertificateMajor, Level
from certificates.credential.models import CredentialPage, VerificationCount
from certificates.issuance.models import IssuedCertificate
from certificates.issuance.selectors import issuance_access
from core.errors import Forbidden, NotInScope

COUNT_DAYS = 30
PUBLIC = frozenset({Relation.PUBLIC})


def public_name(name: str) -> str:
    """The holder's name as public pages show it (accounts.personal_data: masked, 张*三)."""
    return render(Field.NAME, PUBLIC, name) or ""


def credential_page_of(issued: IssuedCertificate) -> CredentialPage | None:
    return CredentialPage.objects.filter(issued=issued).first()


def shared_certificate(token: str) -> IssuedCertificate:
    """The certificate behind a public page: 404 for an unknown token and while sharing is off."""
    page = (CredentialPage.objects.select_related("issued__certificate", "issued__org", "issued__seal")
            .filter(token=(token or "")[:32], public=True).first())
    if page is None:
        raise NotInScope()
    return page.issued


@dataclass(frozen=True)
class CredentialFacts:
    """What the public page, the poster and the report say about a certificate (no ID number)."""

    number: str
    certificate: str
    level: str
    field: str
    description: str
    majors: list[str]
    org: str
    seal_data_uri: str
    issued_on: datetime.date
    masked_name: str
    status: str  # valid | revoked
    status_label: str
    revoked_reason: str
    version: int
    # The 职业技能要求 of the certificate's level, as the org keeps them in the catalog (live).
    skills: list[str] = dataclasses.field(default_factory=list)


def _seal_data_uri(issued: IssuedCertificate) -> str:
    """The org's seal, as the certificate carries it, inline (the seal files themselves are scoped)."""
    seal = issued.seal
    if seal is None or not seal.file:
        return ""
    try:
        with seal.file.open("rb") as handle:
            return "data:image/png;base64," + base64.b64encode(handle.read()).decode()
    except FileNotFoundError:
        return ""


def credential_facts(issued: IssuedCertificate) -> CredentialFacts:
    """The live facts of ``issued``'s current version. Superseded versions belong to the same
    certificate (same number): the page always shows the current one."""
    status = issued.status
    label = _("有效") if status == IssuedCertificate.Status.VALID else _("已撤销")
    majors = list(CertificateMajor.objects.filter(certificate_id=issued.certificate_id)
                  .order_by("major_name").values_list("major_name", flat=True))
    level = CertificateLevel.objects.filter(certificate_id=issued.certificate_id, level=issued.level).first()
    return CredentialFacts(
        number=issued.number, certificate=issued.certificate.name, level=str(Level(issued.level).label),
        field=issued.certificate.field, description=issued.certificate.description, majors=majors,
        org=issued.org.name, seal_data_uri=_seal_data_uri(issued), issued_on=issued.issued_on,
        masked_name=public_name(issued.holder_name), status=status, status_label=str(label),
        revoked_reason=issued.revoked_reason if status == IssuedCertificate.Status.REVOKED else "",
        version=issued.version, skills=level.skill_lines() if level is not None else [])


def verification_counts(access: Access[IssuedCertificate], *, days: int = COUNT_DAYS) -> list[dict]:
    """Lookups per day of one certificate, the last ``days`` days (the org's own certificates)."""
    access.require("view_verification_counts")
    since = timezone.localdate() - datetime.timedelta(days=days - 1)
    return list(VerificationCount.objects.filter(issued=access.obj, day__gte=since)
                .order_by("-day").values("day", "count"))


def verification_total(rows: list[dict]) -> int:
    return sum(row["count"] for row in rows)


@dataclass(frozen=True)
class VerificationOverview:
    days: list[dict]          # {"day", "total"}, newest first
    certificates: list[dict]  # {"issued__number", "issued__certificate__name", "level_label", "total"}
    total: int


def verification_overview(actor: Actor, *, days: int = COUNT_DAYS) -> VerificationOverview:
    """How often the org's certificates were verified, the last ``days`` days: per day, and per
    certificate (most verified first). Counts only: nothing about who looked."""
    if "view_verification_counts" not in issuance_access(actor):
        raise Forbidden()
    since = timezone.localdate() - datetime.timedelta(days=days - 1)
    rows = scoped(VerificationCount, actor).filter(day__gte=since)
    per_day = list(rows.values("day").annotate(total=Sum("count")).order_by("-day"))
    per_certificate = list(rows.values("issued__number", "issued__certificate__name", "issued__level")
                           .annotate(total=Sum("count")).order_by("-total", "issued__number"))
    for row in per_certificate:
        row["level_label"] = Level(row["issued__level"]).label if row["issued__level"] in Level.values else ""
    return VerificationOverview(days=per_day, certificates=per_certificate,
                                total=sum(row["total"] for row in per_day))
