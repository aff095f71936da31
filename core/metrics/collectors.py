"""Scrape-time figures that are not about any domain: the Celery queues' lengths and the background
jobs by state (imports, reports, indicator runs, dashboard refreshes). ``pilot.apps`` registers them."""

from collections.abc import Iterator
from urllib.parse import urlparse

from django.conf import settings
from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily

from core.jobs.models import JobStatus
from core.jobs.selectors import job_models

# kombu's Redis transport keeps a queue's messages of priority 3, 6 and 9 in lists of their own,
# named after the queue with this separator (kombu.transport.redis: Channel.sep, PRIORITY_STEPS).
_PRIORITY_SEP = "\x06\x16"
_PRIORITIES = ("3", "6", "9")


def queue_names() -> list[str]:
    from celery import current_app

    return sorted(set(current_app.amqp.queues) | {settings.CELERY_TASK_DEFAULT_QUEUE})


def celery_queues() -> Iterator[GaugeMetricFamily]:
    """Messages waiting in each Celery queue (LLEN on the broker), and whether the broker answered."""
    url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER or not url or urlparse(url).scheme not in ("redis", "rediss"):
        return
    import redis

    up = GaugeMetricFamily("pilot_celery_broker_up", "1 when the broker answered this scrape, else 0")
    lengths = GaugeMetricFamily("pilot_celery_queue_length", "Messages waiting in a Celery queue", labels=["queue"])
    names = queue_names()
    # Short timeouts: a broker that is down must not hold the scrape (Prometheus gives up at 10 s).
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        pipe = client.pipeline(transaction=False)
        for name in names:
            for key in (name, *(f"{name}{_PRIORITY_SEP}{p}" for p in _PRIORITIES)):
                pipe.llen(key)
        sizes = pipe.execute()
    except redis.RedisError:
        up.add_metric([], 0)
        yield up
        return
    finally:
        client.close()
    up.add_metric([], 1)
    per_queue = len(_PRIORITIES) + 1
    for index, name in enumerate(names):
        lengths.add_metric([name], sum(sizes[index * per_queue:(index + 1) * per_queue]))
    yield up
    yield lengths


def jobs_by_state() -> Iterator[GaugeMetricFamily]:
    """Background jobs of every kind by state: one grouped count per job table (small tables)."""
    family = GaugeMetricFamily("pilot_jobs", "Background jobs (imports, reports, refreshes) by kind and state",
                               labels=["kind", "state"])
    for model in job_models():
        counts = dict.fromkeys(JobStatus.values, 0)
        for row in model.objects.order_by().values("status").annotate(n=Count("*")):
            counts[row["status"]] = row["n"]
        for state, count in counts.items():
            family.add_metric([model._meta.label_lower, state], count)
    yield family
