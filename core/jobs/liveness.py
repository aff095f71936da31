"""The workers' heartbeat: each worker writes the time to the broker's Redis every
``WORKER_HEARTBEAT_SECONDS`` from a thread of its own (started when the worker is ready, without
beat), and /healthz reads how long ago the newest one beat, in one short Redis call, instead of
pinging the workers through the broker and waiting for their answers (which took seconds).

A worker counts as alive while its last beat is younger than three intervals.
"""

import functools
import logging
import threading
import time

from celery import current_app
from django.conf import settings

logger = logging.getLogger(__name__)

KEY = "pilot:worker-heartbeats"  # a sorted set: worker hostname -> time of its last beat
SOCKET_TIMEOUT = 0.05  # seconds: a Redis that does not answer at once counts as down


@functools.cache
def _client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT,
                                health_check_interval=0)


def broker_redis():
    """A Redis client on the broker with short timeouts, or None when the broker is not Redis."""
    url = current_app.conf.broker_url or ""
    return _client(url) if url.startswith(("redis://", "rediss://", "unix://")) else None


def stale_after() -> float:
    return 3 * settings.WORKER_HEARTBEAT_SECONDS


def heartbeat_beat(hostname: str, *, now: float | None = None) -> None:
    """Record one beat of ``hostname`` (and forget workers silent for long)."""
    now = time.time() if now is None else now
    client = broker_redis()
    if client is None:
        return
    pipe = client.pipeline(transaction=False)
    pipe.zadd(KEY, {hostname: now})
    pipe.zremrangebyscore(KEY, "-inf", now - 100 * stale_after())
    pipe.execute()


def heartbeat_forget(hostname: str) -> None:
    """A worker that shuts down cleanly stops counting at once."""
    client = broker_redis()
    if client is not None:
        client.zrem(KEY, hostname)


def heartbeats(*, now: float | None = None) -> dict:
    """How many workers beat recently, and the age in seconds of the newest beat (None if none)."""
    now = time.time() if now is None else now
    client = broker_redis()
    if client is None:
        return {"workers": 0, "age_s": None}
    newest = client.zrevrange(KEY, 0, 0, withscores=True)
    alive = client.zcount(KEY, now - stale_after(), "+inf")
    return {"workers": int(alive), "age_s": round(now - newest[0][1], 1) if newest else None}


class HeartbeatThread(threading.Thread):
    """Beats every interval until stopped; a failed beat (Redis down) is logged and tried again."""

    def __init__(self, hostname: str):
        super().__init__(name="pilot-heartbeat", daemon=True)
        self.hostname = hostname
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                heartbeat_beat(self.hostname)
            except Exception as exc:  # the broker is down: the heartbeat stops showing, which is the point
                logger.warning("worker heartbeat not written: %s", exc.__class__.__name__)
            self.stopped.wait(settings.WORKER_HEARTBEAT_SECONDS)

    def stop(self) -> None:
        self.stopped.set()
        try:
            heartbeat_forget(self.hostname)
        except Exception:
            logger.warning("worker heartbeat not removed at shutdown")


_thread: HeartbeatThread | None = None


def heartbeat_start(sender=None, **_ignored) -> None:
    """``worker_ready`` handler: start beating for this worker."""
    global _thread
    if _thread is None:
        _thread = HeartbeatThread(getattr(sender, "hostname", None) or "worker")
        _thread.start()


def heartbeat_stop(**_ignored) -> None:
    """``worker_shutdown`` handler."""
    global _thread
    if _thread is not None:
        _thread.stop()
        _thread = None
