"""Reads of issued certificates and issuance requests, always through the scope helper, and what an
actor may do with each (design rule 2).

This module is the one place in the certificates app that decides, for issued certificates:

- ``issuance_access(actor)``: the pages as a whole (the holder's 我的证书, the lists and their
  exports, the ZIP of PDFs, the import of earlier certificates, the batches and the queue);
- ``issued_certificate_access(actor, number)``: one certificate, 404 outside the actor's scope, with
  the actor's relations to the holder (the ID number is rendered through accounts.personal_data) and
  what they may do with it: ``download_pdf``, ``download_ofd``, ``export_credential``, ``order_paper_copy``,
  ``share``, ``download_poster``, ``download_report``, ``view_verification_counts``, ``revoke``,
  ``reissue``;
- ``issued_rows`` / ``issuance_request_rows``: the same decision for every row of a list or an
  export, computed from ids already on the row (no extra query, but for the holder's own valid
  certificates: whether their paper copy is already ordered or mailed);
- ``issuance_request_access(actor, …)``: one issuance request (``retry``).

Views, API views, serializers, templates, exports and services read these answers; none compares
roles. Whether an action makes sense in the object's state (revoking a revoked certificate) is a
business rule of the services, with its own message.
"""

import logging
from collections.abc import Callable, Iterable, Iterator

from django.db.models import Count, Max, Min, Q
from django.utils.translation import gettext as _

from accounts.access import Access, Permissions, decides_access
from accounts.models import Role
from accounts.personal_data import Field, Relation, Shown, relations_of, shown
from accounts.scoping import Actor, get_in_scope, scoped
from certificates.issuance.models import HELD_FOR_ORG, IssuanceRequest, IssuedCertificate
from core import normalize
from core.errors import NotInScope
from organizations.seals.models import OrgSeal
from organizations.seals.selectors import org_seals_current_many

logger = logging.getLogger(__name__)

# Who works with issued certificates beyond their holder: every staff role sees the records of its
# scope (provinces, the ministry and alliances with masked ID numbers).
STAFF = (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY, Role.ORG, Role.INSTITUTION, Role.ALLIANCE)
# The roles that see every listed holder's full ID number (accounts.personal_data: the org
# certifying them, the institution that registered them), and so may take the PDFs, which print it,
# as one ZIP of the list.
ZIP_ROLES = (Role.ORG, Role.INSTITUTION)
# The org and the ministry run issuance: they import earlier certificates, retry what waits, and
# revoke and reissue certificates (IssuedCertificate.scope_writers).
RUNNERS = (Role.ORG, Role.MINISTRY)
WRITE_RELATIONS = frozenset({Relation.ORG, Relation.MINISTRY})
# The Open Badges credential carries the holder's name and a salted hash of the ID number, never the
# number itself: the holder, the org, the holder's institution and its alliance, and the ministry.
CREDENTIAL_RELATIONS = frozenset({Relation.SELF, Relation.ORG, Relation.INSTITUTION, Relation.ALLIANCE,
                                  Relation.MINISTRY})


def issuance_access(actor: Actor) -> Permissions:
    """What ``actor`` may do on the pages of issued certificates, before any one certificate."""
    role = actor.role
    may = set()
    if role == Role.STUDENT:
        may.add("view_mine")
    if role in STAFF:
        may |= {"view_list", "view_waiting"}
    if role in ZIP_ROLES:
        may.add("export_zip")
    if role in RUNNERS:
        may |= {"import", "view_batches"}
    if role == Role.ORG:
        # How often its certificates were verified, all of them at once (counts only, issue 17).
        may.add("view_verification_counts")
    if role in (Role.PROVINCE, Role.PROVINCE_AGENCY):
        may.add("view_batches")
    if role == Role.MINISTRY:
        may.add("view_queue")
    return Permissions(may)


# --- issued certificates -----------------------------------------------------------------------

# Whether a certificate's paper copy is already taken (ordered, being printed, or mailed). Paper
# copies sit above issuance and answer it (``paper_copy_taken_source``, from CertificatesConfig.ready()).
_paper_copy_taken: list[Callable[[IssuedCertificate], bool]] = []


def paper_copy_taken_source(source: Callable[[IssuedCertificate], bool]) -> None:
    _paper_copy_taken[:] = [source]


