"""Reads of the institution registry, always through the actor's scope."""

from django.db.models import Q, QuerySet

from accounts.models import Role, RoleBinding
from accounts.scoping import Actor, get_in_scope, scoped
from organizations.institutions.models import Alliance, Institution


def institutions_visible(actor: Actor, *, query: str = "", institution_type: str = "",
                         province: str = "") -> QuerySet[Institution]:
    """The ministry sees every institution; a province its own; an institution (or alliance) itself
    (its members); an org none."""
    qs = scoped(Institution.objects.select_related("province", "alliance"), actor)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(school_code__startswith=query) | Q(city__icontains=query))
    if institution_type:
        qs = qs.filter(institution_type=institution_type)
    if province:
        qs = qs.filter(province_id=province)
    return qs.order_by("province__sort_order", "province_id", "name")


def institution_get(actor: Actor, pk: int, *, for_write: bool = False) -> Institution:
    return get_in_scope(Institution.objects.select_related("province", "alliance"), actor, for_write=for_write,
                        pk=pk)


def institutions_fileable(actor: Actor) -> QuerySet[Institution]:
    """The institutions this actor may file for: a province's own; nobody else's."""
    if actor.role != Role.PROVINCE:
        return Institution.objects.none()
    return Institution.objects.filter(province_id=actor.province_code).order_by("name")


def alliances_of_province(actor: Actor) -> QuerySet[Alliance]:
    if not actor.province_code:
        return Alliance.objects.none()
    return scoped(Alliance, actor).filter(province_id=actor.province_code).order_by("name")


def institution_accounts(actor: Actor, institution: Institution) -> QuerySet[RoleBinding]:
    """The accounts bound to an institution, shown to whoever may see the institution."""
    institution_get(actor, institution.pk)
    return RoleBinding.objects.filter(role=Role.INSTITUTION, scope_id=institution.pk).select_related("user")
