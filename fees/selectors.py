"""Reads of the fees app, scoped to the actor."""

from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from accounts.errors import NotInScope
from accounts.models import Role
from accounts.scoping import Actor, get_in_scope, scoped
from fees.models import CostCap, FeeStandard, FeeThread


def threads_visible(actor: Actor) -> QuerySet[FeeThread]:
    """The ministry all; a province (department or agency) its own; an org its own; an institution
    alliance, which negotiates for the province's institutions, the threads of its province."""
    base = FeeThread.objects.select_related("certificate", "province", "org").annotate(
        version_count=Count("versions"), last_version_at=Max("versions__created_at"))
    if actor.role == Role.ALLIANCE:
        return base.filter(province_id=actor.province_code)
    return scoped(base, actor)


def thread_get(actor: Actor, pk: int) -> FeeThread:
    thread = threads_visible(actor).filter(pk=pk).first()
    if thread is None:
        raise NotInScope()
    return thread


def thread_versions(thread: FeeThread) -> list:
    """Versions with their items keyed by cost item, and which items differ from the version before."""
    versions = list(thread.versions.select_related("author").prefetch_related("items"))
    previous = {}
    for version in versions:
        version.item_map = {i.item: i for i in version.items.all()}
        version.changed = {key for key in set(previous) | set(version.item_map)
                           if (previous.get(key).amount if key in previous else None)
                           != (version.item_map.get(key).amount if key in version.item_map else None)}
        previous = version.item_map
    return versions


def threads_waiting(actor: Actor):
    """Proposals waiting for verification, oldest first, with how many days they have waited."""
    today = timezone.localdate()
    rows = threads_visible(actor).filter(status=FeeThread.Status.NEGOTIATING).order_by("opened_at")
    for thread in rows:
        thread.waiting_days = (today - timezone.localdate(thread.opened_at)).days
        yield thread


def standards_public(*, province: str = "", certificate: str = "", current_only: bool = True) -> QuerySet[FeeStandard]:
    """Verified standards are published: institutions, orgs and the public read them."""
    qs = FeeStandard.objects.select_related("certificate", "province", "org")
    if current_only:
        qs = qs.filter(effective_until__isnull=True)
    if province:
        qs = qs.filter(province_id=province)
    if certificate:
        qs = qs.filter(certificate__name__icontains=certificate) | qs.filter(certificate__code=certificate)
    return qs


def caps_all() -> QuerySet[CostCap]:
    return CostCap.objects.all()


def standard_get(actor: Actor, pk: int) -> FeeStandard:
    return get_in_scope(FeeStandard, actor, pk=pk)