def _certificate_may(relations: frozenset[Relation], issued: IssuedCertificate) -> Permissions:
    may = set()
    # The PDF prints the holder's full ID number: it goes where the policy shows that number in full.
    if shown(Field.ID_NUMBER, relations) == Shown.FULL:
        may.add("download_pdf")
        # The OFD prints the same; it is sealed with the certificate's org seal version, which
        # imported certificates do not have.
        if issued.seal_id is not None:
            may.add("download_ofd")
    if relations & CREDENTIAL_RELATIONS:
        may.add("export_credential")
    # The holder orders the one paper copy of a valid certificate, until it is ordered or mailed
    # (a cancelled order frees it again).
    if (Relation.SELF in relations and issued.status == IssuedCertificate.Status.VALID
            and not any(taken(issued) for taken in _paper_copy_taken)):
        may.add("order_paper_copy")
    if Relation.SELF in relations:
        # The holder alone decides whether the certificate has a public page (issue 17, item 4), and
        # takes its poster and verification report (查验报告) from the portal.
        may |= {"share", "download_poster", "download_report"}
    if Relation.ORG in relations:
        # How often the org's own certificates were verified (counts per day, nothing about who).
        may.add("view_verification_counts")
    if relations & WRITE_RELATIONS:
        may |= {"revoke", "reissue"}
    return Permissions(may)


def issued_access_of(actor: Actor, issued: IssuedCertificate) -> Access[IssuedCertificate]:
    """The access decision for a certificate already fetched inside ``actor``'s scope (no query)."""
    relations = relations_of(actor, person_id=issued.person_id, institution_id=issued.institution_id,
                             org_id=issued.org_id)
    return Access(issued, relations=relations, may=_certificate_may(relations, issued))


def issued_certificate_access(*, actor: Actor, number: str) -> Access[IssuedCertificate]:
    """One issued certificate by its number: 404 outside ``actor``'s scope, else it with what the
    actor may see and do."""
    issued = get_in_scope(IssuedCertificate.objects.select_related("certificate", "org", "seal", "institution"),
                          actor, number=number)
    return issued_access_of(actor, issued)


def issued_list(*, actor: Actor, query: str = "", status: str = ""):
    qs = scoped(IssuedCertificate, actor).select_related("certificate", "org", "institution")
    if query:
        qs = qs.filter(Q(number__iexact=normalize.code(query)) | Q(holder_name__icontains=query)
                       | Q(certificate__name__icontains=query))
    if status in IssuedCertificate.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("-issued_on", "-pk")


def issued_rows(actor: Actor, certificates: Iterable[IssuedCertificate]) -> Iterator[Access[IssuedCertificate]]:
    """Each certificate of a list page or an export with its access decision (no extra query)."""
    return (issued_access_of(actor, issued) for issued in certificates)


def certificate_pdf_stored(issued: IssuedCertificate) -> bytes | None:
    """The stored PDF of ``issued``; None when it has none yet (imported, or from a bulk load) or its
    file has gone missing from storage. A read only: rendering is the worker's, queued by
    certificates.issuance.services.certificate_pdfs_queue."""
    return _stored(issued, issued.pdf, "PDF")


def certificate_ofd_stored(issued: IssuedCertificate) -> bytes | None:
    """The stored signed OFD of ``issued``; None when none is made yet or its file has gone missing.
    A read only: making it is certificates.issuance.ofd_files', queued by
    certificates.issuance.services.certificate_ofds_queue."""
    return _stored(issued, issued.ofd, "OFD")


def _stored(issued: IssuedCertificate, field_file, kind: str) -> bytes | None:
    if not field_file:
        return None
    try:
        with field_file.open("rb") as handle:
            return handle.read()
    except FileNotFoundError:
        logger.warning("the stored %s of certificate %s is missing from storage", kind, issued.number)
        return None


# --- issuance requests -------------------------------------------------------------------------

def _request_access_of(actor: Actor, request: IssuanceRequest) -> Access[IssuanceRequest]:
    relations = relations_of(actor, person_id=request.person_id, institution_id=request.institution_id,
                             org_id=request.org_id)
    return Access(request, relations=relations, may=Permissions({"retry"} if relations & WRITE_RELATIONS else ()))


