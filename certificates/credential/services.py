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
    """One successful lookup of a certificate today: a single UPSERT, nothing about who looked.

    On PostgreSQL the statement's own transaction commits without waiting for the disk
    (``synchronous_commit`` off for it alone, set inside the statement): the public verification
    answers without that wait (about 0.9 ms, a third of its time), and a server crash can lose at
    most the last fraction of a second of counts, a statistic. Everything else commits as usual."""
    counts, issued_table = VerificationCount._meta.db_table, IssuedCertificate._meta.db_table
    where, value = ("id", issued_id) if issued_id is not None else ("number", number)
    no_wait, source = "", issued_table
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        no_wait = "WITH no_wait AS (SELECT set_config('synchronous_commit', 'off', true)) "
        source = f"{issued_table}, no_wait"
    with connection.cursor() as cursor:
        cursor.execute(
            f"{no_wait}INSERT INTO {counts} (issued_id, day, count) SELECT id, %s, 1 FROM {source} WHERE {where} = %s "
            f"ON CONFLICT (issued_id, day) DO UPDATE SET count = {counts}.count + 1",
            [timezone.localdate(), value])


def public_lookup_throttle(client: str) -> None:
    """Public credential pages and their reports share the verification pages' budget per address."""
    count = ratelimit.hit(f"verify-rate:{client or 'unknown'}", window=60)
    if count.hits > settings.VERIFY_RATE_PER_MINUTE:
        raise Throttled(_("查验过于频繁，请 %(s)d 秒后再试。") % {"s": count.retry_after}, retry_after=count.retry_after)
