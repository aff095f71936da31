"""Reads of sites and sessions, always through the actor's scope (accounts.scoping), and the one
place that decides what an actor may do with them (``sessions_page_access``, ``site_access``,
``session_access``). Registrations and results sit above this feature and ask these decisions
for the operations they perform on a session (register, enter results, finalize).

Who sees what: an org its own sites and sessions; a province what is held in its province; an
institution (an alliance: its members) the sessions its students are in or may register for; a
student the sessions they are in and those open for registration; the ministry everything.
"""

from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.access import Access, Permissions, decides_access
from accounts.models import Role
from accounts.scoping import Actor, get_in_scope, scoped
from assessments.models import AssessmentSession, Registration, Site
from certificates.catalog.models import Certificate
from core.errors import Forbidden, NotInScope
from organizations.orgs.models import Org
from organizations.supervision.selectors import org_standing

FINALIZED = AssessmentSession.Status.FINALIZED
_STAFF = (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY)
_READERS = (*_STAFF, Role.INSTITUTION, Role.ALLIANCE, Role.ORG, Role.STUDENT)
# The session's own org does these to it (registrations and results ask for the last three).
_ORG_ACTIONS = ("edit", "manage_registration", "cancel", "enter_results", "finalize", "export_roster")


def sessions_page_access(actor: Actor) -> Permissions:
    """What the actor may do on the pages of the session pipeline (sessions, registrations, scores):

    - "read": sessions, registrations, results and score reviews of its scope (staff, institutions,
      alliances, orgs, students);
    - "sites": read assessment sites (staff, orgs);
    - "schedule": record sites and schedule sessions, enter scores, answer score reviews (an org);
    - "register": register its students (an institution);
    - "self_register": register themself (a student, when not an institution's student);
    - "own_candidates": it sees its own candidates only (an institution or alliance: its students;
      a student: themself), and besides their sessions every session open for registration.
    """
    role = actor.role
    may = set()
    if role in _READERS:
        may.add("read")
    if role in (*_STAFF, Role.ORG):
        may.add("sites")
    if role == Role.ORG:
        may.add("schedule")
    if role == Role.INSTITUTION:
        may.add("register")
    if role == Role.STUDENT:
        may.add("self_register")
    if role in (Role.INSTITUTION, Role.ALLIANCE, Role.STUDENT):
        may.add("own_candidates")
    return Permissions(may)


def _require_reader(actor: Actor) -> None:
    if not sessions_page_access(actor).read:
        raise Forbidden()


# --- sites ---------------------------------------------------------------------------------------

def sites_visible(actor: Actor) -> QuerySet[Site]:
    if not sessions_page_access(actor).sites:
        raise Forbidden()
    return scoped(Site.objects.select_related("province", "institution", "org"), actor)


def site_access(actor: Actor, pk: int) -> Access[Site]:
    """One site in scope (404 outside it); its org may "edit" it."""
    site = get_in_scope(sites_visible(actor), actor, pk=pk)
    own = actor.role == Role.ORG and site.org_id == actor.scope.org_id
    return Access(site, may=Permissions({"edit"} if own else ()))


def sites_usable(actor: Actor) -> QuerySet[Site]:
    """The sites an org may schedule sessions at: its own active ones."""
    if not sessions_page_access(actor).schedule:
        return Site.objects.none()
    return Site.objects.filter(org_id=actor.scope.org_id, active=True).select_related("province")


def certificates_schedulable(actor: Actor) -> QuerySet[Certificate]:
    """The org's published certificates (what the session form offers first) and those it held
    before (suspended, withdrawn, replaced), so that choosing one is answered with its reason
    (the certificate's status, the org's delisting), not with an unexplained "invalid choice"."""
    if not sessions_page_access(actor).schedule:
        return Certificate.objects.none()
    published_first = Case(When(status=Certificate.Status.PUBLISHED, then=Value(0)), default=Value(1))
    return (Certificate.objects.filter(org_id=actor.scope.org_id).exclude(status=Certificate.Status.APPLIED)
            .select_related("org").order_by(published_first, "name"))


def scheduling_refusal(actor: Actor) -> str | None:
    """Why the actor's org may not schedule sessions now (its delisting or withdrawal, named), or None."""
    if not sessions_page_access(actor).schedule:
        return None
    standing = org_standing(Org(pk=actor.scope.org_id))
    return None if standing.allows_now() else standing.refusal("schedule")


# --- sessions ------------------------------------------------------------------------------------

