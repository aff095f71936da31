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

``hit_checked`` is ``hit`` for a hot path that also keeps answers in its process's memory: in the
same single round trip (a Lua script, on the thread's own connection) it reads the stamps those
answers depend on (core.stamps) and, when the hit is within the limit and the stamps are the
expected ones, adds one to a tally. With ``ahead`` a client that keeps coming back to the same
process has hits taken ahead (``_Leases``: counted at once, never beyond the limit), which
``hit_leased`` spends with no round trip; the tally of such a hit waits in the process
(``tally_later``) for the next ``tallies_push``.
"""

import atexit
import logging
import os
import sys
import threading
import time
from collections import Counter
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


class Checked(NamedTuple):
    count: Count
    values: tuple[str, ...]  # the ``read`` keys' values, "" for a key that is not there
    tallied: bool  # whether one was added to ``tally``


# The first hit of a window creates the counter with its expiry (as ``_cache_add``), every hit
# increments it (by the hits taken: this one and those taken ahead); the stamps are read; the tally only
# counts a hit within the limit whose stamps were the expected ones. KEYS: counter, stamps...,
# tally hash. ARGV: window, limit, tally field ("" for none), tally expiry, hits taken (0: this hit
# is one the process took ahead), expected values...
_CHECKED_LUA = """
redis.call('SET', KEYS[1], 0, 'EX', ARGV[1], 'NX')
local hits = redis.call('INCRBY', KEYS[1], ARGV[5])
local values, same = {}, true
for i = 6, #ARGV do
  values[i - 5] = redis.call('GET', KEYS[i - 4]) or ''
  if values[i - 5] ~= ARGV[i] then same = false end
end
local tallied = 0
local take = tonumber(ARGV[5])
if ARGV[3] ~= '' and same and (take == 0 or hits - take < tonumber(ARGV[2])) then
  redis.call('HINCRBY', KEYS[#KEYS], ARGV[3], 1)
  redis.call('EXPIRE', KEYS[#KEYS], ARGV[4])
  tallied = 1
end
return {hits, tallied, values}
"""


def hit_checked(key: str, *, window: int, limit: int, read: tuple[str, ...], expect: tuple[str, ...] | None,
                tally: tuple[str, str, int] | None = None, ahead: int = 0) -> Checked | None:
    """Count one hit on ``key`` and read the cache keys ``read``, in ONE round trip; when the hit
    is within ``limit`` and the values read equal ``expect``, add one to the field of the hash of
    ``tally`` = (cache key, field, expiry in seconds). With ``ahead``, a client that keeps coming
    back to this process also has up to that many hits taken ahead (``hit_leased``). None when the cache is not Redis or
    cannot be reached: the caller takes its slower path (``hit``, and the database)."""
    shared = shared_redis()
    if shared is None:
        return None
    client, make_key = shared
    now = int(time.time())
    counter = make_key(f"{key}:{now // window}")
    if ahead and _leases.use(key, now // window):
        take = 0  # counted already, as one of the hits this process took ahead
    else:
        take = _leases.size(key, now // window, limit, ahead) if ahead else 1
    expected = list(expect) if expect is not None else ["\0"] * len(read)  # "\0": no value is expected
    field, tally_key, tally_seconds = ("", make_key("unused"), 0) if tally is None else (
        tally[1], make_key(tally[0]), tally[2])
    try:
        hits, tallied, values = _script_run(client, _CHECKED_LUA, [counter, *(make_key(name) for name in read), tally_key],
                                            [window, limit, field, tally_seconds, take, *expected])
    except Exception as exc:
        if not unreachable_noted(exc):
            raise
        return None
    if take and ahead:
        _leases.taken(key, now // window, limit, hits=int(hits), take=take)
    own = int(hits) - take + 1 if take else min(int(hits), limit)  # this hit is the first of those taken
    return Checked(Count(own, window - now % window, counter), tuple(v.decode() for v in values), bool(tallied))


def hit_leased(key: str, *, window: int) -> bool:
    """Count one hit on ``key`` against a hit this process took ahead in the current window, with
    no round trip; False when it holds none (the caller then goes through ``hit_checked``)."""
    return _leases.use(key, int(time.time()) // window)


def tally_later(tally: tuple[str, str, int]) -> None:
    """Add one to ``tally`` (as ``hit_checked``'s) with the next ``tallies_push`` of this process."""
    with _pending_lock:
        _pending[tally] += 1


def tallies_push() -> None:
    """Add this process's pending tallies to the cache in one round trip (core.stamps' listener
    does it every second, and counts are pushed before they are read). Kept for the next push
    while the cache cannot be reached."""
    global _pending
    with _pending_lock:
        taken, _pending = _pending, Counter()
    if not taken:
        return
    shared = shared_redis()
    if shared is not None:
        client, make_key = shared
        pipe = client.pipeline(transaction=False)
        for (key, field, seconds), count in taken.items():
            pipe.hincrby(make_key(key), field, count)
            pipe.expire(make_key(key), seconds)
        try:
            pipe.execute()
            return
        except Exception as exc:
            if not unreachable_noted(exc):
                raise
    with _pending_lock:
        _pending.update(taken)


class _Leases:
    """Hits a client's window counter was raised by ahead of its requests, held by this process.

    A client's first hit of a window takes one; each later round trip of the same window takes
    twice the previous, up to ``ahead`` beyond its own and never more than a sixteenth of what the
    client has left, so a client near its limit goes to Redis on every hit. Hits taken ahead are
    counted at once, so no client ever gets more than the limit across processes; at worst one is
    refused a few hits early (those another process still holds). At the default limit (30 a
    minute) no hit is ever taken ahead."""

    MAX_KEYS = 10_000

    def __init__(self):
        self._held: dict[str, list[int]] = {}  # key -> [window number, hits held, last take, counter after it]
        self._lock = threading.Lock()

    def size(self, key: str, window_number: int, limit: int, ahead: int) -> int:
        held = self._held.get(key)
        if held is None or held[0] != window_number:
            return 1
        return max(1, min(held[2] * 2, ahead + 1, (limit - held[3]) // 16))

    def taken(self, key: str, window_number: int, limit: int, *, hits: int, take: int) -> None:
        spare = max(0, min(hits, limit) - (hits - take + 1))  # beyond this hit, within the limit
        with self._lock:
            if len(self._held) >= self.MAX_KEYS and key not in self._held:
                self._held = {k: v for k, v in self._held.items() if v[0] == window_number}
                if len(self._held) >= self.MAX_KEYS:
                    self._held.clear()
            self._held[key] = [window_number, spare, take, hits]

    def use(self, key: str, window_number: int) -> bool:
        held = self._held.get(key)
        if held is None or held[0] != window_number or held[1] <= 0:
            return False
        with self._lock:
            if held[1] <= 0:
                return False
            held[1] -= 1
            return True

    def clear(self) -> None:
        with self._lock:
            self._held.clear()


def shared_redis():
    """(client, key maker) of the shared cache when it is Redis and reachable (not in the pause after
    a failure), else None. The key maker applies the cache's prefix and version, as the cache API does
    (without its check of characters meant for memcached: a cost on hot paths, and Redis takes any key)."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if not isinstance(backend, RedisCache) or _breaker.is_open():
        return None
    return _redis(backend), backend.make_key


def unreachable_noted(exc: Exception) -> bool:
    """Whether ``exc`` (raised by ``shared_redis()``'s client) says the cache cannot be reached; if
    so it is left alone for FALLBACK_SECONDS, as the counters do after a failure."""
    if not _unreachable(exc):
        return False
    _breaker.trip(exc)
    return True


class _Wire(threading.local):
    """The hot path's own connection to Redis, per thread of a process: a script is sent on it with
    no client layer around it (the client's pool, retry and instrumentation cost as much CPU as
    the round trip's system calls). It is made from the client's pool settings (address, database,
    password, TLS, timeouts), so it reaches the same server the same way."""

    connection = None
    pid = 0
    pool = None
    shas: dict


_wire = _Wire()


def _script_run(client, script: str, keys: list, args: list):
    """EVALSHA of ``script`` on this thread's connection (loaded once per connection, again after
    NOSCRIPT: a restarted Redis). A connection found broken is made again and the script sent
    once more: at worst a hit counts twice (stricter, never looser)."""
    for attempt in (1, 2):
        connection = _wire.connection
        if connection is None or _wire.pid != os.getpid() or _wire.pool is not client.connection_pool:
            # none yet, inherited across a fork, or the cache now points elsewhere
            if connection is not None and _wire.pid == os.getpid():
                connection.disconnect()
            connection = _wire.connection = client.connection_pool.make_connection()
            _wire.pid, _wire.pool, _wire.shas = os.getpid(), client.connection_pool, {}
        try:
            sha = _wire.shas.get(script)
            if sha is None:
                connection.send_command("SCRIPT", "LOAD", script, check_health=False)
                sha = _wire.shas[script] = connection.read_response().decode()
            connection.send_packed_command(connection.pack_command("EVALSHA", sha, len(keys), *keys, *args),
                                           check_health=False)
            return connection.read_response()
        except Exception as exc:
            redis_exceptions = sys.modules["redis.exceptions"]
            if isinstance(exc, redis_exceptions.NoScriptError) and attempt == 1:
                _wire.shas.clear()
                continue
            connection.disconnect()
            _wire.connection = None
            if not isinstance(exc, redis_exceptions.ConnectionError) or attempt == 2:
                raise


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
_leases = _Leases()
_pending: Counter = Counter()  # tallies to add: (cache key, field, expiry) -> count
_pending_lock = threading.Lock()
atexit.register(tallies_push)  # a worker that stops leaves none behind (a crash loses up to a second's)
