"""Fixed-window hit counters in the cache, for rate limits on hot public paths.

``hit(key, window)`` counts one hit and returns the hits of the current window. On Redis it is ONE
round trip (a pipeline of ``SET key 0 EX window NX`` and ``INCR key``: the first hit of a window
creates the counter with its expiry, every hit increments it) on a client kept per process; Django's
``cache.incr`` costs two (an EXISTS before the INCR) plus a new client object per call. Other cache
backends (LocMem in tests and the embedded demo) go through the cache API.
"""

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache


def hit(key: str, *, window: int) -> int:
    """Count one hit on ``key``; the number of hits in its current ``window`` seconds."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, RedisCache):
        full_key = backend.make_and_validate_key(key)
        pipe = _redis(backend).pipeline(transaction=False)
        pipe.set(full_key, 0, ex=window, nx=True)
        pipe.incr(full_key)
        _created, count = pipe.execute()
        return int(count)
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls: this hit opens a new window
        cache.add(key, 1, timeout=window)
        return 1


def _redis(backend: RedisCache):
    """One Redis client per cache backend object, on the backend's own connection pool."""
    holder = backend._cache
    client = getattr(holder, "_ratelimit_client", None)
    if client is None:
        client = holder._ratelimit_client = holder.get_client(write=True)
    return client
