"""Reads of the institution registry, always through the actor's scope, and the one place that
decides what an actor may do on the registry pages (``registry_access``) and with one institution
(``institution_access``)."""

from django.db.models import Q, QuerySet

from accounts.access import Access, Permissions, decides_access
from accounts.models import Role, RoleBinding
from accounts.personal_data import relations_of
from accounts.scoping import Actor, get_in_scope, scoped
from core import normalize
from organizations.institutions.models import Alliance, Institution

# --- who may do what -----------------------------------------------------------------------------


def _keeps_registry(actor: Actor) -> bool:
    """The provincial department keeps its province's registry: it registers, edits and files."""
    return actor.role == Role.PROVINCE


def registry_access(actor: Actor) -> Permissions:
    """The registry pages (院校名录): the ministry reads every province's (and filters by province), a
    provincial department and its pilot agency read their own; the department registers its
    province's institutions. Other roles have no registry pages (403)."""
    if actor.role == Role.MINISTRY:
        return Permissions({"read", "filter_by_province"})
    if _keeps_registry(actor):
        return Permissions({"read", "create"})
    if actor.role == Role.PROVINCE_AGENCY:
        return Permissions({"read"})
    return Permissions()


def institution_access_of(actor: Actor, institution: Institution) -> Access[Institution]:
    """What ``actor`` may do with ``institution``, which the caller already holds: the provincial
    department of its province edits it, creates its accounts and files for it."""
    may = set()
    if _keeps_registry(actor) and institution.province_id == actor.province_code:
        may |= {"edit", "create_account", "file"}
    return Access(institution, relations_of(actor, institution_id=institution.pk), Permissions(may))


def institution_access(actor: Actor, pk: int) -> Access[Institution]:
    """One institution inside the actor's scope (404 outside it), with what the actor may do."""
    return institution_access_of(actor, get_in_scope(Institution.objects.select_related("province", "alliance"),
                                                      actor, pk=pk))


# --- reads ---------------------------------------------------------------------------------------


def institutions_matching(qs: QuerySet[Institution], text: str) -> QuerySet[Institution]:
    """The institutions of ``qs`` matching ``text`` by name, school code or city."""
    return qs.filter(Q(name__icontains=text) | Q(school_code__startswith=normalize.code(text)) | Q(city__icontains=text))


def institutions_visible(actor: Actor, *, query: str = "", institution_type: str = "",
                         province: str = "") -> QuerySet[Institution]:
    """The ministry sees every institution; a province its own; an institution (or alliance) itself
    (its members); an org none."""
    qs = scoped(Institution.objects.select_related("province", "alliance"), actor)
    if query:
        qs = institutions_matching(qs, query)
    if institution_type:
        qs = qs.filter(institution_type=institution_type)
    if province:
        qs = qs.filter(province_id=province)
    return qs.order_by("province__sort_order", "province_id", "name")


def institutions_fileable(actor: Actor) -> QuerySet[Institution]:
    """The institutions this actor may file for: a province's own; nobody else's."""
    if not _keeps_registry(actor):
        return Institution.objects.none()
    return Institution.objects.filter(province_id=actor.province_code).order_by("name")


def alliances_of_province(actor: Actor) -> QuerySet[Alliance]:
    if not actor.province_code:
        return Alliance.objects.none()
    return scoped(Alliance, actor).filter(province_id=actor.province_code).order_by("name")


def institution_accounts(actor: Actor, institution: Institution) -> list[Access[RoleBinding]]:
    """The accounts bound to an institution, shown to whoever may see the institution (names
    through the personal-data policy)."""
    institution_access(actor, institution.pk)
    bindings = RoleBinding.objects.filter(role=Role.INSTITUTION, scope_id=institution.pk).select_related("user")
    return [Access(b, relations_of(actor, institution_id=institution.pk, creator_id=b.user.created_by_id))
            for b in bindings]


# The one decision per object, as the access matrix test asks it (accounts.access).
decides_access(Institution)(lambda actor, obj: institution_access(actor, obj.pk))
