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

from accounts.models import Role
from accounts.scoping import Actor, get_in_scope, require_write, scoped
from assessments.models import AssessmentSession, Registration, Site
from certificates.catalog.models import Certificate
from core.errors import Forbidden, NotInScope

SESSION_READERS = (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY, Role.INSTITUTION, Role.ALLIANCE, Role.ORG,
                   Role.STUDENT)


FINALIZED = AssessmentSession.Status.FINALIZED


def _require_reader(actor: Actor) -> None:
    if actor.role not in SESSION_READERS:
        raise Forbidden()


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
