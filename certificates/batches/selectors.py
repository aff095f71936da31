"""Reads of the selection batches, and what an actor may do with one.

Batch statistics are public (counts only); the applications behind them are the ministry's, and each
org sees its own. ``batch_permissions`` is the one place that decides who may do what with a batch
(the ministry records, imports and reviews applications, closes and publishes; an org applies for
itself); the pages, the API and the services all ask it.
"""

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from accounts.access import Access, Permissions, decides_access
from accounts.models import Role
from accounts.scoping import Actor, get_in_scope, scoped
from certificates.batches.models import ApplicationCertificate, BatchApplication
from certificates.catalog.models import Certificate, SelectionBatch
from core import normalize
from core.errors import Forbidden, NotInScope

Outcome = ApplicationCertificate.Outcome

MINISTRY_ACTIONS = ("view_applications", "record_application", "import_applications", "review", "close",
                    "publish")
ORG_ACTIONS = ("view_applications", "apply")


def batches_access(actor: Actor | None) -> Permissions:
    """What ``actor`` may do with the selection batches as a whole (the list page: open a new one)."""
    return Permissions(("open",) if actor is not None and actor.role == Role.MINISTRY else ())


def batch_permissions(actor: Actor | None, batch: SelectionBatch) -> Permissions:
    """What ``actor`` may do with ``batch``: the ministry runs the selection, an org applies online
    for itself (whether the batch still takes applications is the services' rule, with its message)."""
    role = actor.role if actor is not None else None
    if role == Role.MINISTRY:
        return Permissions(MINISTRY_ACTIONS)
    if role == Role.ORG:
        return Permissions(ORG_ACTIONS)
    return Permissions()


def batch_access(actor: Actor, number: int) -> Access[SelectionBatch]:
    """A batch by its number (public: 404 only when there is none) with what ``actor`` may do with it."""
    batch = batch_get(number)
    return Access(batch, may=batch_permissions(actor, batch))


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
    if "view_applications" not in batch_permissions(actor, batch):
        raise Forbidden()
    return (scoped(BatchApplication, actor).filter(batch=batch).select_related("org")
            .prefetch_related("certificates__certificate").order_by("applicant_name", "pk"))


def application_items(actor: Actor, batch: SelectionBatch, *, outcome: str = "", query: str = "",
                      field: str = "") -> QuerySet[ApplicationCertificate]:
    """Applied certificates of the batch, one row each, for review: the ministry's work list."""
    if "view_applications" not in batch_permissions(actor, batch):
        raise Forbidden()
    qs = (scoped(ApplicationCertificate, actor).filter(application__batch=batch)
          .select_related("application", "certificate").order_by("application__applicant_name", "pk"))
    if outcome:
        qs = qs.filter(outcome=outcome)
    if field:
        qs = qs.filter(field=field)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(application__applicant_name__icontains=query)
                       | Q(application__credit_code=normalize.code(query)))
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


# The one decision per object, as the access matrix test asks it (accounts.access).
decides_access(SelectionBatch)(lambda actor, obj: batch_access(actor, obj.number))