def issuance_request_access(*, actor: Actor, pk: int | None = None, result_id: int | None = None,
                            missing_message=None) -> Access[IssuanceRequest]:
    """One issuance request, by its id or by the result it issues: 404 outside ``actor``'s scope
    (with ``missing_message`` when given), else it with what the actor may do (``retry``)."""
    lookup = {"pk": pk} if pk is not None else {"result_id": result_id}
    request = scoped(IssuanceRequest, actor).filter(**lookup).first()
    if request is None:
        raise NotInScope(missing_message)
    return _request_access_of(actor, request)


def issuance_request_rows(actor: Actor, requests: Iterable[IssuanceRequest]) -> Iterator[Access[IssuanceRequest]]:
    """Each request of a list page or an export with its access decision (no extra query)."""
    return (_request_access_of(actor, request) for request in requests)


def issuance_batches(*, actor: Actor):
    """One row per finalized assessment session (per org): how many of its passes are issued."""
    return (scoped(IssuanceRequest, actor).values("session_id", "org_id", "org__name", "certificate__name")
            .annotate(total=Count("*"), issued=Count("pk", filter=Q(status="issued")),
                      duplicate=Count("pk", filter=Q(status="duplicate")),
                      blocked=Count("pk", filter=Q(status="blocked")), failed=Count("pk", filter=Q(status="failed")),
                      pending=Count("pk", filter=Q(status="pending")), created=Min("created_at"),
                      finished=Max("processed_at"))
            .order_by("-created", "-session_id"))


# Sessions belong to assessments, a higher layer: it says how a session is named (date, site,
# level) by registering a resolver in its AppConfig.ready(), so the batches never show a bare id.
_session_labeller: Callable[[list[int]], dict[int, str]] | None = None


def register_session_labels(resolver: Callable[[list[int]], dict[int, str]]) -> None:
    global _session_labeller
    _session_labeller = resolver


def session_labels(session_ids: Iterable[int]) -> dict[int, str]:
    """The display name of each assessment session, by id."""
    ids = sorted(set(session_ids))
    found = _session_labeller(ids) if _session_labeller is not None and ids else {}
    return {pk: found.get(pk) or _("考核批次（编号 %(pk)d）") % {"pk": pk} for pk in ids}


def issuance_queue(*, actor: Actor):
    """The ministry's view of the queue: per org, what waits and since when."""
    return (scoped(IssuanceRequest, actor).exclude(status__in=["issued", "duplicate"])
            .values("org_id", "org__name", "status")
            .annotate(n=Count("*"), oldest=Min("created_at")).order_by("org__name", "status"))


def issuance_waiting(*, actor: Actor, status: str = ""):
    """Passed but without a certificate yet (pending, blocked or failed), with the reason."""
    qs = (scoped(IssuanceRequest, actor).filter(status__in=["pending", "blocked", "failed"])
          .select_related("certificate__replaced_by", "org", "institution"))
    if status in ("pending", "blocked", "failed"):
        qs = qs.filter(status=status)
    return qs.order_by("created_at", "pk")


def issuance_way_forward(request: IssuanceRequest) -> str:
    """For a pass held because its org was delisted: the certificate the ministry designated instead."""
    if request.block_code not in HELD_FOR_ORG:
        return ""
    replacement = request.certificate.replaced_by
    if replacement is None:
        return _("该证书已退出试点，未指定替换证书，请院校为考生选择相关领域的其他证书。")
    return _("参加替换证书“%(name)s”（%(code)s）的培训和考核。") % {"name": replacement.name, "code": replacement.code}


def issuance_pending_count() -> int:
    """How many passes wait for the issuing workers (what a render queued now waits behind)."""
    return IssuanceRequest.objects.filter(status=IssuanceRequest.Status.PENDING).count()


# --- for the worker ------------------------------------------------------------------------------

def org_seals_current(org_ids) -> dict[int, OrgSeal]:
    """The current seal of each org (the organizations layer owns seal versions)."""
    return org_seals_current_many(org_ids)


# The one decision per object, as the access matrix test asks it (accounts.access).
decides_access(IssuedCertificate)(lambda actor, obj: issued_certificate_access(actor=actor, number=obj.number))
decides_access(IssuanceRequest)(lambda actor, obj: issuance_request_access(actor=actor, pk=obj.pk))
