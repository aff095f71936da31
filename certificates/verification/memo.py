"""What public verification knows of a certificate number, kept in each web process's memory.

A lookup by number then costs no database statement: only the rate limit's round trip on Redis,
which also reads the stamps (core.stamps) of the number, its org and its catalog certificate and
counts a match (core.ratelimit.hit_checked). A changed stamp — the certificate was revoked or
reissued, the number newly issued, the org or certificate renamed — makes the next lookup read the
database again. Unknown numbers are kept too, the same way: a lookup costs the same whether the
number exists or not (non-enumeration, certificates.verification.services).

Kept per number: the public facts and, per version, the name, the masked name, the token and the
LAST FOUR ID characters only (never the whole ID number). At most ``MAX_ENTRIES`` numbers, each at
most ``VERIFY_MEMO_SECONDS``.
"""

import threading
import time
from collections import OrderedDict
from typing import Any, NamedTuple

from django.conf import settings

from core import stamps

MAX_ENTRIES = 20_000


class Kept(NamedTuple):
    record: Any  # certificates.verification.services.Record
    names: tuple[str, ...]  # the stamps it was read under
    values: tuple[str, ...]  # their values then
    until: float


_kept: OrderedDict[str, Kept] = OrderedDict()
_lock = threading.Lock()


def stamp_names(number: str, record=None) -> tuple[str, ...]:
    """The stamps an answer for ``number`` depends on: the number's, and (once its record is known)
    its org's and catalog certificate's; always three, so every lookup reads as many."""
    org_id = record.org_id if record is not None and record.org_id else 0
    certificate_id = record.certificate_id if record is not None and record.certificate_id else 0
    return (stamps.name(stamps.CERTIFICATE_NUMBER, number), stamps.name(stamps.ORG, org_id),
            stamps.name(stamps.CERTIFICATE, certificate_id))


def stamp_keys(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(stamps.key(name) for name in names)


def recall(number: str) -> Kept | None:
    kept = _kept.get(number)
    if kept is None or kept.until < time.monotonic():
        return None
    return kept


def keep(number: str, record, names: tuple[str, ...], values: tuple[str, ...], *, first: bool) -> None:
    """Keep ``record`` as read after the stamps ``names`` had ``values``. On the ``first`` read of a
    number its org's and certificate's stamps were not known: the next lookup reads their values
    and the database once more, and keeps it under them. Unknown numbers are read twice as well,
    so that no lookup's cost tells whether a number exists."""
    if first or names != stamp_names(number, record):
        values = ("\0",) * len(names)  # matches no stamp value: read again next time
        names = stamp_names(number, record)
    seconds = min(settings.VERIFY_MEMO_SECONDS, stamps.SECONDS)
    with _lock:
        _kept[number] = Kept(record, names, values, time.monotonic() + seconds)
        _kept.move_to_end(number)
        while len(_kept) > MAX_ENTRIES:
            _kept.popitem(last=False)


def forget_all() -> None:
    """Drop everything kept (the shared cache could not be reached: stamps renewed meanwhile are lost)."""
    with _lock:
        _kept.clear()
