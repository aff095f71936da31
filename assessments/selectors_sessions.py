"""Reads of sites, sessions, registrations, results and score reviews, always through the actor's
scope (accounts.scoping).

Who sees what: an org its own sites, sessions, registrations and results; a province what is held
in its province; an institution (an alliance: its members) its own students' registrations and
results, and the sessions they are in or may register for; a student only themself, and the
sessions open for registration; the ministry everything. Scores become visible to anyone but the
org (and the ministry) once the session is finalized. ID numbers are shown in full only to the
person, the institution that registered them and the org that assesses them.
"""

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.errors import Forbidden, NotInScope
from accounts.identity import mask_id_number
from accounts.models import Role
from accounts.scoping import Actor, get_in_scope, require_write, scoped
from assessments.models import AssessmentSession, Registration, Result, ScoreReview, Site
from certificates.models import Certificate

SESSION_READERS = (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY, Role.INSTITUTION, Role.ALLIANCE, Role.ORG,
                   Role.STUDENT)
FINALIZED = AssessmentSession.Status.FINALIZED


def _require_reader(actor: Actor) -> None:
    if actor.role not in SESSION_READERS:
        raise Forbidden()


# --- sites -----------------------------------------------------------------------------------------

def sites_visible(actor: Actor) -> QuerySet[Site]:
    if actor.role not in (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY, Role.ORG):
        raise Forbidden()
    return scoped(Site.objects.select_related("province", "institution", "org"), actor)


def site_get(actor: Actor, pk: int, *, for_write: bool = False) -> Site:
    return get_in_scope(sites_visible(actor), actor, for_write=for_write, pk=pk)


def sites_usable(actor: Actor) -> QuerySet[Site]:
    """The sites an org may schedule sessions at: its own active ones."""
    if actor.role != Role.ORG:
        return Site.objects.none()
    return Site.objects.filter(org_id=actor.scope.org_id, active=True).select_related("province")


def certificates_schedulable(actor: Actor) -> QuerySet[Certificate]:
    if actor.role != Role.ORG:
        return Certificate.objects.none()
    return Certificate.objects.filter(org_id=actor.scope.org_id, status=Certificate.Status.PUBLISHED).select_related(
        "org").order_by("name")


# --- sessions --------------------------------------------------------------------------------------

def open_sessions_q() -> Q:
    return Q(status=AssessmentSession.Status.SCHEDULED, date__gte=timezone.localdate())


def sessions_visible(actor: Actor) -> QuerySet[AssessmentSession]:
    """Sessions the actor may read. Institutions and students also see every session open for
    registration (they choose where to register)."""
    _require_reader(actor)
    qs = AssessmentSession.objects.select_related("certificate", "org", "site", "province")
    scope = actor.scope
    if actor.role in (Role.INSTITUTION, Role.ALLIANCE):
        mine = Registration.objects.filter(institution_id__in=sorted(scope.institution_ids)).values("session_id")
        return qs.filter(open_sessions_q() | Q(pk__in=mine))
    if actor.role == Role.STUDENT:
        mine = Registration.objects.filter(person_id=scope.person_id).values("session_id") if scope.person_id else []
        return qs.filter(open_sessions_q() | Q(pk__in=mine))
    return scoped(qs, actor)


def session_get(actor: Actor, pk: int, *, for_write: bool = False) -> AssessmentSession:
    """404 outside what ``sessions_visible`` gives (which already applies the scope, including the
    open sessions institutions and students see), 403 on a write by a role that only reads."""
    session = sessions_visible(actor).filter(pk=pk).first()
    if session is None:
        raise NotInScope()
    if for_write:
        require_write(session, actor)
    return session


def with_counts(sessions: QuerySet[AssessmentSession]) -> QuerySet[AssessmentSession]:
    active = Q(registrations__status=Registration.Status.REGISTERED)
    return sessions.annotate(registered=Count("registrations", filter=active),
                             absent_count=Count("registrations", filter=active & Q(registrations__absent=True)))


def session_summary(session: AssessmentSession) -> dict:
    """Counts for the session page: registered, absent, scored, passed, still without a score."""
    active = session.registrations.filter(status=Registration.Status.REGISTERED)
    counts = active.aggregate(registered=Count("pk"), absent=Count("pk", filter=Q(absent=True)),
                              scored=Count("result"), passed=Count("result", filter=Q(result__passed=True)),
                              mismatches=Count("pk", filter=Q(name_mismatch=True)))
    counts["missing"] = counts["registered"] - counts["absent"] - counts["scored"]
    counts["failed"] = counts["scored"] - counts["passed"]
    counts["seats_left"] = max(session.capacity - counts["registered"], 0)
    counts["pass_rate"] = round(100 * counts["passed"] / counts["scored"], 1) if counts["scored"] else None
    return counts


# --- registrations ---------------------------------------------------------------------------------

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


def result_visible_to(actor: Actor, registration: Registration) -> bool:
    """Scores are the org's working data until it finalizes the session."""
    if actor.role in (Role.ORG, Role.MINISTRY):
        return True
    return registration.session.status == FINALIZED


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


# --- results ---------------------------------------------------------------------------------------

def results_visible(actor: Actor) -> QuerySet[Result]:
    _require_reader(actor)
    qs = scoped(Result.objects.select_related("registration__person", "registration__session__site",
                                              "registration__session__certificate", "institution"), actor)
    if actor.role not in (Role.ORG, Role.MINISTRY):
        qs = qs.filter(registration__session__status=FINALIZED)
    return qs


def result_get(actor: Actor, pk: int) -> Result:
    return get_in_scope(results_visible(actor), actor, pk=pk)


# --- score reviews ---------------------------------------------------------------------------------

def reviews_visible(actor: Actor) -> QuerySet[ScoreReview]:
    _require_reader(actor)
    return scoped(ScoreReview.objects.select_related("registration__person", "registration__session__certificate",
                                                     "registration__session__site", "registration__result",
                                                     "amendment"), actor).order_by("-requested_at", "-pk")


def review_get(actor: Actor, pk: int) -> ScoreReview:
    return get_in_scope(reviews_visible(actor), actor, pk=pk)


def reviews_open_count(actor: Actor) -> int:
    if actor.role != Role.ORG:
        return 0
    return reviews_visible(actor).filter(status=ScoreReview.Status.REQUESTED).count()


def sessions_awaiting_finalization(actor: Actor) -> int:
    """An org's sessions held (date passed) whose results are not yet finalized."""
    if actor.role != Role.ORG:
        return 0
    return sessions_visible(actor).filter(
        status__in=[AssessmentSession.Status.SCHEDULED, AssessmentSession.Status.CLOSED],
        date__lt=timezone.localdate()).count()
