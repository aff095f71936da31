"""Fixed-window hit counters (accounts.ratelimit): on Redis one round trip per hit."""

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from core import ratelimit


def test_hits_count_up_per_key_within_the_window():
    assert [ratelimit.hit("rl-test:a", window=60) for _ in range(3)] == [1, 2, 3]
    assert ratelimit.hit("rl-test:b", window=60) == 1
    assert cache.get("rl-test:a") == 3  # the same key the cache API sees


def test_on_redis_a_hit_is_one_round_trip_and_the_window_expires(monkeypatch):
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        pytest.skip("the embedded mode (no REDIS_URL) counts through the cache API (checked above)")
    ratelimit.hit("rl-test:c", window=60)
    client = ratelimit._redis(backend)
    sent = []
    original = client.pipeline

    def counting_pipeline(*args, **kwargs):
        pipe = original(*args, **kwargs)
        execute = pipe.execute
        pipe.execute = lambda *a, **k: sent.append(len(pipe.command_stack)) or execute(*a, **k)
        return pipe

    monkeypatch.setattr(client, "pipeline", counting_pipeline)
    assert ratelimit.hit("rl-test:c", window=60) == 2
    assert sent == [2]  # SET NX EX and INCR, sent together
    ttl = client.ttl(backend.make_and_validate_key("rl-test:c"))
    assert 0 < ttl <= 60
    client.delete(backend.make_and_validate_key("rl-test:c"))
    assert ratelimit.hit("rl-test:c", window=60) == 1  # a new window
