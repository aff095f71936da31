"""The holder's public credential page (turned on and off, audited) and the verification counts."""

import datetime
import secrets

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.scoping import Actor
from certificates.credential.models import CredentialPage, VerificationCount
from certificates.issuance.models import IssuedCertificate
from certificates.issuance.selectors import issued_certificate_access
from core import ratelimit
from core.errors import Throttled


def credential_page_set(*, actor: Actor, issued: IssuedCertificate, public: bool) -> CredentialPage:
    """Turn the public page of ``issued`` on or off (the holder only). The token is made once and
    kept, so a link handed out earlier works again when the page is turned back on."""
    issued_certificate_access(actor=actor, number=issued.number).require("share")
    with transaction.atomic():
        page, _created = CredentialPage.objects.select_for_update().get_or_create(
            issued=issued, defaults={"token": secrets.token_urlsafe(24)})
        if page.public != public:
            before = page.public
            page.public = public
            page.save(update_fields=["public", "changed_at"])
            audit_log(actor=actor, action="certificate.shared" if public else "certificate.unshared", obj=issued,
                      province=issued.province_id, changes={"public": [before, public]})
    return page


def verification_counted(*, issued_id: int | None = None, number: str = "") -> None:
    """One successful lookup of a certificate today: a single UPSERT, nothing about who looked
    (``issued_id=0``: the same statement, counting nothing)."""
    where, value = ("id", issued_id) if issued_id is not None else ("number", number)
    sql, params = _count_upsert(f"SELECT id FROM {IssuedCertificate._meta.db_table} WHERE {where} = %s", [value])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# Lookups by number are counted in Redis first (certificates.verification: in the rate limit's own
# round trip, or with the web process's next push of tallies), in a hash per day of certificate id
# -> lookups, and moved into VerificationCount by ``verification_counts_flush``: every minute (beat)
# and before the counts are read.
TALLY_SECONDS = 8 * 86400  # a day's tally outlives a week without flushes, then it is gone


def _tally_key(day: datetime.date) -> str:
    return f"verification-tally:{day.isoformat()}"


def verification_tally(issued_id: int) -> tuple[str, str, int]:
    """Where a lookup of ``issued_id`` today is tallied: (cache key, field, expiry), for
    core.ratelimit.hit_checked and tally_later."""
    return _tally_key(timezone.localdate()), str(issued_id), TALLY_SECONDS


def verification_tallied(issued_id: int | None) -> None:
    """Tally one lookup of ``issued_id`` today (None: the same round trip, adding nothing)."""
    shared = ratelimit.shared_redis()
    if shared is None:  # Redis went away since the lookup's rate limit: count in the database
        verification_counted(issued_id=issued_id or 0)
        return
    client, make_key = shared
    key, field, seconds = verification_tally(issued_id or 0)
    pipe = client.pipeline(transaction=False)
    pipe.hincrby(make_key(key), field, 1 if issued_id else 0)
    pipe.expire(make_key(key), seconds)
    try:
        pipe.execute()
    except Exception as exc:
        if not ratelimit.unreachable_noted(exc):
            raise
        verification_counted(issued_id=issued_id or 0)


def verification_counts_flush() -> int:
    """Move the lookups tallied in Redis into VerificationCount (one statement per day); returns how
    many. Each day's tally is renamed before it is read, so two flushes never move the same
    lookups; a crash between reading and storing loses that minute's counts (a statistic). This
    process's pending tallies go first (the others push theirs every second)."""
    ratelimit.tallies_push()
    shared = ratelimit.shared_redis()
    if shared is None:
        return 0
    client, make_key = shared
    today, moved = timezone.localdate(), 0
    for day in (today - datetime.timedelta(days=back) for back in range(TALLY_SECONDS // 86400)):
        key = make_key(_tally_key(day))
        taking = f"{key}:flushing:{secrets.token_hex(4)}"
        try:
            if not client.renamenx(key, taking):
                continue
        except Exception as exc:
            if "no such key" in str(exc).lower():  # nothing tallied that day
                continue
            if ratelimit.unreachable_noted(exc):
                return moved
            raise
        tally = {int(field): int(count) for field, count in client.hgetall(taking).items() if int(count) > 0}
        client.delete(taking)
        moved += _counts_add(day, tally)
    return moved


def _counts_add(day: datetime.date, tally: dict[int, int]) -> int:
    """Add ``tally`` (certificate id -> lookups) to ``day``'s counts; ids of certificates deleted
    meanwhile are left out."""
    if not tally:
        return 0
    counts, issued = VerificationCount._meta.db_table, IssuedCertificate._meta.db_table
    values = ", ".join(["(%s, %s)"] * len(tally))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {counts} (issued_id, day, count) SELECT i.id, %s, t.column2 "
            f"FROM (VALUES {values}) AS t JOIN {issued} i ON i.id = t.column1 WHERE true "
            f"ON CONFLICT (issued_id, day) DO UPDATE SET count = {counts}.count + excluded.count",
            [day, *(v for pair in tally.items() for v in pair)])
    return sum(tally.values())


def _count_upsert(source: str, params: list) -> tuple[str, list]:
    """INSERT … ON CONFLICT adding one to today's count of the certificate ``source`` selects (its
    ``id``; none, nothing counted).

    On PostgreSQL, outside a transaction, the statement's own transaction commits without waiting
    for the disk (``synchronous_commit`` off for it alone, set inside the statement): the public
    verification answers without that wait (about 0.9 ms here, a third of its time), and a server
    crash can lose at most the last fraction of a second of counts, a statistic."""
    counts = VerificationCount._meta.db_table
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        source = (f"SELECT counted.id FROM ({source}) AS counted, "
                  "(SELECT set_config('synchronous_commit', 'off', true)) AS no_wait")
    # WHERE true: SQLite would read ON CONFLICT as a join's ON without it.
    return (f"INSERT INTO {counts} (issued_id, day, count) SELECT id, %s, 1 FROM ({source}) AS one WHERE true "
            f"ON CONFLICT (issued_id, day) DO UPDATE SET count = {counts}.count + 1",
            [timezone.localdate(), *params])


def public_lookup_throttle(client: str) -> None:
    """Public credential pages and their reports share the verification pages' budget per address."""
    count = ratelimit.hit(f"verify-rate:{client or 'unknown'}", window=60)
    if count.hits > settings.VERIFY_RATE_PER_MINUTE:
        raise Throttled(_("查验过于频繁，请 %(s)d 秒后再试。") % {"s": count.retry_after}, retry_after=count.retry_after)
