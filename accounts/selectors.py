"""Reads of the accounts app, always through the actor's scope."""

from django.db.models import Q, QuerySet

from accounts.models import AuditEntry, Role, User
from accounts.scoping import Actor, get_in_scope
from accounts.services import CREATABLE_ROLES
from core.errors import Forbidden


def users_manageable(actor: Actor) -> QuerySet[User]:
    """The accounts this actor administers: the ministry its provincial and org staff (and its own
    colleagues), a province the accounts of its institutions and alliances."""
    roles = CREATABLE_ROLES.get(actor.role)
    if not roles:
        raise Forbidden()
    condition = Q(role_bindings__role__in=roles)
    if actor.role == Role.PROVINCE:
        condition &= Q(role_bindings__province_id=actor.province_code)
    ids = User.objects.filter(condition).values("pk")
    return User.objects.filter(pk__in=ids).prefetch_related("role_bindings__province").order_by("username")


def user_manageable_get(actor: Actor, pk: int) -> User:
    return get_in_scope(users_manageable(actor), actor, pk=pk)


def audit_entries(actor: Actor, *, action: str = "", object_type: str = "", actor_name: str = "",
                  date_from=None, date_to=None, province: str = "") -> QuerySet[AuditEntry]:
    if actor.role != Role.MINISTRY:
        raise Forbidden()
    qs = AuditEntry.objects.select_related("actor", "province")
    if action:
        qs = qs.filter(action__startswith=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if actor_name:
        qs = qs.filter(Q(actor__username__icontains=actor_name) | Q(actor__full_name__icontains=actor_name))
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    if province:
        qs = qs.filter(province_id=province)
    return qs
