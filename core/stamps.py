"""Stamps: a random value in the shared cache (Redis) per thing whose public facts can change,
renewed whenever they change, so that a process may keep answers derived from the database in its
own memory and check that they still hold with one read (core.ratelimit.hit_checked reads them in
the rate limit's round trip). An answer kept with the stamps it was read under is good while they
are the same; a changed, expired or lost stamp (Redis restarted) only costs a new read.

Names say what changed: ``org:<id>`` (an org's registry facts), ``certificate:<id>`` (a catalog
certificate's), ``certificate-number:<number>`` (an issued certificate, or a number newly issued).
A stamp is renewed at once and again when the transaction commits: a reader that read the old rows
in between kept them under the first value, and the second makes it read again.

Without Redis (the embedded default) nothing keeps answers, and there is nothing to renew. When
Redis cannot be reached the renewal is logged and lost; keepers never keep answers longer than
``SECONDS`` and read the database while Redis is down, so such an answer is stale at most that long.
"""

import logging
import secrets

from django.db import connection, transaction

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
    shared = ratelimit.shared_redis()
    if shared is None:
        return
    client, make_key = shared
    pipe = client.pipeline(transaction=False)
    for name in names:
        pipe.set(make_key(key(name)), secrets.token_hex(8), ex=SECONDS)
    try:
        pipe.execute()
    except Exception as exc:
        if not ratelimit.unreachable_noted(exc):
            raise
        logger.warning("stamps %s not renewed: the cache is unreachable", ", ".join(names[:5]))
