"""Reads of the organizations app, always through the actor's scope (accounts.scoping)."""

from django.db.models import Max, Q, QuerySet

from accounts.models import Role, User
from accounts.scoping import Actor, get_in_scope, require_role, scoped
from core.errors import NotInScope
from organizations.orgs.models import Org


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


def org_staff(actor: Actor, org: Org) -> QuerySet[User]:
    """The accounts of the org's staff (ministry only: it created them)."""
    require_role(actor, Role.MINISTRY)
    return (User.objects.filter(role_bindings__role=Role.ORG, role_bindings__scope_id=org.pk)
            .distinct().order_by("username"))
