"""Reads of registrations (报名), through the actor's scope, and the one place that decides what an
actor may do with a registration and see of it (``registration_access``): the ID number, the
admission ticket and the score go through the personal-data policy (accounts.personal_data) with
the actor's relations to the candidate; scores are released when the session is finalized.
Results sit above this feature and ask this decision for the operations on a registration's score.
"""

from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.access import Access, Permissions, decides_access
from accounts.models import Role
from accounts.personal_data import Field, Shown, relations_of, shown
from accounts.scoping import Actor, get_in_scope, scoped
from assessments.models import Registration
from assessments.sessions.selectors import FINALIZED, sessions_page_access
from core.errors import Forbidden
from organizations.institutions.models import Enrolment

Channel = Registration.Channel


def registrations_visible(actor: Actor) -> QuerySet[Registration]:
    if not sessions_page_access(actor).read:
        raise Forbidden()
    return scoped(Registration.objects.select_related(
        "person", "institution", "session__site__province", "session__certificate", "session__org", "result"), actor)


def registration_access_of(actor: Actor, registration: Registration) -> Access[Registration]:
    """The decision for a registration already in scope; no query (the relations come from the
    ids on the row, the release from its session's status):

    - "cancel": whoever registered the candidate (their institution; a social learner themself);
    - "confirm_name", "reissue_code", "see_account": the institution that registered them;
    - "download_ticket": whom the policy gives the admission ticket (the candidate, their
      institution), while the registration stands;
    - "request_review": the candidate;
    - "enter_score", "amend_score": the org assessing them.
    """
    relations = relations_of(actor, person_id=registration.person_id, institution_id=registration.institution_id,
                             org_id=registration.org_id)
    role = actor.role
    may = set()
    by_institution = (role == Role.INSTITUTION and registration.channel == Channel.INSTITUTION
                      and registration.institution_id == actor.binding.scope_id)
    by_themself = (role == Role.STUDENT and registration.channel == Channel.SELF
                   and registration.person_id == actor.scope.person_id)
    if by_institution or by_themself:
        may.add("cancel")
    if by_institution:
        may.update({"confirm_name", "reissue_code", "see_account"})
    if (registration.status == Registration.Status.REGISTERED
            and shown(Field.ADMISSION_TICKET, relations) == Shown.FULL):
        may.add("download_ticket")
    if role == Role.STUDENT and registration.person_id == actor.scope.person_id:
        may.add("request_review")
    if role == Role.ORG and registration.org_id == actor.scope.org_id:
        may.update({"enter_score", "amend_score"})
    return Access(registration, relations=relations, may=Permissions(may),
                  released=registration.session.status == FINALIZED)


def registration_access(actor: Actor, pk: int) -> Access[Registration]:
    """One registration in the actor's scope (404 outside it) and what the actor may do and see."""
    return registration_access_of(actor, get_in_scope(registrations_visible(actor), actor, pk=pk))


def registration_accesses(actor: Actor, registrations: Iterable[Registration]) -> Iterator[Access[Registration]]:
    """The same decision for each registration of a list or an export (already in scope)."""
    for registration in registrations:
        yield registration_access_of(actor, registration)


def scores_before_release(actor: Actor) -> bool:
    """Whether the actor sees scores of sessions not yet finalized. The policy shows a score before
    release only to the org assessing the candidate, and every result in an org's scope is its own."""
    relations = relations_of(actor, org_id=actor.scope.org_id)
    return shown(Field.SCORE, relations, released=False) == Shown.FULL


def shown_result(access: Access[Registration]):
    """The registration's result if the actor may see its score (the policy), else None."""
    result = getattr(access.obj, "result", None)
    if result is None or access.show(Field.SCORE, result.score) is None:
        return None
    return result


def registration_rows(actor: Actor, registrations: Iterable[Registration]) -> Iterator[dict]:
    """Rows for a list page: the registration, its access, the ID number and the result as the
    personal-data policy lets the actor see them."""
    for access in registration_accesses(actor, registrations):
        yield {"r": access.obj, "access": access, "id_number": access.show(Field.ID_NUMBER, access.obj.person.id_number),
               "result": shown_result(access)}


def admission_ticket(access: Access[Registration]) -> dict:
    """What the admission ticket (准考证) prints, for whom the policy gives it; 403 otherwise."""
    registration = access.require("download_ticket", _("只有考生本人和报名院校可以下载准考证（已取消的报名没有准考证）。"))
    session, person, site = registration.session, registration.person, registration.session.site
    return {"number": registration.ticket_number, "name": person.name, "id_type": person.get_id_type_display(),
            "id_number": access.show(Field.ID_NUMBER, person.id_number),
            "institution": registration.institution.name if registration.institution else "",
            "major": registration.major_name, "certificate": session.certificate.name,
            "level": session.get_level_display(), "assessment_type": session.get_assessment_type_display(),
            "date": session.date, "start_time": session.start_time, "site": site.name, "site_code": site.code,
            "site_address": f"{site.province.name}{site.city}{site.address}", "org": session.org.name}


def is_institution_student(person_id: int | None) -> bool:
    """A student of an institution: enrolled there (学籍), or registered by it for an assessment.
    Only the others (social learners) register themselves."""
    if person_id is None:
        return False
    return Enrolment.objects.filter(person_id=person_id).exists() or Registration.objects.filter(
        person_id=person_id, channel=Channel.INSTITUTION).exists()


def name_mismatch_count(actor: Actor) -> int:
    if not sessions_page_access(actor).register:
        return 0
    return registrations_visible(actor).filter(name_mismatch=True, status=Registration.Status.REGISTERED).count()


# The one decision per object, as the access matrix test asks it (accounts.access).
decides_access(Registration)(lambda actor, obj: registration_access(actor, obj.pk))
