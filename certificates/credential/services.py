"""The holder's public credential page (turned on and off, audited) and the verification counts."""

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
    """One successful lookup of a certificate today: a single UPSERT, nothing about who looked."""
    where, value = ("id", issued_id) if issued_id is not None else ("number", number)
    sql, params = _count_upsert(f"SELECT id FROM {IssuedCertificate._meta.db_table} WHERE {where} = %s", [value])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def verification_counted_with(found: str) -> tuple[str, list]:
    """``found`` (a SELECT of the columns ``id``, ``matched`` and ``v_matched`` among others, the
    public verification's lookup) made into one statement that also counts a match: its rows,
    unchanged, and one count for today when a row matched. Returns the statement and the
    parameters to add after ``found``'s own."""
    upsert, params = _count_upsert("SELECT id FROM found WHERE matched OR v_matched LIMIT 1", [])
    return f"WITH found AS ({found}), counted AS ({upsert}) SELECT * FROM found", params


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
