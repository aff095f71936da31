"""The certificates' operational figures (issue 18, item 2), registered into ``core.metrics``:
issuance requests by state (read at scrape time), certificates issued (counted as each chunk
commits), and public verification lookups and refusals (counted where the service answers).

Labels never carry a number, a name or a token: only the channel, the outcome and the reason.
"""

from collections.abc import Iterator

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


@register_scrape
def issuance_requests_by_state() -> Iterator[GaugeMetricFamily]:
    """One grouped count over the requests; PostgreSQL answers it from the (status, org) index."""
    family = GaugeMetricFamily("pilot_issuance_requests", "Issuance requests by state", labels=["state"])
    counts = dict.fromkeys(IssuanceRequest.Status.values, 0)
    for row in IssuanceRequest.objects.order_by().values("status").annotate(n=Count("*")):
        counts[row["status"]] = row["n"]
    for state, count in counts.items():
        family.add_metric([state], count)
    yield family
