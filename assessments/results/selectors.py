"""Reads of results (成绩) and score reviews (成绩复核), through the actor's scope, and the decisions
about them: a result's and a review's access derive from their registration's
(``assessments.registrations.selectors.registration_access_of``): one decision per candidate.
Scores are released when the session is finalized (the personal-data policy); before that only the
org assessing the candidates sees them."""

from django.db.models import Count, Q, QuerySet

from accounts.access import Access, Permissions, decides_access
from accounts.scoping import Actor, get_in_scope, scoped
from assessments.models import Registration, Result, ScoreReview
from assessments.registrations.selectors import registration_access_of, scores_before_release
from assessments.sessions.selectors import FINALIZED, sessions_page_access
from core.errors import Forbidden


def _require_reader(actor: Actor) -> None:
    if not sessions_page_access(actor).read:
        raise Forbidden()


def results_visible(actor: Actor) -> QuerySet[Result]:
    """Results of the actor's scope whose score the policy shows it: the org's own at once, the
    others' once the session is finalized."""
    _require_reader(actor)
    qs = scoped(Result.objects.select_related("registration__person", "registration__session__site",
                                              "registration__session__certificate", "institution"), actor)
    if not scores_before_release(actor):
        qs = qs.filter(registration__session__status=FINALIZED)
    return qs


def result_access(actor: Actor, pk: int) -> Access[Result]:
    """One result in scope (404 outside it, or before release for whoever may not see it yet);
    the org assessing the candidate may "amend_score" it."""
    result = get_in_scope(results_visible(actor), actor, pk=pk)
    base = registration_access_of(actor, result.registration)
    return Access(result, relations=base.relations, may=Permissions(base.may & {"amend_score"}),
                  released=base.released)


def reviews_visible(actor: Actor) -> QuerySet[ScoreReview]:
    _require_reader(actor)
    return scoped(ScoreReview.objects.select_related("registration__person", "registration__session__certificate",
                                                     "registration__session__site", "registration__result",
                                                     "amendment"), actor).order_by("-requested_at", "-pk")


def review_access_of(actor: Actor, review: ScoreReview) -> Access[ScoreReview]:
    """The decision for a review already in scope; the org assessing the candidate may "answer" it."""
    base = registration_access_of(actor, review.registration)
    may = Permissions({"answer"} if base.may.amend_score else ())
    return Access(review, relations=base.relations, may=may, released=base.released)


def review_access(actor: Actor, pk: int) -> Access[ScoreReview]:
    return review_access_of(actor, get_in_scope(reviews_visible(actor), actor, pk=pk))


def reviews_open_count(actor: Actor) -> int:
    if not sessions_page_access(actor).schedule:
        return 0
    return reviews_visible(actor).filter(status=ScoreReview.Status.REQUESTED).count()


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


# The one decision per object, as the access matrix test asks it (accounts.access).
decides_access(Result)(lambda actor, obj: result_access(actor, obj.pk))
decides_access(ScoreReview)(lambda actor, obj: review_access(actor, obj.pk))
