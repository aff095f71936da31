"""Lookups by number answered from each web process's memory (certificates.verification.memo): no
database statement once a number is known, the same cost for unknown numbers, and every change to
what the answer shows — revocation, reissue, a new number, an org or certificate renamed — seen at
once. Counts go through a tally in Redis, moved into the table when read."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certificates.catalog.services import certificate_update
from certificates.credential.models import VerificationCount
from certificates.credential.services import verification_counts_flush
from certificates.issuance.revocation import certificate_reissue, certificate_revoke
from certificates.verification import memo
from certificates.verification import services as verification
from core import ratelimit
from core.errors import Throttled
from organizations.orgs.services import org_update
from tests.accounts.factories import PersonFactory
from tests.certificates.factories import certificate_with_levels, issue_now, seal_for

pytestmark = [pytest.mark.django_db, pytest.mark.skipif(ratelimit.shared_redis() is None,
                                                        reason="the memo is kept only with Redis (CI runs it)")]


@pytest.fixture(autouse=True)
def _own_redis_database(settings):
    """A Redis database of this test process's own: make test's other process flushes its cache
    before each of its tests, and renews stamps of the same numbers (each process's test database
    issues the same ones). Stamps, counters, tallies and the renewals' channel are all per database
    (core.stamps' listener follows the cache to it)."""
    import os
    from urllib.parse import urlsplit

    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)
    location = urlsplit(settings.CACHES["default"]["LOCATION"])._replace(path=f"/{15 - worker % 8}").geturl()
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": location}}  # stamps listen there
    cache.clear()


def lookup(number, name="张小三"):
    with CaptureQueriesContext(connection) as queries:
        verdict = verification.certificate_verify(number=number, name=name, client="10.0.0.1")
    return verdict, len(queries)


def test_a_known_number_costs_no_statement_once_kept_and_an_unknown_one_costs_the_same(issued):
    known = [lookup(issued.number)[1] for _ in range(4)]
    unknown = [lookup("X999999999999999999999")[1] for _ in range(4)]
    assert known == unknown == [1, 1, 0, 0]  # read twice (its org's and certificate's stamps), then kept
    assert lookup(issued.number)[0].status == "valid"
    assert not lookup(issued.number, name="李四")[0].found


def test_the_memo_keeps_the_last_four_id_characters_never_the_id_number(issued):
    lookup(issued.number)
    kept = memo.recall(issued.number)
    assert issued.id_number not in repr(kept)
    verdict = verification.certificate_verify(number=issued.number, id_last4=issued.id_number[-4:], client="x")
    assert verdict.found and verdict.masked_name == "张*三"


def settled(number):
    for _ in range(2):
        lookup(number)
    assert lookup(number)[1] == 0


def test_a_revocation_is_seen_at_once(issued, org_actor):
    settled(issued.number)
    certificate_revoke(actor=org_actor, issued=issued, reason="考核作弊，经查属实")
    verdict, queries = lookup(issued.number)
    assert verdict.status == "revoked" and verdict.revoked_reason == "考核作弊，经查属实" and queries == 1


def test_a_reissue_is_seen_at_once(issued, org_actor):
    settled(issued.number)
    certificate_reissue(actor=org_actor, issued=issued, holder_name="张晓三", reason="姓名用字更正")
    assert lookup(issued.number)[0].status == "superseded"
    new = lookup(issued.number, name="张晓三")[0]
    assert new.status == "valid" and new.version == 2


def test_a_number_looked_up_before_it_was_issued_is_found_once_issued(org_a, hubei):
    seal_for(org_a)
    certificate = certificate_with_levels(org=org_a, name="老年照护")
    (first,) = issue_now(certificate=certificate, province=hubei, people=[PersonFactory(name="李一")])
    following = first.number[:-1] + str(int(first.number[-1]) + 1)  # the next serial of the same prefix
    settled_unknown = [lookup(following, name="王二")[0].found for _ in range(3)]
    (second,) = issue_now(certificate=certificate, province=hubei, people=[PersonFactory(name="王二")])
    assert second.number == following and settled_unknown == [False, False, False]
    assert lookup(following, name="王二")[0].status == "valid"


def test_an_org_or_certificate_renamed_is_seen_at_once(issued, ministry_user):
    from accounts.scoping import actor_for

    settled(issued.number)
    org_update(actor=None, org=issued.org, name="新名称职业技能评价有限公司")
    assert lookup(issued.number)[0].org == "新名称职业技能评价有限公司"
    settled(issued.number)
    certificate_update(actor=actor_for(ministry_user), certificate=issued.certificate, name="老年照护（新）")
    assert lookup(issued.number)[0].certificate == "老年照护（新）"


def test_stamps_lost_with_redis_mean_reading_again(issued):
    settled(issued.number)
    cache.clear()  # Redis restarted empty: every stamp is gone
    assert lookup(issued.number)[1] == 1


def count_today(issued) -> int:
    verification_counts_flush()
    row = VerificationCount.objects.filter(issued=issued, day=timezone.localdate()).first()
    return row.count if row else 0


