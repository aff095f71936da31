"""Reading the portal's metrics as Prometheus would (core.metrics): one scrape parsed into samples."""

from prometheus_client.parser import text_string_to_metric_families

from core.metrics import scrape


def samples() -> dict[tuple[str, frozenset], float]:
    """Every sample of one scrape: (sample name, its labels) -> value."""
    found = {}
    for family in text_string_to_metric_families(scrape().decode()):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(name: str, **labels) -> float:
    """One sample's value, 0 when it is not in the scrape (an instrument not moved yet)."""
    return samples().get((name, frozenset((k, str(v)) for k, v in labels.items())), 0.0)


def families() -> set[str]:
    """The sample names of one scrape (a histogram's _bucket, _count and _sum included)."""
    return {name for name, _ in samples()}
