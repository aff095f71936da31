"""The dashboard's operational figure (issue 18, item 2): how old the rollups are, read at scrape
time from the latest finished refresh, registered into ``core.metrics``."""

from collections.abc import Iterator

from django.db.models import Max
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from core.metrics import register_scrape
from pilot.dashboard.models import RollupRefresh


@register_scrape
def rollup_age() -> Iterator[GaugeMetricFamily]:
    """Seconds since the rollups were last refreshed; no sample while none ever finished."""
    family = GaugeMetricFamily("pilot_dashboard_rollup_age_seconds",
                               "Seconds since the dashboard's rollups were last refreshed")
    latest = RollupRefresh.objects.filter(status=RollupRefresh.Status.DONE).aggregate(at=Max("finished_at"))["at"]
    if latest is not None:
        family.add_metric([], max(0.0, (timezone.now() - latest).total_seconds()))
    yield family
