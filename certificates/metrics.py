"""The certificates' operational figures (issue 18, item 2), registered into ``core.metrics``:
issuance requests by state (read at scrape time), certificates issued (counted as each chunk
commits), and public verification lookups and refusals (counted where the service answers).

Labels never carry a number, a name or a token: only the channel, the outcome and the reason.
"""

from collections.abc import Iterator
from contextlib import suppress

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily

from certificates.issuance.models import IssuanceRequest
from core.metrics import counter, register_scrape

ISSUED = counter("certificates_issued", "Certificates issued (numbered and stored), counted as each chunk commits")
VERIFICATIONS = counter("verification_lookups", "Public verification lookups answered, by channel and outcome",
                        ["channel", "outcome"])
VERIFICATION_REFUSALS = counter("verification_refusals", "Public verification lookups refused, by channel and reason",
                                ["channel", "reason"])


def verification_answered(*, channel: str, found: bool) -> None:
    VERIFICATIONS.labels(channel=channel, outcome="found" if found else "not_found").inc()


def verification_refused(*, channel: str, reason: str) -> None:
    VERIFICATION_REFUSALS.labels(channel=channel, reason=reason).inc()


# Counted at every scrape: the states that stay small, from the (status, org) index. Issued requests
# grow to millions, and counting them costs ~0.5 s of PostgreSQL per scrape at 3 M rows (against
# ~40 ms for the rest, measured): that count is kept in the cache for METRICS_ISSUED_COUNT_SECONDS.
_SMALL_STATES = [state for state in IssuanceRequest.Status.values if state != IssuanceRequest.Status.ISSUED]
_ISSUED_KEY = "metrics:issuance-requests-issued"


@register_scrape
def issuance_requests_by_state() -> Iterator[GaugeMetricFamily]:
    family = GaugeMetricFamily("pilot_issuance_requests", "Issuance requests by state (issued: cached up to "
                               "METRICS_ISSUED_COUNT_SECONDS)", labels=["state"])
    counts = dict.fromkeys(IssuanceRequest.Status.values, 0)
    for row in (IssuanceRequest.objects.filter(status__in=_SMALL_STATES).order_by().values("status")
                .annotate(n=Count("*"))):
        counts[row["status"]] = row["n"]
    counts[IssuanceRequest.Status.ISSUED] = _issued_count()
    for state, count in counts.items():
        family.add_metric([state], count)
    yield family


def _issued_count() -> int:
    seconds = settings.METRICS_ISSUED_COUNT_SECONDS
    cached = None
    # Redis down: count without the cache rather than lose the figure.
    with suppress(Exception):
        cached = cache.get(_ISSUED_KEY) if seconds > 0 else None
    if cached is None:
        cached = IssuanceRequest.objects.filter(status=IssuanceRequest.Status.ISSUED).count()
        with suppress(Exception):
            if seconds > 0:
                cache.set(_ISSUED_KEY, cached, seconds)
    return cached
