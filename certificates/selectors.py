"""Reads of the catalog and the selection batches.

What the public sees: published certificates, and suspended ones marked as suspended (a
suspension stops new sessions, and institutions and students need to know why a certificate they
train for cannot be assessed now). Withdrawn and replaced certificates appear only on request
(“含已退出”), each linking to its replacement. Certificates still in application (申报中) are seen
by the ministry and by their own org. Batch statistics are public (counts only); the applications
behind them are the ministry's, and each org sees its own.
"""

from django.db.models import Case, Count, Exists, IntegerField, Max, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.errors import Forbidden, NotInScope
from accounts.models import Role
from accounts.scoping import Actor, anonymous_actor, get_in_scope, scoped
from certificates.models import (
    ApplicationCertificate,
    BatchApplication,
    Certificate,
    CertificateLevel,
    CertificateStandard,
    Level,
    SelectionBatch,
)
from organizations.models import Org

PUBLIC_STATUSES = (Certificate.Status.PUBLISHED, Certificate.Status.SUSPENDED)
RETIRED_STATUSES = (Certificate.Status.WITHDRAWN, Certificate.Status.REPLACED)
LISTED_STATUSES = PUBLIC_STATUSES + RETIRED_STATUSES
Outcome = ApplicationCertificate.Outcome

LEVEL_RANK = Case(When(level=Level.JUNIOR, then=Value(0)), When(level=Level.INTERMEDIATE, then=Value(1)),
                  default=Value(2), output_field=IntegerField())


def levels_ordered() -> QuerySet[CertificateLevel]:
    return CertificateLevel.objects.order_by(LEVEL_RANK)


# --- certificates ---------------------------------------------------------------------------

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
    certificate = certificates_visible(actor).filter(code=(code or "").strip().upper()).first()
    if certificate is None:
        raise NotInScope()
    return certificate


def certificate_detail(code: str, *, actor: Actor | None = None) -> Certificate:
    certificate = certificate_get(code, actor=actor)
    return (Certificate.objects.select_related("org", "batch", "replaced_by__org", "replaced_by__batch")
            .prefetch_related(Prefetch("levels", queryset=levels_ordered()), "majors", "standards",
                              Prefetch("replaces", queryset=Certificate.objects.select_related("org", "batch")),
                              "status_changes")
            .get(pk=certificate.pk))


def certificates_of_org(org: Org) -> QuerySet[Certificate]:
    """Every certificate an org owns, whatever its status (for supervision: delisting, replacement)."""
    return (Certificate.objects.filter(org=org).select_related("batch", "replaced_by")
            .prefetch_related(Prefetch("levels", queryset=levels_ordered())).order_by("batch__number", "code"))


def replacement_candidates(certificate: Certificate) -> QuerySet[Certificate]:
    """Published certificates of later batches, the ones ``certificate`` may be replaced by; those
    of the same field first."""
    return (Certificate.objects.filter(status=Certificate.Status.PUBLISHED, batch__number__gt=certificate.batch.number)
            .select_related("org", "batch")
            .annotate(same_field=Case(When(field=certificate.field, then=Value(0)), default=Value(1),
                                      output_field=IntegerField()))
            .order_by("same_field", "batch__number", "code"))


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


# --- batches --------------------------------------------------------------------------------

def batches_with_statistics() -> list[SelectionBatch]:
    """Every batch with its figures attached (``batch.stats``), in three queries."""
    batches = list(SelectionBatch.objects.all())
    stats = _statistics({b.pk for b in batches})
    for batch in batches:
        batch.stats = stats.get(batch.pk) or _empty_stats()
    return batches


def batch_number_next() -> int:
    return (SelectionBatch.objects.aggregate(n=Max("number"))["n"] or 0) + 1


def batch_get(number: int) -> SelectionBatch:
    batch = SelectionBatch.objects.filter(number=number).first()
    if batch is None:
        raise NotInScope()
    return batch


def batch_statistics(batch: SelectionBatch) -> dict:
    """Applicants, applied certificates, approved bodies and certificates, the approval rate, and
    what the catalog holds from the batch."""
    return _statistics({batch.pk}).get(batch.pk) or _empty_stats()


def _empty_stats() -> dict:
    return {"applicants": 0, "applied": 0, "approved": 0, "approved_bodies": 0, "rejected": 0, "undecided": 0,
            "rate": None, "rate_display": "", "catalog_certificates": 0, "catalog_orgs": 0}


