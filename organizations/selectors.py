"""Reads of the organizations app, always through the actor's scope (accounts.scoping)."""

from django.db.models import Max, Q, QuerySet

from accounts.errors import Forbidden, NotInScope
from accounts.models import Role, User
from accounts.scoping import Actor, get_in_scope, require_role, scoped
from organizations.models import Org, OrgAction, OrgSeal

# --- orgs ----------------------------------------------------------------------------------------


def _filtered(qs: QuerySet, *, q: str = "", org_type: str = "", status: str = "", batch_number=None,
              seal: str = "") -> QuerySet:
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__icontains=q.upper()) | Q(code=q))
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
    require_role(actor, Role.MINISTRY)
    qs = scoped(Org, actor).annotate(current_seal_version=Max("seals__version"))
    return _filtered(qs, **filters).order_by("code", "name")


def orgs_public(actor: Actor, **filters) -> QuerySet[Org]:
    """Every org's public facts, for any signed-in user (the API list). Contacts are for
    ``org_private_visible`` callers only."""
    if not actor.user.pk:
        raise NotInScope()
    qs = Org.objects.annotate(current_seal_version=Max("seals__version"))
    return _filtered(qs, **filters).order_by("code", "name")


def org_public_get(actor: Actor, pk: int) -> Org:
    org = orgs_public(actor).filter(pk=pk).first()
    if org is None:
        raise NotInScope()
    return org


def org_get(actor: Actor, pk: int) -> Org:
    """An org's full record: the ministry sees any, an org user only their own (else 404)."""
    return get_in_scope(Org, actor, pk=pk)


def org_own(actor: Actor) -> Org:
    """The org an org user acts for."""
    require_role(actor, Role.ORG)
    return get_in_scope(Org, actor, pk=actor.scope.org_id)


def org_private_visible(actor: Actor, org: Org) -> bool:
    """Whether the actor may see the org's contacts and seal: the ministry and the org itself."""
    return actor.role == Role.MINISTRY or (actor.role == Role.ORG and actor.scope.org_id == org.pk)


def org_latest_action(org: Org) -> OrgAction | None:
    """The supervision action behind the org's current status, for the warning banner."""
    return org.actions.filter(status_after=org.status).order_by("-at", "-pk").first()


def org_staff(actor: Actor, org: Org) -> QuerySet[User]:
    """The accounts of the org's staff (ministry only: it created them)."""
    require_role(actor, Role.MINISTRY)
    return (User.objects.filter(role_bindings__role=Role.ORG, role_bindings__scope_id=org.pk)
            .distinct().order_by("username"))


def orgs_without_seal_count(actor: Actor) -> int:
    """Orgs still in the pilot that have no seal to issue certificates with."""
    require_role(actor, Role.MINISTRY)
    return Org.objects.filter(status__in=[Org.Status.ACTIVE, Org.Status.YELLOW_CARD], seals__isnull=True).count()


# --- seals ---------------------------------------------------------------------------------------


def org_seal_current(org: Org) -> OrgSeal | None:
    """The seal certificates issued now carry: the highest version, or None before any upload.
    Issuance records the returned version on each certificate."""
    return OrgSeal.objects.filter(org=org).order_by("-version").first()


def org_seals_current_many(org_ids) -> dict[int, OrgSeal]:
    """``org_seal_current`` for many orgs in one query (issuance works in chunks across orgs);
    ``None`` means every org."""
    seals = OrgSeal.objects.order_by("org_id", "-version")
    if org_ids is not None:
        seals = seals.filter(org_id__in=list(org_ids))
    current: dict[int, OrgSeal] = {}
    for seal in seals:
        current.setdefault(seal.org_id, seal)
    return current


def org_seal_get(org: Org, version: int) -> OrgSeal:
    """One version of the org's seal: the one a certificate was issued with (raises
    OrgSeal.DoesNotExist for a version the org never had)."""
    return OrgSeal.objects.get(org=org, version=version)


def org_seals(actor: Actor, org: Org) -> QuerySet[OrgSeal]:
    """Every version of the org's seal, newest first, for those who may see seal files."""
    if not org_private_visible(actor, org):
        raise NotInScope()
    return scoped(OrgSeal, actor).filter(org=org).select_related("uploaded_by").order_by("-version")


def org_seal_for_file(actor: Actor, org_pk: int, version: int | None = None) -> OrgSeal:
    """A seal file for the org itself or the ministry; 404 for anyone else and for no seal."""
    org = org_get(actor, org_pk)
    if not org_private_visible(actor, org):
        raise Forbidden()
    seals = org_seals(actor, org)
    seal = seals.first() if version is None else seals.filter(version=version).first()
    if seal is None:
        raise NotInScope()
    return seal
