"""Operational metrics in the Prometheus text format (issue 18, item 2), with prometheus-client.

Two kinds of figures:

- **Instruments** (counters, histograms) that a process moves as things happen: requests, issued
  certificates, verification lookups. Apps create theirs with ``counter()`` / ``histogram()``.
  With ``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn and Celery in production, and the tests) every
  process writes its values to files in that folder and a scrape adds them up, so gunicorn workers
  and Celery workers report together through any web process.
- **Scrape-time figures** read when Prometheus asks: queue lengths, requests and jobs by state,
  the rollups' age. An app registers a function with ``register_scrape(fn)``; ``fn`` yields
  prometheus-client metric families and runs only in the process answering the scrape, so a
  figure is never stale and never multiplied by the number of processes.

This module needs no Django settings at import: the gunicorn configuration imports it in the
master before Django starts (``core.metrics.process``).
"""

import logging
import os
import re
import socket
from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, values
from prometheus_client.core import Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

logger = logging.getLogger(__name__)

PREFIX = "pilot_"
MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def process_id(pid: int | None = None) -> str:
    """The name of this process's metric files: host and pid. The pid alone would collide when web
    and worker containers (each numbering its processes from 1) share one metrics folder; no
    underscore, because prometheus-client splits file names on it."""
    host = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname()) or "host"
    return f"{host}-{os.getpid() if pid is None else pid}"


# The same series in both modes: the multiprocess mode has no ``_created`` timestamps.
disable_created_metrics()
if MULTIPROC_DIR:
    os.makedirs(MULTIPROC_DIR, exist_ok=True)
    # Chosen before any instrument is created: each value then lives in this process's own file.
    values.ValueClass = values.MultiProcessValue(process_identifier=process_id)


def _named(name: str) -> str:
    return name if name.startswith(PREFIX) else PREFIX + name


def counter(name: str, documentation: str, labelnames: Iterable[str] = ()) -> Counter:
    return Counter(_named(name), documentation, labelnames=tuple(labelnames))


def histogram(name: str, documentation: str, labelnames: Iterable[str] = (), *,
              buckets: Iterable[float] = Histogram.DEFAULT_BUCKETS) -> Histogram:
    return Histogram(_named(name), documentation, labelnames=tuple(labelnames), buckets=tuple(buckets))


ScrapeFunction = Callable[[], Iterable[Metric]]
_SCRAPE_ERRORS = counter("scrape_errors", "Scrape-time figures that could not be read, by source", ["source"])
_scrapes: dict[str, ScrapeFunction] = {}


def register_scrape(function: ScrapeFunction) -> ScrapeFunction:
    """Register a function read at every scrape (usable as a decorator; registering again under the
    same qualified name replaces it, so a re-import does not count a figure twice)."""
    _scrapes[f"{function.__module__}.{function.__qualname__}"] = function
    _SCRAPE_ERRORS.labels(source=function.__name__).inc(0)  # shown as 0 from the start, not only after a failure
    return function


class _ScrapeCollector(Collector):
    def collect(self) -> Iterable[Metric]:
        for name, function in list(_scrapes.items()):
            try:
                yield from function()
            except Exception:
                # One source down (the database, the broker) must not hide every other figure;
                # the missing family and pilot_scrape_errors tell the operator.
                logger.exception("metrics: %s failed", name)
                _SCRAPE_ERRORS.labels(source=function.__name__).inc()


def scrape() -> bytes:
    """Every figure in the Prometheus text format: the instruments of all processes (multiprocess
    mode) or of this one, then the scrape-time figures."""
    registry = CollectorRegistry(auto_describe=False)
    if MULTIPROC_DIR:
        MultiProcessCollector(registry, path=MULTIPROC_DIR)
    else:
        registry.register(_Forward(REGISTRY))
    registry.register(_ScrapeCollector())
    return generate_latest(registry)


class _Forward(Collector):
    """This process's default registry, inside a scrape's own registry."""

    def __init__(self, source: CollectorRegistry):
        self.source = source

    def collect(self) -> Iterable[Metric]:
        return self.source.collect()


# The classic text format, which every Prometheus release reads.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