def _statistics(batch_ids: set[int]) -> dict[int, dict]:
    result = {pk: _empty_stats() for pk in batch_ids}
    applicants = (BatchApplication.objects.filter(batch_id__in=batch_ids).values("batch_id")
                  .annotate(n=Count("*")))
    for row in applicants:
        result[row["batch_id"]]["applicants"] = row["n"]
    items = (ApplicationCertificate.objects.filter(application__batch_id__in=batch_ids)
             .values("application__batch_id")
             .annotate(applied=Count("*"), approved=Count("pk", filter=Q(outcome=Outcome.APPROVED)),
                       rejected=Count("pk", filter=Q(outcome=Outcome.REJECTED)),
                       approved_bodies=Count("application", filter=Q(outcome=Outcome.APPROVED), distinct=True)))
    for row in items:
        stats = result[row["application__batch_id"]]
        stats.update(applied=row["applied"], approved=row["approved"], rejected=row["rejected"],
                     approved_bodies=row["approved_bodies"],
                     undecided=row["applied"] - row["approved"] - row["rejected"])
        stats["rate"] = row["approved"] / row["applied"] if row["applied"] else None
        stats["rate_display"] = rate_display(stats["rate"])
    catalog = (Certificate.objects.filter(batch_id__in=batch_ids).exclude(status=Certificate.Status.APPLIED)
               .values("batch_id").annotate(n=Count("*"), orgs=Count("org", distinct=True)))
    for row in catalog:
        result[row["batch_id"]].update(catalog_certificates=row["n"], catalog_orgs=row["orgs"])
    return result


def batch_fields(batch: SelectionBatch) -> list[dict]:
    """Applied and approved certificates per field (领域), most applied first."""
    rows = (ApplicationCertificate.objects.filter(application__batch=batch).values("field")
            .annotate(applied=Count("*"), approved=Count("pk", filter=Q(outcome=Outcome.APPROVED)))
            .order_by("-applied", "field"))
    return [{**row, "rate": row["approved"] / row["applied"], "rate_display": rate_display(row["approved"] / row["applied"])}
            for row in rows]


def rate_display(rate: float | None) -> str:
    """36.1% (one decimal, as the batch statistics are quoted)."""
    return "" if rate is None else f"{rate * 100:.1f}%"


def applications_visible(actor: Actor, batch: SelectionBatch) -> QuerySet[BatchApplication]:
    """The ministry sees every application of the batch, an org its own; others none of them."""
    if actor.role not in (Role.MINISTRY, Role.ORG):
        raise Forbidden()
    return (scoped(BatchApplication, actor).filter(batch=batch).select_related("org")
            .prefetch_related("certificates__certificate").order_by("applicant_name", "pk"))


def application_items(actor: Actor, batch: SelectionBatch, *, outcome: str = "", query: str = "",
                      field: str = "") -> QuerySet[ApplicationCertificate]:
    """Applied certificates of the batch, one row each, for review: the ministry's work list."""
    if actor.role not in (Role.MINISTRY, Role.ORG):
        raise Forbidden()
    qs = (scoped(ApplicationCertificate, actor).filter(application__batch=batch)
          .select_related("application", "certificate").order_by("application__applicant_name", "pk"))
    if outcome:
        qs = qs.filter(outcome=outcome)
    if field:
        qs = qs.filter(field=field)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(application__applicant_name__icontains=query)
                       | Q(application__credit_code=query.upper()))
    return qs


def application_item_get(actor: Actor, batch: SelectionBatch, pk: int) -> ApplicationCertificate:
    return get_in_scope(ApplicationCertificate.objects.select_related("application__batch", "certificate"), actor,
                        pk=pk, application__batch=batch)


def application_of_org(actor: Actor, batch: SelectionBatch) -> BatchApplication | None:
    """The org actor's own application to ``batch``, if it made one."""
    if actor.role != Role.ORG:
        return None
    return BatchApplication.objects.filter(batch=batch, org_id=actor.scope.org_id).prefetch_related(
        "certificates").first()


def items_awaiting_decision(actor: Actor) -> int:
    """Applied certificates whose public notice has ended but which have no decision yet."""
    if actor.role != Role.MINISTRY:
        return 0
    return ApplicationCertificate.objects.filter(
        outcome=Outcome.SHORTLISTED, notice_until__lt=timezone.localdate(),
        application__batch__status__in=(SelectionBatch.Status.OPEN, SelectionBatch.Status.REVIEWING)).count()


def open_batches() -> QuerySet[SelectionBatch]:
    return SelectionBatch.objects.filter(status=SelectionBatch.Status.OPEN)
