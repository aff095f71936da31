"""Fixed-window hit counters in the cache, for every rate limit and throttle of the portal.

Windows are aligned to the clock: the counter of ``key`` for a ``window`` of seconds is
``key:<window number>``, so the seconds left in the current window (a refusal's ``Retry-After``) are
known without asking the cache. ``hit(key, window)`` counts one hit and returns the hits of the
current window; ``peek`` reads them without counting; ``give_back`` takes one back.

On Redis a hit is ONE round trip (a pipeline of ``SET key 0 EX window NX`` and ``INCR key``: the
first hit of a window creates the counter with its expiry, every hit increments it) on a client
kept per process; Django's ``cache.incr`` costs two (an EXISTS before the INCR) plus a new client
object per call. Other cache backends (LocMem in tests and the embedded demo) go through the cache API.

When the cache is unreachable (Redis down), the counters fall back to this process's memory for
``FALLBACK_SECONDS`` before the cache is tried again, and the failure is logged: public pages and
sign-in keep answering, and every limit still holds, per process (with several web processes a
client gets up to that many times the limit until Redis is back).
"""

import logging
import sys
import threading
import time
from typing import NamedTuple

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

FALLBACK_SECONDS = 5.0


class Count(NamedTuple):
    hits: int  # hits counted in the current window
    retry_after: int  # seconds until the current window ends
    key: str  # the window's counter (what ``give_back`` decrements)


def hit(key: str, *, window: int) -> Count:
    """Count one hit on ``key``; the hits in its current ``window`` seconds."""
    return _count(key, window, 1)


def peek(key: str, *, window: int) -> Count:
    """The hits on ``key`` in its current window, without counting one."""
    return _count(key, window, 0)


def give_back(count: Count, *, window: int) -> None:
    """Take back the hit that returned ``count`` (an attempt that should not count after all)."""
    _add(count.key, window, window, -1)


def _count(key: str, window: int, delta: int) -> Count:
    now = int(time.time())
    full_key = f"{key}:{now // window}"
    left = window - now % window
    return Count(_add(full_key, window, left, delta), left, full_key)


def _add(full_key: str, window: int, left: int, delta: int) -> int:
    if not _breaker.is_open():
        try:
            return _cache_add(caches[DEFAULT_CACHE_ALIAS], full_key, window, delta)
        except Exception as exc:
            if not _unreachable(exc):
                raise
            _breaker.trip(exc)
    return _local.add(full_key, left, delta)


def _unreachable(exc: Exception) -> bool:
    """Whether ``exc`` says the cache cannot be reached. A Redis error can only come from a loaded
    redis package, so it is not imported here (about 9 MB per process in the embedded mode)."""
    redis_exceptions = sys.modules.get("redis.exceptions")
    return isinstance(exc, OSError) or (redis_exceptions is not None and isinstance(exc, redis_exceptions.RedisError))


def _cache_add(backend, full_key: str, window: int, delta: int) -> int:
    if isinstance(backend, RedisCache):
        redis_key = backend.make_and_validate_key(full_key)
        client = _redis(backend)
        if delta == 0:
            return int(client.get(redis_key) or 0)
        pipe = client.pipeline(transaction=False)
        pipe.set(redis_key, 0, ex=window, nx=True)
        pipe.incrby(redis_key, delta)
        _created, count = pipe.execute()
        if count < 0:  # a hit given back twice: the counter never goes below zero
            count = client.incrby(redis_key, -count)
        return int(count)
    if delta == 0:
        return int(backend.get(full_key) or 0)
    backend.add(full_key, 0, timeout=window)
    try:
        count = backend.incr(full_key, delta)
    except ValueError:  # expired between the two calls: this hit opens a new window
        count = max(0, delta)
        backend.add(full_key, count, timeout=window)
    if count < 0:
        count = backend.incr(full_key, -count)
    return count


def _redis(backend: RedisCache):
    """One Redis client per cache backend object, on the backend's own connection pool."""
    holder = backend._cache
    client = getattr(holder, "_ratelimit_client", None)
    if client is None:
        client = holder._ratelimit_client = holder.get_client(write=True)
    return client


class _Breaker:
    """After a cache failure, the cache is left alone for FALLBACK_SECONDS (one failed connection
    attempt per process in that time, not one per request)."""

    def __init__(self):
        self.until = 0.0

    def is_open(self) -> bool:
        return time.monotonic() < self.until

    def trip(self, exc: Exception) -> None:
        logger.error("the cache (Redis) is unreachable (%s: %s); rate limits are counted in this process "
                     "for the next %.0f s", exc.__class__.__name__, exc, FALLBACK_SECONDS)
        self.until = time.monotonic() + FALLBACK_SECONDS

    def reset(self) -> None:
        self.until = 0.0


class _LocalCounters:
    """This process's counters while the cache is unreachable, each expiring with its window."""

    MAX_KEYS = 50_000

    def __init__(self):
        self._counts: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def add(self, full_key: str, left: int, delta: int) -> int:
        now = time.monotonic()
        with self._lock:
            if len(self._counts) >= self.MAX_KEYS:
                self._counts = {k: v for k, v in self._counts.items() if v[0] > now}
                if len(self._counts) >= self.MAX_KEYS:  # memory stays bounded, whatever the traffic
                    self._counts.clear()
            expires, count = self._counts.get(full_key, (0.0, 0))
            if expires <= now:
                expires, count = now + left, 0
            count = max(0, count + delta)
            if delta:
                self._counts[full_key] = (expires, count)
            return count

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()


_breaker = _Breaker()
_local = _LocalCounters()
