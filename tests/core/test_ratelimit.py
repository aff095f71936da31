"""Fixed-window hit counters (accounts.ratelimit): windows aligned to the clock, on Redis one round
trip per hit, and per-process counters while Redis is unreachable."""

import logging
import time
from types import SimpleNamespace

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from core import ratelimit

NOW = 1_780_000_000  # a fixed instant: 1_780_000_000 % 60 == 40


@pytest.fixture
def clock(monkeypatch):
    now = [NOW]
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: now[0], monotonic=time.monotonic))
    return now


def test_hits_count_up_per_key_within_the_window(clock):
    counts = [ratelimit.hit("rl-test:a", window=60) for _ in range(3)]
    assert [c.hits for c in counts] == [1, 2, 3]
    assert ratelimit.hit("rl-test:b", window=60).hits == 1
    assert counts[-1].retry_after == 20  # the seconds left in the window: its Retry-After
    assert cache.get(counts[-1].key) == 3  # the same key the cache API sees


def test_windows_follow_the_clock_and_a_new_window_starts_afresh(clock):
    for _ in range(3):
        ratelimit.hit("rl-test:w", window=60)
    clock[0] += 20  # the next minute
    fresh = ratelimit.hit("rl-test:w", window=60)
    assert fresh.hits == 1 and fresh.retry_after == 60


def test_peek_reads_without_counting_and_give_back_takes_one_back(clock):
    assert ratelimit.peek("rl-test:p", window=600).hits == 0
    first = ratelimit.hit("rl-test:p", window=600)
    second = ratelimit.hit("rl-test:p", window=600)
    assert ratelimit.peek("rl-test:p", window=600).hits == 2
    ratelimit.give_back(second, window=600)
    ratelimit.give_back(first, window=600)
    ratelimit.give_back(first, window=600)  # never below zero
    assert ratelimit.peek("rl-test:p", window=600).hits == 0


def test_on_redis_a_hit_is_one_round_trip_and_the_window_expires(monkeypatch):
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        pytest.skip("the embedded mode (no REDIS_URL) counts through the cache API (checked above)")
    first = ratelimit.hit("rl-test:c", window=60)
    client = ratelimit._redis(backend)
    sent = []
    original = client.pipeline

    def counting_pipeline(*args, **kwargs):
        pipe = original(*args, **kwargs)
        execute = pipe.execute
        pipe.execute = lambda *a, **k: sent.append(len(pipe.command_stack)) or execute(*a, **k)
        return pipe

    monkeypatch.setattr(client, "pipeline", counting_pipeline)
    second = ratelimit.hit("rl-test:c", window=60)
    if second.key != first.key:  # the minute turned between the two hits
        second = ratelimit.hit("rl-test:c", window=60)
        sent.pop(0)
    assert second.hits == 2
    assert sent == [2]  # SET NX EX and INCRBY, sent together
    ttl = client.ttl(backend.make_and_validate_key(second.key))
    assert 0 < ttl <= 60
    client.delete(backend.make_and_validate_key(second.key))
    assert ratelimit.hit("rl-test:c", window=60).hits == 1  # a new window


def test_with_redis_unreachable_the_limits_hold_per_process_and_it_is_logged(unreachable_redis, clock, caplog,
                                                                             monkeypatch):
    with caplog.at_level(logging.ERROR, logger="core.ratelimit"):
        counts = [ratelimit.hit("rl-test:down", window=60) for _ in range(3)]
    assert [c.hits for c in counts] == [1, 2, 3] and counts[-1].retry_after == 20
    assert ratelimit.peek("rl-test:down", window=60).hits == 3
    # One failed attempt, logged once; then Redis is left alone for FALLBACK_SECONDS.
    assert [r.getMessage() for r in caplog.records if "unreachable" in r.getMessage()].__len__() == 1
    attempts = []
    real = ratelimit._cache_add
    monkeypatch.setattr(ratelimit, "_cache_add", lambda *a: attempts.append(a) or real(*a))
    ratelimit.hit("rl-test:down", window=60)
    assert attempts == []
    ratelimit._breaker.until = time.monotonic() - 1  # FALLBACK_SECONDS later: Redis is tried again
    assert ratelimit.hit("rl-test:down", window=60).hits == 5 and len(attempts) == 1


def test_the_per_process_counters_stay_bounded(monkeypatch):
    local = ratelimit._LocalCounters()
    monkeypatch.setattr(ratelimit._LocalCounters, "MAX_KEYS", 10)
    for i in range(25):
        local.add(f"k{i}", 60, 1)
    assert len(local._counts) <= 10
