from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import Role
from accounts.scoping import Actor, get_in_scope, scoped
from assessments.models import AssessmentSession, Registration, Result, ScoreReview
from assessments.sessions.selectors import FINALIZED, _require_reader, sessions_visible


def result_visible_to(actor: Actor, registration: Registration) -> bool:
    """Scores are the org's working data until it finalizes the session."""
    if actor.role in (Role.ORG, Role.MINISTRY):
        return True
    return registration.session.status == FINALIZED


def results_visible(actor: Actor) -> QuerySet[Result]:
    _require_reader(actor)
    qs = scoped(Result.objects.select_related("registration__person", "registration__session__site",
                                              "registration__session__certificate", "institution"), actor)
    if actor.role not in (Role.ORG, Role.MINISTRY):
        qs = qs.filter(registration__session__status=FINALIZED)
    return qs


def result_get(actor: Actor, pk: int) -> Result:
    return get_in_scope(results_visible(actor), actor, pk=pk)


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


# --- candidates assessed (the monthly report, the Hubei special action) ----------------------------

def not_assessed(registrations: QuerySet[Registration]) -> QuerySet[Registration]:
    """Registrations with a result that does not count as assessed: absent or cancelled."""
    return (registrations.filter(Q(absent=True) | ~Q(status=Registration.Status.REGISTERED))
            .filter(result__isnull=False).order_by())


def assessed_by(group: tuple[str, ...], **filters) -> dict[tuple, int]:
    """Candidates assessed (a result, neither absent nor cancelled), grouped by ``group`` fields
    that registrations and results share (org_id, province_id, certificate_id, level)."""
    counts: dict[tuple, int] = {}
    for row in Result.objects.filter(**filters).order_by().values(*group).annotate(n=Count("*")):
        counts[tuple(row[g] for g in group)] = row["n"]
    for row in not_assessed(Registration.objects.filter(**filters)).values(*group).annotate(n=Count("*")):
        key = tuple(row[g] for g in group)
        counts[key] = counts.get(key, 0) - row["n"]
    return counts
