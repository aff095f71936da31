"""Reads of the catalog, and what an actor may do with it.

What the public sees: published certificates, and suspended ones marked as suspended (a
suspension stops new sessions, and institutions and students need to know why a certificate they
train for cannot be assessed now). Withdrawn and replaced certificates appear only on request
(“含已退出”), each linking to its replacement. Certificates still in application (申报中) are seen
by the ministry and by their own org.

Who may change the catalog is decided here, once: ``catalog_access`` (the page: register a
certificate) and ``certificate_access`` (one certificate: edit it, upload its standard, change its
status). The views, the API and the services ask these; none compares roles itself.
"""

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from accounts.access import Access, Permissions, decides_access
from accounts.models import Role
from accounts.scoping import Actor, anonymous_actor
from certificates.catalog.models import (
    Certificate,
    CertificateLevel,
    CertificateMajor,
    CertificateStandard,
    Level,
    SelectionBatch,
)
from core import normalize
from core.errors import NotInScope
from organizations.orgs.models import Org

PUBLIC_STATUSES = (Certificate.Status.PUBLISHED, Certificate.Status.SUSPENDED)


RETIRED_STATUSES = (Certificate.Status.WITHDRAWN, Certificate.Status.REPLACED)


LISTED_STATUSES = PUBLIC_STATUSES + RETIRED_STATUSES

# The catalog is the ministry's to change: register, edit, upload standards, publish, supervise.
CATALOG_WRITES = ("create", "edit", "upload_standard", "publish", "set_status")


LEVEL_RANK = Case(When(level=Level.JUNIOR, then=Value(0)), When(level=Level.INTERMEDIATE, then=Value(1)),
                  default=Value(2), output_field=IntegerField())


def levels_ordered() -> QuerySet[CertificateLevel]:
    return CertificateLevel.objects.order_by(LEVEL_RANK)


def _visible_q(actor: Actor | None) -> Q | None:
    actor = actor or anonymous_actor()
    if actor.role == Role.MINISTRY:
        return None
    visible = Q(status__in=LISTED_STATUSES)
    if actor.role == Role.ORG:
        visible |= Q(org_id=actor.scope.org_id)
    return visible


def certificates_visible(actor: Actor | None) -> QuerySet[Certificate]:
    """Every certificate ``actor`` may open (anonymous: None), ready for a list: owner, batch,
    replacement and levels in two queries whatever the page size."""
    qs = Certificate.objects.select_related("org", "batch", "replaced_by").prefetch_related(
        Prefetch("levels", queryset=levels_ordered()))
    condition = _visible_q(actor)
    return qs if condition is None else qs.filter(condition)


def certificate_get(code: str, *, actor: Actor | None = None) -> Certificate:
    """One certificate by its code, as ``actor`` may see it (None: the public); 404 otherwise.
    The ministry sees every status, so supervision can fetch any certificate with it."""
    certificate = certificates_visible(actor).filter(code=normalize.code(code)).first()
    if certificate is None:
        raise NotInScope()
    return certificate


def catalog_access(actor: Actor | None) -> Permissions:
    """What ``actor`` may do with the catalog as a whole (None: the public, who only read)."""
    actor = actor or anonymous_actor()
    return Permissions(CATALOG_WRITES if actor.role == Role.MINISTRY else ())


def certificate_access(code: str, *, actor: Actor | None) -> Access[Certificate]:
    """One certificate as ``actor`` may open it (404 otherwise), with what they may do with it; its
    levels, majors, standards, replacements and status changes are loaded for the detail page.
    The catalog holds no personal data, so there are no relations to the actor."""
    certificate = certificate_detail(code, actor=actor)
    return Access(certificate, may=Permissions(catalog_access(actor) | _owner_may(certificate, actor)))


def _owner_may(certificate: Certificate, actor: Actor | None) -> Permissions:
    """The org that owns a certificate wrote its standard, so it keeps each level's 职业技能要求."""
    actor = actor or anonymous_actor()
    if actor.role == Role.ORG and actor.scope.org_id == certificate.org_id:
        return Permissions(("edit_skills",))
    return Permissions()