def test_every_matching_lookup_is_counted_once_kept_or_not_and_a_refused_one_is_not(issued, settings):
    for _ in range(5):
        lookup(issued.number)
    lookup(issued.number, name="李四")
    assert count_today(issued) == 5
    assert verification_counts_flush() == 0  # moved once: a second flush finds nothing
    assert count_today(issued) == 5
    settings.VERIFY_RATE_PER_MINUTE = 6  # six lookups this minute: the next is refused, not counted
    with pytest.raises(Throttled, match="过于频繁"):
        lookup(issued.number)
    assert count_today(issued) == 5


def test_with_redis_down_the_database_answers_and_counts_and_nothing_stays_kept(issued, unreachable_redis):
    from django.core.cache import caches

    caches["default"].__dict__.pop("_cache", None)
    assert lookup(issued.number)[0].status == "valid"
    assert memo.recall(issued.number) is None
    assert VerificationCount.objects.get(issued=issued).count == 1


# --- a client that keeps coming back: hits taken ahead, answers with no round trip ------------------

@pytest.fixture
def hearing(settings, monkeypatch):
    """This process hears every renewal (its listener subscribed), the clock stays inside one
    minute's window, and the round trips to Redis are counted."""
    import time

    from core import stamps

    deadline = time.monotonic() + 10
    while not stamps.listening():  # its listener subscribed
        assert time.monotonic() < deadline, "the stamps listener did not subscribe"
        time.sleep(0.02)
    now = (int(time.time()) // 60) * 60 + 1
    monkeypatch.setattr(ratelimit, "time", type("Clock", (), {"time": staticmethod(lambda: now),
                                                               "monotonic": staticmethod(time.monotonic)}))
    trips = []
    real = ratelimit._script_run
    monkeypatch.setattr(ratelimit, "_script_run", lambda *args: trips.append(1) or real(*args))
    settings.VERIFY_RATE_PER_MINUTE = 10_000
    return trips


def test_a_client_that_keeps_coming_back_makes_few_round_trips_and_each_match_is_counted_once(issued, hearing):
    answers = [lookup(issued.number) for _ in range(300)]
    assert all(verdict.status == "valid" for verdict, _ in answers)
    assert sum(queries for _, queries in answers) == 2  # read twice, then kept
    assert len(hearing) < 20  # hits taken ahead: 1, 2, 4 … 32 at a time
    unknown = [lookup("X999999999999999999999")[1] for _ in range(4)]
    assert unknown == [1, 1, 0, 0]  # the same cost as a known number
    assert count_today(issued) == 300


def test_hits_taken_ahead_never_let_a_client_past_its_limit(issued, hearing, settings):
    settings.VERIFY_RATE_PER_MINUTE = 200
    allowed = 0
    for _ in range(260):
        try:
            lookup(issued.number)
            allowed += 1
        except Throttled:
            pass
    assert allowed == 200  # one process: every hit it took ahead is spent, none beyond the limit
    assert len(hearing) > 10  # near the limit it asks Redis again and again


@pytest.mark.parametrize("limit, ahead", [(30, 31), (10_000, 0)], ids=["default limit", "no hits ahead"])
def test_at_the_default_limit_or_with_no_hits_ahead_every_lookup_makes_its_round_trip(issued, hearing, settings,
                                                                                         limit, ahead):
    settings.VERIFY_RATE_PER_MINUTE, settings.VERIFY_HITS_AHEAD = limit, ahead
    for _ in range(20):
        lookup(issued.number)
    assert len(hearing) == 20


def test_a_revocation_in_this_process_is_seen_at_once_between_round_trips(issued, org_actor, hearing):
    for _ in range(40):
        lookup(issued.number)
    certificate_revoke(actor=org_actor, issued=issued, reason="考核作弊，经查属实")
    trips = len(hearing)
    assert lookup(issued.number)[0].status == "revoked"
    assert len(hearing) == trips + 1  # what was kept was dropped: the number read again


def test_a_change_heard_from_another_process_is_seen_as_soon_as_it_arrives(issued, hearing):
    import time

    from certificates.issuance.models import IssuedCertificate
    from core import stamps

    for _ in range(40):
        lookup(issued.number)
    # Revoked by another process: its row changed, its stamp renewed and announced on the channel.
    IssuedCertificate.objects.filter(pk=issued.pk).update(status="revoked", revoked_reason="考核作弊，经查属实")
    client, make_key = ratelimit.shared_redis()
    name = stamps.name(stamps.CERTIFICATE_NUMBER, issued.number)
    client.set(make_key(stamps.key(name)), "renewed-elsewhere", ex=60)
    client.publish(stamps._channel(client, make_key), f"another-process\n{name}")
    deadline = time.monotonic() + 5
    while memo.recall(issued.number) is not None:
        assert time.monotonic() < deadline, "the renewal was not heard"
        time.sleep(0.01)
    assert lookup(issued.number)[0].status == "revoked"


def test_while_renewals_cannot_be_heard_every_lookup_checks_its_stamps(issued, hearing, monkeypatch):
    from core import stamps

    monkeypatch.setattr(stamps._state, "listening", False)
    for _ in range(10):
        lookup(issued.number)
    assert len(hearing) == 10
