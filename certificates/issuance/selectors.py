"""Reads of issued certificates, issuance requests and paper copies, always through the scope helper."""

from django.db.models import Count, Max, Min, Q

from accounts.scoping import Actor, get_in_scope, scoped
from certificates.issuance.models import IssuanceRequest, IssuedCertificate
from organizations.seals.models import OrgSeal
from organizations.seals.selectors import org_seals_current_many


def org_seals_current(org_ids) -> dict[int, OrgSeal]:
    """The current seal of each org (the organizations layer owns seal versions)."""
    return org_seals_current_many(org_ids)


def issued_list(*, actor: Actor, query: str = "", status: str = ""):
    qs = scoped(IssuedCertificate, actor).select_related("certificate", "org", "institution")
    if query:
        qs = qs.filter(Q(number__iexact=query) | Q(holder_name__icontains=query) | Q(certificate__name__icontains=query))
    if status in IssuedCertificate.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("-issued_on", "-pk")


def issued_get(*, actor: Actor, number: str, for_write: bool = False) -> IssuedCertificate:
    return get_in_scope(IssuedCertificate.objects.select_related("certificate", "org", "seal", "person"), actor,
                        for_write=for_write, number=number)


def issuance_batches(*, actor: Actor):
    """One row per finalized assessment session (per org): how many of its passes are issued."""
    return (scoped(IssuanceRequest, actor).values("session_id", "org_id", "org__name", "certificate__name")
            .annotate(total=Count("*"), issued=Count("pk", filter=Q(status="issued")),
                      duplicate=Count("pk", filter=Q(status="duplicate")),
                      blocked=Count("pk", filter=Q(status="blocked")), failed=Count("pk", filter=Q(status="failed")),
                      pending=Count("pk", filter=Q(status="pending")), created=Min("created_at"),
                      finished=Max("processed_at"))
            .order_by("-created", "-session_id"))


def issuance_queue(*, actor: Actor):
    """The ministry's view of the queue: per org, what waits and since when."""
    return (scoped(IssuanceRequest, actor).exclude(status__in=["issued", "duplicate"])
            .values("org_id", "org__name", "status")
            .annotate(n=Count("*"), oldest=Min("created_at")).order_by("org__name", "status"))


def issuance_waiting(*, actor: Actor, status: str = ""):
    """Passed but without a certificate yet (pending, blocked or failed), with the reason."""
    qs = (scoped(IssuanceRequest, actor).filter(status__in=["pending", "blocked", "failed"])
          .select_related("certificate", "org", "institution"))
    if status in ("pending", "blocked", "failed"):
        qs = qs.filter(status=status)
    return qs.order_by("created_at", "pk")


def issuance_request_get(*, actor: Actor, pk: int, for_write: bool = False) -> IssuanceRequest:
    return get_in_scope(IssuanceRequest, actor, pk=pk)