def certificate_detail(code: str, *, actor: Actor | None = None) -> Certificate:
    certificate = certificate_get(code, actor=actor)
    return (Certificate.objects.select_related("org", "batch", "replaced_by__org", "replaced_by__batch")
            .prefetch_related(Prefetch("levels", queryset=levels_ordered()), "majors", "standards",
                              Prefetch("replaces", queryset=Certificate.objects.select_related("org", "batch")),
                              "status_changes")
            .get(pk=certificate.pk))


def certificates_matching(qs: QuerySet[Certificate], text: str) -> QuerySet[Certificate]:
    """The certificates of ``qs`` whose name contains ``text`` or whose code starts with it (long selects)."""
    return qs.filter(Q(name__icontains=text) | Q(code__istartswith=text))


def certificates_of_org(org: Org) -> QuerySet[Certificate]:
    """Every certificate an org owns, whatever its status (for supervision: delisting, replacement)."""
    return (Certificate.objects.filter(org=org).select_related("batch", "replaced_by")
            .prefetch_related(Prefetch("levels", queryset=levels_ordered())).order_by("batch__number", "code"))


def replacement_candidates(certificate: Certificate, *, query: str = "") -> QuerySet[Certificate]:
    """Published certificates of later batches, the ones ``certificate`` may be replaced by, most
    related first: the same field, then the most majors in common, then by batch and code. ``query``
    (words, all of which must match) narrows them by name, code, org, field or major."""
    majors = list(certificate.majors.values_list("major_name", flat=True))
    shared = (CertificateMajor.objects.filter(certificate=OuterRef("pk"), major_name__in=majors)
              .order_by().values("certificate").annotate(n=Count("*")).values("n"))
    candidates = (Certificate.objects.filter(status=Certificate.Status.PUBLISHED,
                                             batch__number__gt=certificate.batch.number)
                  .select_related("org", "batch")
                  .annotate(same_field=Case(When(field=certificate.field, then=Value(0)), default=Value(1),
                                            output_field=IntegerField()),
                            shared_majors=Coalesce(Subquery(shared, output_field=IntegerField()), Value(0)))
                  .order_by("same_field", "-shared_majors", "batch__number", "code"))
    for term in query.split()[:5]:
        candidates = candidates.filter(
            Q(name__icontains=term) | Q(code__icontains=term) | Q(org__name__icontains=term)
            | Q(field__icontains=term)
            | Exists(CertificateMajor.objects.filter(certificate=OuterRef("pk"), major_name__icontains=term)))
    return candidates


def standard_for_download(pk: int, *, actor: Actor | None = None) -> CertificateStandard:
    """A standard document of a certificate ``actor`` may see: public once the certificate is."""
    standard = CertificateStandard.objects.select_related("certificate").filter(pk=pk).first()
    if standard is None:
        raise NotInScope()
    certificate_get(standard.certificate.code, actor=actor)
    return standard


def catalog_fields() -> list[str]:
    return list(Certificate.objects.filter(status__in=LISTED_STATUSES).order_by("field")
                .values_list("field", flat=True).distinct())


def catalog_orgs() -> QuerySet[Org]:
    return Org.objects.filter(Exists(Certificate.objects.filter(org=OuterRef("pk"), status__in=LISTED_STATUSES)))


def catalog_code_prefix(batch: SelectionBatch) -> str:
    """Catalog codes the portal assigns: X + batch (2 digits) + sequence (3 digits), e.g. X04017."""
    return f"X{batch.number:02d}"


def catalog_code_suggestion(batch: SelectionBatch) -> str:
    prefix = catalog_code_prefix(batch)
    taken = set(Certificate.objects.filter(code__startswith=prefix).values_list("code", flat=True))
    return next(f"{prefix}{n:03d}" for n in range(1, 10_000) if f"{prefix}{n:03d}" not in taken)


# The one decision per object, as the access matrix test asks it (accounts.access).
decides_access(Certificate)(lambda actor, obj: certificate_access(obj.code, actor=actor))
