"""The one mechanism that enforces scope (design rule 2).

Every scoped model declares ``scope_paths``: for each scope kind it can be seen in, the lookup
path from the model to the scope value (a province code, an org id, an institution id, a person
id). An actor sees the rows whose path matches its scope; the ministry sees every row. A model
without a path for a kind is invisible to that kind. ``scope_writers`` names the roles that may
change a row they can see; others get 403 on writes.

Scopes that need higher layers (the member institutions of an alliance, the display names of
orgs and institutions) are resolved through hooks those layers register here; accounts never
imports upward.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Model, Q, QuerySet

from accounts.models import ROLE_SCOPE_KIND, Role, RoleBinding, ScopeKind, User
from core.errors import Forbidden, NotInScope

_alliance_members: list[Callable[[int], Iterable[int]]] = []
_scope_labels: dict[str, Callable[[int], str]] = {}


def register_alliance_members(resolver: Callable[[int], Iterable[int]]) -> None:
    """Hook for the layer that owns alliances: alliance id -> member institution ids."""
    _alliance_members.append(resolver)


def register_scope_label(role: str, resolver: Callable[[int], str]) -> None:
    """Hook for the layer that owns a role's scope objects: scope id -> display name."""
    _scope_labels[role] = resolver


@dataclass(frozen=True)
class Scope:
    kind: str
    province_code: str | None = None
    org_id: int | None = None
    institution_ids: frozenset[int] = field(default_factory=frozenset)
    person_id: int | None = None

    @property
    def is_national(self) -> bool:
        return self.kind == ScopeKind.NATIONAL


NO_SCOPE = Scope(kind="none")


@dataclass(frozen=True)
class Actor:
    """A signed-in user acting in one of their role bindings."""

    user: User
    binding: RoleBinding | None

    @property
    def role(self) -> str | None:
        return self.binding.role if self.binding else None

    @property
    def role_label(self) -> str:
        return self.binding.get_role_display() if self.binding else ""

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def province_code(self) -> str | None:
        return self.binding.province_id if self.binding else None

    @property
    def scope(self) -> Scope:
        cached = getattr(self, "_scope", None)
        if cached is None:
            cached = _scope_of(self.user, self.binding)
            object.__setattr__(self, "_scope", cached)
        return cached

    @property
    def scope_label(self) -> str:
        return scope_label(self.binding) if self.binding else ""


def _scope_of(user: User, binding: RoleBinding | None) -> Scope:
    if binding is None or not user.is_active:
        return NO_SCOPE
    kind = ROLE_SCOPE_KIND[binding.role]
    if kind == ScopeKind.NATIONAL:
        return Scope(kind=kind)
    if kind == ScopeKind.PROVINCE:
        return Scope(kind=kind, province_code=binding.province_id)
    if kind == ScopeKind.ORG:
        return Scope(kind=kind, org_id=binding.scope_id)
    if kind == ScopeKind.INSTITUTION:
        if binding.role == Role.ALLIANCE:
            ids = {i for resolver in _alliance_members for i in resolver(binding.scope_id)}
        else:
            ids = {binding.scope_id}
        return Scope(kind=kind, institution_ids=frozenset(ids))
    if kind == ScopeKind.PERSON:
        return Scope(kind=kind, person_id=user.person_id)
    return NO_SCOPE


def scope_label(binding: RoleBinding) -> str:
    if binding.role in _scope_labels and binding.scope_id is not None:
        return _scope_labels[binding.role](binding.scope_id)
    if binding.province_id:
        return binding.province.name
    if binding.role == Role.MINISTRY:
        return str(Role.MINISTRY.label)
    return binding.user.full_name or binding.user.username


def anonymous_actor() -> Actor:
    return Actor(user=User(is_active=False), binding=None)


def actor_for(user: User, binding_id: int | None = None) -> Actor:
    """The actor for a user: the chosen binding if it is theirs, else their first binding."""
    if not user.is_authenticated:
        return anonymous_actor()
    bindings = list(user.role_bindings.select_related("province").order_by("pk"))
    chosen = next((b for b in bindings if b.pk == binding_id), bindings[0] if bindings else None)
    return Actor(user=user, binding=chosen)


def scope_q(model: type[Model], actor: Actor) -> Q | None:
    """The filter that limits ``model`` to what ``actor`` may see; None means everything."""
    scope = actor.scope
    if scope.is_national:
        return None
    paths = getattr(model, "scope_paths", {})
    path = paths.get(scope.kind)
    if path is None:
        return Q(pk__in=[])
    if scope.kind == ScopeKind.PROVINCE:
        return Q(**{path: scope.province_code})
    if scope.kind == ScopeKind.ORG:
        return Q(**{path: scope.org_id})
    if scope.kind == ScopeKind.INSTITUTION:
        return Q(**{f"{path}__in": sorted(scope.institution_ids)})
    if scope.kind == ScopeKind.PERSON:
        return Q(**{path: scope.person_id}) if scope.person_id else Q(pk__in=[])
    return Q(pk__in=[])


def scoped(queryset: QuerySet | type[Model], actor: Actor) -> QuerySet:
    """``queryset`` limited to the actor's scope. Every read of scoped data goes through here."""
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    condition = scope_q(qs.model, actor)
    if condition is None:
        return qs
    qs = qs.filter(condition)
    # A model whose scope path crosses a to-many relation sets scope_distinct, or rows repeat.
    return qs.distinct() if getattr(qs.model, "scope_distinct", False) else qs


def get_in_scope(queryset: QuerySet | type[Model], actor: Actor, *, for_write: bool = False, **lookup):
    """One object inside the actor's scope: 404 (NotInScope) outside it, 403 on a write by a
    role that may only read it."""
    obj = scoped(queryset, actor).filter(**lookup).first()
    if obj is None:
        raise NotInScope()
    if for_write:
        require_write(obj, actor)
    return obj


def require_write(obj: Model, actor: Actor) -> None:
    writers = getattr(type(obj), "scope_writers", ())
    if actor.role not in writers:
        raise Forbidden()

