"""What public verification knows of a certificate number, kept in each web process's memory.

A lookup by number then costs no database statement: only the rate limit's round trip on Redis,
which also reads the stamps (core.stamps) of the number, its org and its catalog certificate and
counts a match (core.ratelimit.hit_checked). A changed stamp — the certificate was revoked or
reissued, the number newly issued, the org or certificate renamed — makes the next lookup read the
database again. While the process hears every renewal (core.stamps' listener), what a renewal
concerns is dropped as soon as it is heard, so an entry read or checked since may answer with no
round trip at all, on a hit the process took ahead for the client (``answers_alone``). Unknown
numbers are kept too, the same way: a lookup costs the same whether the number exists or not
(non-enumeration, certificates.verification.services).

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
    epoch: int  # core.stamps.epoch() in which it was read or checked with every renewal heard; -1: not so


class Hearing(NamedTuple):
    """What this process had heard of renewals when a lookup began (core.stamps)."""
    epoch: int
    generation: int


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


def keep(number: str, record, names: tuple[str, ...], values: tuple[str, ...], *, first: bool,
         heard: Hearing | None) -> None:
    """Keep ``record`` as read after the stamps ``names`` had ``values``, by a lookup that began
    having ``heard`` (``hearing()``). On the ``first`` read of a number its org's and certificate's
    stamps were not known: the next lookup reads their values and the database once more, and keeps
    it under them. Unknown numbers are read twice as well, so that no lookup's cost tells whether a
    number exists."""
    if first or names != stamp_names(number, record):
        values = ("\0",) * len(names)  # matches no stamp value: read again next time
        names = stamp_names(number, record)
        heard = None
    _put(number, Kept(record, names, values, time.monotonic() + min(settings.VERIFY_MEMO_SECONDS, stamps.SECONDS),
                      _epoch(heard)))


def hearing() -> Hearing | None:
    """What this process has heard of renewals, when it hears them all (else None)."""
    return Hearing(stamps.epoch(), stamps.generation()) if stamps.listening() else None


def checked(number: str, kept: Kept, heard: Hearing | None) -> None:
    """``kept``'s stamps were found unchanged by a lookup that began having ``heard``: from now on
    (in this epoch) it may answer alone."""
    epoch = _epoch(heard)
    if epoch != kept.epoch and epoch >= 0:
        _put(number, kept._replace(epoch=epoch))


def answers_alone(kept: Kept) -> bool:
    """Whether ``kept`` may answer without its stamps being read: this process hears every renewal
    and has heard none since it was read or checked."""
    return kept.epoch == stamps.epoch() and stamps.listening()


def _epoch(heard: Hearing | None) -> int:
    # Only when nothing was heard since the lookup began: a renewal heard meanwhile may concern what
    # it read, before or after the change (the next lookup checks the stamps again).
    return heard.epoch if heard is not None and heard == hearing() else -1


def _put(number: str, kept: Kept) -> None:
    with _lock:
        _kept[number] = kept
        _kept.move_to_end(number)
        while len(_kept) > MAX_ENTRIES:
            _kept.popitem(last=False)


def _renewed(names) -> None:
    """Drop what renewed stamps concern (core.stamps.on_renewed): a number's entry, or every entry
    of an org or catalog certificate (renames: rare)."""
    with _lock:
        for name in names:
            kind, _, ident = name.partition(":")
            if kind == stamps.CERTIFICATE_NUMBER:
                _kept.pop(ident, None)
            elif kind in (stamps.ORG, stamps.CERTIFICATE) and ident.isdigit():
                field = "org_id" if kind == stamps.ORG else "certificate_id"
                for number in [n for n, k in _kept.items() if getattr(k.record, field) == int(ident)]:
                    del _kept[number]


stamps.on_renewed(_renewed)


def forget_all() -> None:
    """Drop everything kept (the shared cache could not be reached: stamps renewed meanwhile are lost)."""
    with _lock:
        _kept.clear()
