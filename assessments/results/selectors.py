from django.db.models import QuerySet
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
