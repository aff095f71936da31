"""Stamps: a random value in the shared cache (Redis) per thing whose public facts can change,
renewed whenever they change, so that a process may keep answers derived from the database in its
own memory and check that they still hold with one read (core.ratelimit.hit_checked reads them in
the rate limit's round trip). An answer kept with the stamps it was read under is good while they
are the same; a changed, expired or lost stamp (Redis restarted) only costs a new read.

Names say what changed: ``org:<id>`` (an org's registry facts), ``certificate:<id>`` (a catalog
certificate's), ``certificate-number:<number>`` (an issued certificate, or a number newly issued).
A stamp is renewed at once and again when the transaction commits: a reader that read the old rows
in between kept them under the first value, and the second makes it read again.

Every renewal is also announced, on a Redis channel and at once to this process: each web process
that keeps answers hears them on a listener thread (``listening()`` starts it) and drops what they
name (``on_renewed``). While a process hears every renewal it may answer from what it kept without
reading the stamps (certificates.verification: a client's hits taken ahead, core.ratelimit.hit_leased);
``epoch()`` changes whenever it may have missed one (listener subscribed anew, or lost), so what was
kept before must be checked against its stamps again; ``generation()`` changes whenever it heard one,
so a keeper can tell that an answer it is about to keep was read before a renewal it already heard.
The listener also pushes the process's pending tallies every second (core.ratelimit.tallies_push).

Without Redis (the embedded default) nothing keeps answers, and there is nothing to renew. When
Redis cannot be reached the renewal is logged and lost; keepers never keep answers longer than
``SECONDS`` and read the database while Redis is down, so such an answer is stale at most that long.
"""

import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache
from django.core.signals import setting_changed
from django.db import connection, transaction
from django.dispatch import receiver

from core import ratelimit

logger = logging.getLogger(__name__)

SECONDS = 600  # a stamp outlives every answer kept under it (keepers keep them at most this long)


# What a stamp stands for (its name is ``<kind>:<id>``).
ORG = "org"
CERTIFICATE = "certificate"
CERTIFICATE_NUMBER = "certificate-number"


def name(kind: str, ident) -> str:
    return f"{kind}:{ident}"


def key(name: str) -> str:
    """The cache key of the stamp ``name`` (what ``ratelimit.hit_checked`` is given to read)."""
    return f"stamp:{name}"


def renew(*names: str) -> None:
    """Whatever was kept under the stamps ``names`` is to be read again."""
    if not names or ratelimit.shared_redis() is None:
        return
    _write(names)
    if connection.in_atomic_block:
        transaction.on_commit(lambda: _write(names))


def _write(names: tuple[str, ...]) -> None:
    _heard(names)  # this process first, at once; the others through the channel
    shared = ratelimit.shared_redis()
    if shared is None:
        return
    client, make_key = shared
    pipe = client.pipeline(transaction=False)
    for name in names:
        pipe.set(make_key(key(name)), secrets.token_hex(8), ex=SECONDS)
    pipe.publish(_channel(client, make_key), "\n".join((_state.voice, *names)))  # after the stamps
    try:
        pipe.execute()
    except Exception as exc:
        if not ratelimit.unreachable_noted(exc):
            raise
        logger.warning("stamps %s not renewed: the cache is unreachable", ", ".join(names[:5]))


# --- hearing renewals ------------------------------------------------------------------------------

class _State:
    pid = 0
    listener = None  # the running listener's token: one that is not this one stops
    voice = ""  # this process's mark on what it announces (it has heard those already)
    listening = False
    epoch = 0
    generation = 0


_state = _State()
_callbacks: list[Callable[[Iterable[str]], None]] = []
_PING_SECONDS = 5.0


def on_renewed(callback: Callable[[Iterable[str]], None]) -> None:
    """Call ``callback(names)`` on every renewal this process hears."""
    _callbacks.append(callback)


def listening() -> bool:
    """Whether this process hears every renewal now (starting its listener on the first ask)."""
    if _state.pid != os.getpid():
        _start()
    return _state.listening


def epoch() -> int:
    return _state.epoch


def generation() -> int:
    return _state.generation


@receiver(setting_changed)
def _cache_changed(setting, **kwargs):
    """The cache now points elsewhere (tests): what the listener hears is not what is renewed there.
    It stops, and the next ``listening()`` starts one on the cache as configured now."""
    if setting == "CACHES":
        _state.pid, _state.listener, _state.listening = 0, None, False
        _state.epoch += 1


def _start() -> None:
    _state.pid, _state.voice, _state.listening = os.getpid(), secrets.token_hex(6), False
    _state.listener = token = object()
    if isinstance(caches[DEFAULT_CACHE_ALIAS], RedisCache):
        threading.Thread(target=_listen, args=(token,), name="stamps-listener", daemon=True).start()


def _heard(names: Iterable[str]) -> None:
    _state.generation += 1
    for callback in _callbacks:
        callback(names)


def _lost() -> None:
    _state.listening = False
    _state.epoch += 1


def _channel(client, make_key) -> str:
    # Channels are shared by all of a server's databases: the name carries the database.
    return make_key(f"stamps:{client.connection_pool.connection_kwargs.get('db', 0)}")


def _listen(token) -> None:
    while _state.listener is token:
        pubsub = None
        try:
            backend = caches[DEFAULT_CACHE_ALIAS]
            client = backend._cache.get_client(write=True)
            pubsub = client.pubsub()
            pubsub.subscribe(_channel(client, backend.make_key))
            pinged = pushed = time.monotonic()
            while _state.listener is token:
                message = pubsub.get_message(timeout=1.0) or {"type": None}
                if message["type"] == "subscribe" and _state.listener is token:
                    _state.epoch += 1  # what was kept before may have missed a renewal
                    _state.listening = True
                elif message["type"] == "message":
                    voice, *names = message["data"].decode().split("\n")
                    if voice != _state.voice:
                        _heard(names)
                elif message["type"] == "pong":
                    pinged = time.monotonic()
                now = time.monotonic()
                if now - pushed >= 1.0:
                    ratelimit.tallies_push()
                    pushed = now
                if now - pinged >= 3 * _PING_SECONDS:
                    raise ConnectionError("no answer to the listener's pings")
                if now - pinged >= _PING_SECONDS:
                    pubsub.ping()
        except Exception as exc:  # whatever it was, this process no longer hears renewals
            if _state.listener is not token:
                return
            if _state.listening:
                logger.warning("stamps: the listener lost Redis (%s: %s); answers are checked against their "
                               "stamps until it is back", exc.__class__.__name__, exc)
            _lost()
            time.sleep(ratelimit.FALLBACK_SECONDS)
        finally:
            if pubsub is not None:
                try:
                    pubsub.close()
                except Exception:
                    pass
