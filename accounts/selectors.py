"""Reads of the accounts app, always through the actor's scope, and the one place that decides what
an actor may do on the account pages (``account_admin_access``) and see of one account
(``user_manageable_get``: its phone and e-mail only to the person and to the account's creator,
as accounts.personal_data says)."""

from django.db.models import Q, QuerySet

from accounts.access import Access, Permissions
from accounts.audit_display import actions_matching
from accounts.models import CREATABLE_ROLES, AuditEntry, Role, User
from accounts.personal_data import Relation, relations_of
from accounts.scoping import Actor, get_in_scope


def account_admin_access(actor: Actor) -> Access[None]:
    """What ``actor`` may open on the account pages (403 through ``require`` otherwise):

    - ``manage``: the accounts it administers (the ministry: provincial, agency, org staff and its
      colleagues; a province: its institutions and alliances);
    - ``create_staff``: the form for new staff accounts (the ministry);
    - ``audit``: the audit log (the ministry).
    """
    may = set()
    if CREATABLE_ROLES.get(actor.role):
        may.add("manage")
    if actor.role == Role.MINISTRY:
        may |= {"create_staff", "audit"}
    return Access(obj=None, may=Permissions(may))


def users_manageable(actor: Actor) -> QuerySet[User]:
    """The accounts this actor administers: the ministry its provincial and org staff (and its own
    colleagues), a province the accounts of its institutions and alliances."""
    account_admin_access(actor).require("manage")
    roles = CREATABLE_ROLES[actor.role]
    condition = Q(role_bindings__role__in=roles)
    if actor.role == Role.PROVINCE:
        condition &= Q(role_bindings__province_id=actor.province_code)
    ids = User.objects.filter(condition).values("pk")
    return User.objects.filter(pk__in=ids).prefetch_related("role_bindings__province").order_by("username")


def account_relations(actor: Actor, user: User) -> frozenset[Relation]:
    """How ``actor`` stands to the person whose account ``user`` is: the person themself, the
    account's creator, or in its role's relation (ministry, province…)."""
    relations = set(relations_of(actor, person_id=user.person_id, creator_id=user.created_by_id))
    if actor.user.pk is not None and actor.user.pk == user.pk:
        relations = (relations - {Relation.OTHER}) | {Relation.SELF}
    return frozenset(relations)


def user_manageable_get(actor: Actor, pk: int) -> Access[User]:
    """An account the actor administers (403 for a role that administers none, 404 for an account
    outside its scope), with what of it the actor may see."""
    user = get_in_scope(users_manageable(actor).select_related("created_by"), actor, pk=pk)
    return Access(obj=user, relations=account_relations(actor, user), may=Permissions({"manage"}))


def audit_entries(actor: Actor, *, action: str = "", search: str = "", object_type: str = "", actor_name: str = "",
                  date_from=None, date_to=None, province: str = "") -> QuerySet[AuditEntry]:
    """``action``: one action code; ``search``: text in the action's name (in the reader's language),
    the object or the note."""
    account_admin_access(actor).require("audit")
    qs = AuditEntry.objects.select_related("actor", "province")
    if action:
        qs = qs.filter(action=action)
    if search:
        qs = qs.filter(Q(action__in=actions_matching(search)) | Q(object_repr__icontains=search)
                       | Q(note__icontains=search))
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
