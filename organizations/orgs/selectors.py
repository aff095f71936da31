"""Reads of the org registry, always through the actor's scope (accounts.scoping), and the one place
that decides what an actor may do with an org (``org_access``) and on the registry pages
(``registry_access``). Views, API views, templates and services read those flags; contacts and
seal images are shown through the personal-data policy (``org_contact``, ``seal``)."""

from collections.abc import Iterable

from django.db.models import Count, Max, Q, QuerySet

from accounts.access import Access, Permissions, decides_access
from accounts.models import Role, User
from accounts.personal_data import Field, Relation, Shown, relations_of
from accounts.scoping import Actor, get_in_scope, scoped
from core import normalize
from core.errors import Forbidden, NotInScope
from organizations.orgs.models import Org

# --- who may do what -----------------------------------------------------------------------------

def registry_access(actor: Actor) -> Permissions:
    """The registry pages: the ministry reads the registry (and its export), registers orgs and
    is told which orgs still lack a seal; every other role has no registry (403)."""
    if actor.role == Role.MINISTRY:
        return Permissions({"read", "create"})
    return Permissions()


def org_access_of(actor: Actor, org: Org) -> Access[Org]:
    """What ``actor`` may do with ``org``, which the caller already holds: the ministry edits the
    registry record, creates the org's accounts, reads their list and takes supervision actions;
    the org itself uploads its seal. Contacts and seals follow the personal-data policy."""
    relations = relations_of(actor, org_id=org.pk)
    may = set()
    if actor.role == Role.MINISTRY:
        may |= {"edit", "create_account", "read_staff", "supervise"}
    if Relation.ORG in relations:
        may.add("upload_seal")
    return Access(org, relations, Permissions(may))


def org_access(actor: Actor, pk: int) -> Access[Org]:
    """An org's full record inside the actor's scope (the ministry any, an org user only its own;
    404 for everyone else), with what the actor may do with it."""
    return org_access_of(actor, get_in_scope(Org, actor, pk=pk))


def org_rows(actor: Actor, orgs: Iterable[Org]) -> list[Access[Org]]:
    """``org_access_of`` for each org of a list page or export: no query of its own."""
    return [org_access_of(actor, org) for org in orgs]


def org_public_access(actor: Actor, pk: int) -> Access[Org]:
    """Any org as a signed-in user may read it (its public facts; contacts through the policy)."""
    org = orgs_public(actor).filter(pk=pk).first()
    if org is None:
        raise NotInScope()
    return org_access_of(actor, org)


def shows_record(access: Access[Org]) -> bool:
    """Whether the registry record (credit code, contacts, address, website, dates) goes with the
    org to this actor: to whom the policy shows the org's contacts, the org itself and the ministry."""
    return access.shown(Field.ORG_CONTACT) == Shown.FULL


# --- reads ---------------------------------------------------------------------------------------

def orgs_matching(qs: QuerySet[Org], text: str) -> QuerySet[Org]:
    """The orgs of ``qs`` matching ``text`` by name, credit code or portal code."""
    return qs.filter(Q(name__icontains=text) | Q(credit_code__icontains=normalize.code(text)) | Q(code=normalize.code(text)))


def _filtered(qs: QuerySet, *, q: str = "", org_type: str = "", status: str = "", batch_number=None,
              seal: str = "") -> QuerySet:
    q = (q or "").strip()
    if q:
        qs = orgs_matching(qs, q)
    if org_type:
        qs = qs.filter(org_type=org_type)
    if status:
        qs = qs.filter(status=status)
    if batch_number not in (None, ""):
        qs = qs.filter(batch_number=batch_number)
    if seal == "yes":
        qs = qs.filter(current_seal_version__isnull=False)
    elif seal == "no":
        qs = qs.filter(current_seal_version__isnull=True)
    return qs


def orgs_registry(actor: Actor, **filters) -> QuerySet[Org]:
    """The ministry's org registry, with each org's current seal version."""
    if "read" not in registry_access(actor):
        raise Forbidden()
    qs = scoped(Org, actor).annotate(current_seal_version=Max("seals__version"))
    return _filtered(qs, **filters).order_by("code", "name")


def orgs_public(actor: Actor, **filters) -> QuerySet[Org]:
    """Every org's public facts, for any signed-in user (the API list). The registry record goes
    only with an ``org_access`` that ``shows_record``."""
    if not actor.user.pk:
        raise NotInScope()
    qs = Org.objects.annotate(current_seal_version=Max("seals__version"))
    return _filtered(qs, **filters).order_by("code", "name")


def orgs_status_public(*, status: str = "") -> QuerySet[Org]:
    """Every org of the pilot with its current status and the date it took it, for anyone (the
    public home and its org list). The status is the one the ministry's supervision actions set
    (organizations.supervision): read here, never decided again. Public facts only: name, type,
    batch, status and date — no credit code, contacts or address."""
    qs = Org.objects.only("name", "org_type", "batch_number", "status", "status_changed_at")
    if status in Org.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("batch_number", "name")


def org_status_counts_public() -> dict[str, int]:
    """How many orgs are in each status (every status present, zero included)."""
    counts = dict(Org.objects.values_list("status").annotate(n=Count("*")).order_by())
    return {value: counts.get(value, 0) for value in Org.Status.values}


def orgs_recently_sanctioned(limit: int = 10) -> QuerySet[Org]:
    """The orgs under a yellow card or delisted, latest decision first (the public home's list)."""
    return (orgs_status_public().filter(status__in=(Org.Status.YELLOW_CARD, Org.Status.DELISTED))
            .order_by("-status_changed_at", "name")[:limit])


def org_get(actor: Actor, pk: int) -> Org:
    """An org's full record: the ministry sees any, an org user only their own (else 404)."""
    return get_in_scope(Org, actor, pk=pk)


def org_own(actor: Actor) -> Org:
    """The org an org user acts for (403 for every other role)."""
    if actor.role != Role.ORG:
        raise Forbidden()
    return get_in_scope(Org, actor, pk=actor.scope.org_id)


def org_staff(actor: Actor, org: Org) -> list[Access[User]]:
    """The accounts of the org's staff, for those who may read them (the ministry). Each account's
    phone and e-mail are shown to whoever created it (personal-data policy)."""
    org_access_of(actor, org).require("read_staff")
    users = (User.objects.filter(role_bindings__role=Role.ORG, role_bindings__scope_id=org.pk)
             .distinct().order_by("username"))
    return [Access(user, relations_of(actor, org_id=org.pk, creator_id=user.created_by_id)) for user in users]


# The one decision per object, as the access matrix test asks it (accounts.access).
decides_access(Org)(lambda actor, obj: org_access(actor, obj.pk))