def session_labels(ids: list[int]) -> dict[int, str]:
    """How the issuance batches name sessions: the date, the site and the level (the certificate
    has its own column there)."""
    return {session.pk: f"{session.date:%Y-%m-%d} {session.site.name}（{session.get_level_display()}）"
            for session in AssessmentSession.objects.filter(pk__in=ids).select_related("site")}


def open_sessions_q() -> Q:
    return Q(status=AssessmentSession.Status.SCHEDULED, date__gte=timezone.localdate())


def is_open_for_registration(session: AssessmentSession) -> bool:
    return session.status == AssessmentSession.Status.SCHEDULED and session.date >= timezone.localdate()


def sessions_open_public() -> QuerySet[AssessmentSession]:
    """The sessions open for registration as anyone may read them (the public list social learners
    choose from): the same openness the registration services check (``open_sessions_q``), each with
    its ``seats_left``. Public facts only: no examiners, no candidates."""
    registered = Count("registrations", filter=Q(registrations__status=Registration.Status.REGISTERED))
    return (AssessmentSession.objects.filter(open_sessions_q())
            .select_related("certificate", "org", "site", "province")
            .annotate(registered=registered).annotate(seats_left=F("capacity") - F("registered"))
            .order_by("date", "start_time", "pk"))


def sessions_visible(actor: Actor) -> QuerySet[AssessmentSession]:
    """Sessions the actor may read. Institutions and students also see every session open for
    registration (they choose where to register)."""
    page = sessions_page_access(actor)
    if not page.read:
        raise Forbidden()
    qs = AssessmentSession.objects.select_related("certificate", "org", "site", "province")
    if not page.own_candidates:
        return scoped(qs, actor)
    scope = actor.scope
    if page.self_register:
        mine = Registration.objects.filter(person_id=scope.person_id).values("session_id") if scope.person_id else []
    else:
        mine = Registration.objects.filter(institution_id__in=sorted(scope.institution_ids)).values("session_id")
    return qs.filter(open_sessions_q() | Q(pk__in=mine))


def session_access(actor: Actor, pk: int) -> Access[AssessmentSession]:
    """One session the actor may read (404 outside ``sessions_visible``, which includes the open
    sessions institutions and students see) and what the actor may do with it:

    - its own org: "edit", "manage_registration" (close or reopen it), "cancel", "enter_results"
      (the score page, the score sheet), "finalize", "export_roster"; and "record_results"
      (upload scores, mark absences, finalize) only while ``results_window`` is "open" — from the
      assessment date until finalization — so the pages say the rule instead of offering it;
    - an institution "register"s its students, a student "self_register"s (while it is open: the
      registration service says why not otherwise);
    - everyone but a student: "see_examiners", "see_summary", "see_registrations" (of its scope).
    """
    session = sessions_visible(actor).filter(pk=pk).first()
    if session is None:
        raise NotInScope()
    page = sessions_page_access(actor)
    may = set()
    if actor.role == Role.ORG and session.org_id == actor.scope.org_id:
        may.update(_ORG_ACTIONS)
    if "enter_results" in may and results_window(session) == "open":
        may.add("record_results")
    may.update(page & {"register", "self_register"})
    if not page.self_register:
        may.update({"see_examiners", "see_summary", "see_registrations"})
    return Access(session, may=Permissions(may), released=session.status == FINALIZED)


def results_window(session: AssessmentSession) -> str:
    """When a session's results may be recorded: "before" its assessment date, "open" from that
    day until it is finalized, "closed" once finalized or cancelled. The results services refuse
    outside "open"; the pages ask this to say so before anyone tries."""
    if session.status not in (AssessmentSession.Status.SCHEDULED, AssessmentSession.Status.CLOSED):
        return "closed"
    return "before" if session.date > timezone.localdate() else "open"


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


def sessions_awaiting_finalization(actor: Actor) -> int:
    """An org's sessions held (date passed) whose results are not yet finalized."""
    if not sessions_page_access(actor).schedule:
        return 0
    return sessions_visible(actor).filter(
        status__in=[AssessmentSession.Status.SCHEDULED, AssessmentSession.Status.CLOSED],
        date__lt=timezone.localdate()).count()


# The one decision per object, as the access matrix test asks it (accounts.access).
decides_access(Site)(lambda actor, obj: site_access(actor, obj.pk))
decides_access(AssessmentSession)(lambda actor, obj: session_access(actor, obj.pk))
