from django.db.models import QuerySet

from accounts.identity import mask_id_number
from accounts.models import Role
from accounts.scoping import Actor, get_in_scope, scoped
from assessments.models import Registration
from assessments.sessions.selectors import _require_reader


def registrations_visible(actor: Actor) -> QuerySet[Registration]:
    _require_reader(actor)
    return scoped(Registration.objects.select_related("person", "institution", "session__site", "session__certificate",
                                                      "session__org", "result"), actor)


def registration_get(actor: Actor, pk: int) -> Registration:
    return get_in_scope(registrations_visible(actor), actor, pk=pk)


def shows_full_id(actor: Actor, registration: Registration) -> bool:
    """In full to the person, the institution that registered them and the org assessing them."""
    if actor.role == Role.STUDENT:
        return registration.person_id == actor.scope.person_id
    if actor.role == Role.INSTITUTION:
        return registration.institution_id is not None and registration.institution_id == actor.binding.scope_id
    if actor.role == Role.ORG:
        return registration.org_id == actor.scope.org_id
    return False


def id_display(actor: Actor, registration: Registration) -> str:
    number = registration.person.id_number
    return number if shows_full_id(actor, registration) else mask_id_number(number)


def ticket_number(registration: Registration) -> str:
    """The admission ticket number (准考证号): date, site code and registration number."""
    session = registration.session
    return f"{session.date:%Y%m%d}{session.site.code}{registration.pk:08d}"


def may_download_ticket(actor: Actor, registration: Registration) -> bool:
    if registration.status != Registration.Status.REGISTERED:
        return False
    if actor.role == Role.STUDENT:
        return registration.person_id == actor.scope.person_id
    if actor.role == Role.INSTITUTION:
        return registration.institution_id is not None and registration.institution_id == actor.binding.scope_id
    return False


def name_mismatch_count(actor: Actor) -> int:
    if actor.role != Role.INSTITUTION:
        return 0
    return registrations_visible(actor).filter(name_mismatch=True, status=Registration.Status.REGISTERED).count()
