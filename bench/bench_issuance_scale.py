"""Issuance and verification as the tables grow (issue 19), in one run: ``make bench BENCH=issuance_scale``.

Stages, each on top of the previous one's rows:

1. ``10k``: 10,000 requests issued end to end by ``BENCH_PROCESSES`` processes (the loop the Celery task
   runs), and render-and-sign alone (the ceiling) in as many processes, right before and right after
   (their mean): ``issuance_efficiency_10k``.
2. ``100k``: 100,000 more, the same way: ``issuance_efficiency_100k``, and the issuing processes' RSS
   over the stage (``worker_rss_growth_100k_mb``: end minus after the first 10 %).
3. ``1m``: 1,000,000 certificates already issued are seeded with COPY (untimed): their people, holders'
   accounts, requests, certificates, credit-bank accounts and outcomes, notifications and audit
   entries, as issuance leaves them. Then ``BENCH_SCALE_TOP`` (20,000) more are issued:
   ``issuance_efficiency_1m``.

Per stage it also reports the database's share of a chunk (``chunk_db_ms_*``: the statements and commits
of claim, PDF record and announce, per chunk of ``ISSUANCE_CHUNK``, mean over the stage's last tenth):
flat means the cost per certificate does not grow with the tables. Table and index sizes and dead rows
of the tables issuance writes are printed before and after each stage (stderr, ``# tables``), and, where
the server loads pg_stat_statements (shared_preload_libraries), the statements that took the most
server time per chunk (``# statements``).

Requests are added the way finalization adds them, without an ANALYZE afterwards: the statistics are
whatever the server has (with autovacuum off, as on these machines, never refreshed during the run).
``autovacuum`` is reported (1 on, 0 off). ``BENCH_AUTOVACUUM=on`` or ``off`` switches it for the run
(ALTER SYSTEM and a reload; the server's setting is put back afterwards), so both can be measured; such
a run's figures carry the suffix ``_autovacuum_on`` (or ``_off``). ``BENCH_SCALE_SEED=0`` stops after
the stages of ``BENCH_SCALE_STAGES`` (no million, no verification): ``BENCH_AUTOVACUUM=on
BENCH_SCALE_STAGES=100000 BENCH_SCALE_SEED=0`` measures the 100,000 stage with autovacuum on.

Verification against its floor, in one gunicorn as production starts it (gunicorn.conf.py: 2
workers) under one load client (wrk, 8 connections, ``BENCH_VERIFY_SECONDS`` each): ``/livez`` (a
bare view through the same middleware stack) and ``GET /api/v1/verify/{number}?name=…`` over 500
certificates, the rate limit lifted for the client: ``verify_floor_ratio`` = verification ÷ bare
view, before the seeding; ``verify_rps_1m`` and ``verify_p99_ms_1m`` on certificates of the seeded
million after it. Those 500 numbers are looked up again and again, so after the warm-up each web
process answers them from memory (certificates.verification.memo), and as one client that keeps
coming back, mostly on hits taken ahead, with no round trip (core.ratelimit.hit_leased).
``verify_*_each_round_trip`` are the same lookups on a gunicorn with ``VERIFY_HITS_AHEAD=0``: one
Redis round trip each, no statement, as for clients at the default limit of 30 a minute.
``verify_cold_*_1m`` is the other end: 30,000 other seeded numbers, each looked up at most twice (the
warm-up and the run both start at the list's head), so every answer is read from the database.

Everything the run writes is deleted afterwards. The seeded certificates have no stored PDF (as
imported ones, they would render on first download).
Needs PostgreSQL.
"""

import datetime
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from bench import bench_issuance as base
from bench.serving import gunicorn_command, wait_for_port

STAGES = [int(n) for n in os.environ.get("BENCH_SCALE_STAGES", "10000,100000").split(",") if n]
SEED = int(os.environ.get("BENCH_SCALE_SEED", "1000000"))
TOP = int(os.environ.get("BENCH_SCALE_TOP", "20000"))
COLD = 30_000  # seeded numbers for the cold verification load (each read from the database)
AUTOVACUUM = os.environ.get("BENCH_AUTOVACUUM", "")  # "", "on" or "off"
SUFFIX = f"_autovacuum_{AUTOVACUUM}" if AUTOVACUUM else ""  # figures of a run that switched it
PERSON_MARK = "BENCH"  # bench_issuance._cleanup removes people whose id number starts with it
SEED_MARK = "BENCHSEED"
SEED_YEAR = 2025
TABLES = ("certificates_issuancerequest", "certificates_issuedcertificate", "credit_bank_outcome",
          "credit_bank_learningaccount", "accounts_notification", "accounts_auditentry", "accounts_person",
          "accounts_user")


# --- the stages' rows ------------------------------------------------------------------------------

def _people_and_requests(org, certificate, *, first: int, count: int, passed_on: datetime.date,
                         issued_at: datetime.datetime | None = None) -> None:
    """``count`` new people (each with an account, as self-registered and institution-registered
    candidates have) and one pending request each, written as finalization writes them (or, with
    ``issued_at``, already issued then)."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Person, User
    from certificates.issuance.models import IssuanceRequest
    from core.bulk import copy_rows

    now = timezone.now()
    ids = [f"{PERSON_MARK}{first + i:010d}" for i in range(count)]
    with transaction.atomic():
        copy_rows(Person, ["id_type", "id_number", "name", "phone", "created_at"],
                  (("other", id_number, _name(first + i), "", now) for i, id_number in enumerate(ids)))
        people = dict(Person.objects.filter(id_number__in=ids).values_list("id_number", "pk"))
        copy_rows(User, ["password", "is_superuser", "username", "first_name", "last_name", "email", "is_staff",
                         "is_active", "date_joined", "full_name", "phone", "failed_logins", "person_id"],
                  (("!", False, f"bench-{id_number.lower()}", "", "", "", False, True, now, _name(first + i), "", 0,
                    people[id_number]) for i, id_number in enumerate(ids)))
        copy_rows(IssuanceRequest, [
            "result_id", "session_id", "certificate_id", "level", "org_id", "person_id", "holder_name", "id_type",
            "id_number", "province_id", "site_code", "score", "passed_on", "status", "status_note", "block_code",
            "attempts", "created_at", "processed_at"],
            ((900_000_000 + first + i, 9_999_000 + (first + i) // 500, certificate.pk, "junior", org.pk,
              people[id_number], _name(first + i), "other", id_number, "42", "00001", 85, passed_on,
              "issued" if issued_at else "pending", "", "", 1 if issued_at else 0, issued_at or now, issued_at)
             for i, id_number in enumerate(ids)))


def _name(i: int) -> str:
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英䶮"
    return surnames[i % len(surnames)] + given[(i // 7) % len(given)] + given[i % 11]


def _seed_issued(org, certificate, *, first: int, count: int) -> list[tuple[str, str]]:
    """``count`` certificates issued in an earlier year, with everything issuance leaves behind, by
    COPY. Returns a sample of (number, holder name) for the verification load."""
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import AuditEntry, Notification, User
    from certificates.issuance.models import IssuanceRequest, IssuedCertificate, NumberSequence
    from core.bulk import copy_rows
    from credit_bank.models import LearningAccount, Outcome
    from credit_bank.services.outcomes import catalog_entry_ensure

    entry = catalog_entry_ensure(certificate_id=certificate.pk, level="junior")
    seal_id = org.seals.get().pk
    issued_on = datetime.date(SEED_YEAR, 11, 20)
    at = timezone.make_aware(datetime.datetime(SEED_YEAR, 11, 20, 10))
    per_prefix = 100_000
    sample: list[tuple[str, str]] = []
    rng = random.Random(19)
    step = 50_000
    for start in range(0, count, step):
        n = min(step, count - start)
        _people_and_requests(org, certificate, first=first + start, count=n, passed_on=issued_on, issued_at=at)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")  # every key comes from rows just written
            requests = list(IssuanceRequest.objects.filter(result_id__gte=900_000_000 + first + start,
                                                           result_id__lt=900_000_000 + first + start + n)
                            .order_by("result_id").values_list("pk", "person_id", "holder_name", "id_number"))
            rows, numbers = [], []
            for j, (request_id, person_id, name, id_number) in enumerate(requests):
                index = start + j
                site = 2 + index // per_prefix
                number = f"X{org.code}420{site:05d}{SEED_YEAR % 100:02d}1{index % per_prefix + 1:06d}"
                numbers.append(number)
                rows.append((number, request_id, person_id, certificate.pk, "junior", org.pk, "42", None, name, "other",
                             id_number, 1, seal_id, issued_on, "valid", "", None, "issued", secrets.token_urlsafe(16),
                             "", None, at, at))
                if rng.random() < (500 + COLD) / count:
                    sample.append((number, name))
            copy_rows(IssuedCertificate, [
                "number", "request_id", "person_id", "certificate_id", "level", "org_id", "province_id",
                "institution_id", "holder_name", "id_type", "id_number", "version", "seal_id", "issued_on", "status",
                "revoked_reason", "revoked_at", "origin", "token", "pdf", "pdf_size", "announced_at", "created_at"], rows)
            issued = list(IssuedCertificate.objects.filter(number__in=numbers).values_list("pk", "person_id", "number"))
            first_account = _reserve_ids(LearningAccount, len(issued))
            copy_rows(LearningAccount, ["id", "person_id", "opened_at"],
                      ((first_account + k, person_id, at) for k, (_pk, person_id, _n) in enumerate(issued)))
            copy_rows(Outcome, ["account_id", "issued_id", "number", "certificate_id", "level", "province_id",
                                "recognized_id", "credits", "issued_on", "certificate_version", "source", "status",
                                "revoked_reason", "recorded_at"],
                      ((first_account + k, pk, number, certificate.pk, "junior", "42", entry.pk, entry.credits,
                        issued_on, 1, "hook", "recognized", "", at) for k, (pk, _p, number) in enumerate(issued)))
            users = dict(User.objects.filter(person_id__in=[p for _pk, p, _n in issued]).values_list("person_id", "pk"))
            copy_rows(Notification, ["user_id", "category", "title", "body", "link", "created_at", "kind", "params"],
                      ((users[person_id], "certificate", "", "", "/certificates/mine/", at, "certificate.issued",
                        {"name": certificate.name, "level": "初级", "number": number})
                       for _pk, person_id, number in issued))
            copy_rows(AuditEntry, ["at", "actor_role", "action", "object_type", "object_id", "object_repr", "changes",
                                   "note", "province_id"],
                      ((at, "", "credit.outcome_recorded", "credit_bank.outcome", str(pk), number, {}, SEED_MARK, "42")
                       for pk, _p, number in issued))
        del rows, requests, issued
    NumberSequence.objects.bulk_create(
        [NumberSequence(prefix=f"X{org.code}420{2 + k:05d}{SEED_YEAR % 100:02d}1",
                        last_value=min(per_prefix, count - k * per_prefix)) for k in range((count - 1) // per_prefix + 1)],
        ignore_conflicts=True)
    return sample


def _reserve_ids(model, count: int) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        first = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


def _bulk_cleanup() -> None:
    """Remove the run's rows from the large tables in a few statements (the ORM's delete would load
    a million rows to collect them), before bench_issuance._cleanup removes the rest. Key checks are
    skipped: every row removed is the run's own, and so is every row that refers to one."""
    from django.db import connection, transaction

    from organizations.orgs.models import Org

    org = Org.objects.filter(name=base.ORG_NAME).first()
    bench_people = "SELECT id FROM accounts_person WHERE id_number LIKE 'BENCH%%'"
    statements = [("DELETE FROM accounts_auditentry WHERE note = %s", [SEED_MARK]),
                  ("DELETE FROM accounts_auditentry WHERE object_type = 'credit_bank.learningaccount' AND object_id IN "
                   f"(SELECT id::text FROM credit_bank_learningaccount WHERE person_id IN ({bench_people}))", []),
                  ("DELETE FROM accounts_notification WHERE user_id IN "
                   f"(SELECT id FROM accounts_user WHERE person_id IN ({bench_people}))", [])]
    if org is not None:
        issued = "SELECT id FROM certificates_issuedcertificate WHERE org_id = %s"
        statements += [
            ("DELETE FROM accounts_auditentry WHERE object_type = 'credit_bank.outcome' AND object_id IN "
             f"(SELECT o.id::text FROM credit_bank_outcome o WHERE o.issued_id IN ({issued}))", [org.pk]),
            ("DELETE FROM accounts_auditentry WHERE object_type = 'certificates.issuedcertificate' AND object_id IN "
             "(SELECT id::text FROM certificates_issuedcertificate WHERE org_id = %s)", [org.pk]),
            (f"DELETE FROM certificates_verificationcount WHERE issued_id IN ({issued})", [org.pk]),
            (f"DELETE FROM credit_bank_outcome WHERE issued_id IN ({issued})", [org.pk]),
            ("DELETE FROM certificates_issuedcertificate WHERE org_id = %s", [org.pk]),
            ("DELETE FROM certificates_issuancerequest WHERE org_id = %s", [org.pk])]
    statements += [(f"DELETE FROM credit_bank_learningaccount WHERE person_id IN ({bench_people})", []),
                   (f"DELETE FROM accounts_user WHERE person_id IN ({bench_people})", []),
                   ("DELETE FROM accounts_person WHERE id_number LIKE 'BENCH%%'", [])]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for sql, params in statements:
            cursor.execute(sql, params)


# --- measuring a stage -----------------------------------------------------------------------------

def _stage(label: str, processes: int) -> list[tuple]:
    from django.conf import settings
    from django.db import connections

    from certificates.issuance.models import IssuanceRequest

    pending = IssuanceRequest.objects.filter(status="pending", id_number__startswith=PERSON_MARK).count()
    _tables(f"before {label}")
    connections.close_all()
    before = _ceiling(processes)
    statements = _statements_reset()
    connections.close_all()
    issuing = base._parallel(base._issuing_process, processes, max(1, pending // 20))
    if statements:
        _statements(label, pending, settings.ISSUANCE_CHUNK)
    connections.close_all()  # a forked process closing an inherited connection would end ours
    wall = max(r["seconds"] for r in issuing)
    issued = sum(r["done"] for r in issuing)
    assert issued == pending, (issued, pending)
    after = _ceiling(processes)
    ceiling_per_s = (before + after) / 2
    print(f"# {label}: render-and-sign ceiling {before:.1f} before the issuance, {after:.1f} after", file=sys.stderr)
    _tables(f"after {label}")
    chunks = [ms for r in issuing for ms in r["chunk_db_ms"][len(r["chunk_db_ms"]) * 9 // 10:]]
    first = [ms for r in issuing for ms in r["chunk_db_ms"][:max(1, len(r["chunk_db_ms"]) // 10)]]
    print(f"# {label}: {issued} issued in {wall:.1f} s; database per chunk {statistics.mean(first):.1f} ms in the "
          f"first tenth, {statistics.mean(chunks):.1f} ms in the last", file=sys.stderr)
    figures = [
        (f"issuance_per_s_{label}", round(issued / wall, 1), "certificates/s"),
        (f"render_sign_ceiling_per_s_{label}", round(ceiling_per_s, 1), "certificates/s"),
        (f"issuance_efficiency_{label}", round(issued / wall / ceiling_per_s, 3), "ratio"),
        (f"chunk_db_ms_{label}", round(statistics.mean(chunks), 1), "ms/chunk"),
    ]
    if label.startswith("100k"):
        growth = max(r["rss"][-1] - r["rss"][min(len(r["rss"]) - 1, len(r["rss"]) // 10)] for r in issuing)
        figures.append((f"worker_rss_growth_{label}_mb", round(growth, 1), "MB"))
    return figures


def _ceiling(processes: int) -> float:
    """Render-and-sign alone in ``processes`` processes (certificates/s). A stage measures it right
    before and right after its issuance and takes the mean, so a machine whose speed drifts during
    the run (a shared host) moves the ceiling with the issuance it is compared to."""
    ceiling = base._parallel(base._render_sign_process, processes, base.CEILING_N // processes, False, False)
    return sum(r["done"] for r in ceiling) / max(r["seconds"] for r in ceiling)


def _statements_reset() -> bool:
    """pg_stat_statements, where the server loads it (shared_preload_libraries): reset for a stage."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW shared_preload_libraries")
        if "pg_stat_statements" not in cursor.fetchone()[0]:
            return False
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        cursor.execute("SELECT pg_stat_statements_reset()")
    return True


def _statements(label: str, issued: int, chunk: int) -> None:
    """The statements that took the most server time in a stage, per chunk of certificates."""
    from django.db import connection

    chunks = max(1, issued / chunk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT calls, total_exec_time, shared_blks_hit + shared_blks_read, query FROM pg_stat_statements "
                       "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                       "ORDER BY total_exec_time DESC LIMIT 10")
        for calls, total_ms, blocks, query in cursor.fetchall():
            text = " ".join(query.split())[:110]
            print(f"# statements {label}: {total_ms / chunks:7.2f} ms/chunk {calls / chunks:5.1f} calls/chunk "
                  f"{blocks / max(1, calls):8.1f} blocks/call  {text}", file=sys.stderr)


def _tables(when: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_live_tup, n_dead_tup, pg_table_size(relid), pg_indexes_size(relid) "
            "FROM pg_stat_user_tables WHERE relname = ANY(%s) ORDER BY relname", [list(TABLES)])
        for name, live, dead, table, indexes in cursor.fetchall():
            print(f"# tables {when}: {name} {live:,} live, {dead:,} dead, table {table / 2**20:.1f} MB, "
                  f"indexes {indexes / 2**20:.1f} MB", file=sys.stderr)


# --- verification against its floor ----------------------------------------------------------------

def _verification(paths: list[str], *, with_floor: bool, cold: list[str] = ()) -> dict:
    """The loads on one gunicorn as production starts it, and (``with_floor``) the same lookups on
    another with ``VERIFY_HITS_AHEAD=0``: every lookup its own round trip to Redis, as at the
    default rate limit, where no client makes enough lookups a minute to have hits taken ahead."""
    out = _served({}, verify=paths, **({"bare": ["/livez"]} if with_floor else {}), **({"cold": cold} if cold else {}))
    if with_floor:
        out["each_round_trip"] = _served({"VERIFY_HITS_AHEAD": "0"}, each_round_trip=paths)["each_round_trip"]
    print(f"# verification load: {out}", file=sys.stderr)
    return out


def _served(settings_env: dict, **loads: list[str]) -> dict:
    from django.conf import settings

    port = base._free_port()
    env = dict(os.environ, VERIFY_RATE_PER_MINUTE=str(10 ** 9), PYTHONPATH=str(settings.BASE_DIR), **settings_env)
    # The request log is written as in production (a line per request), to a file rather than the terminal.
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(gunicorn_command(port, env), env=env, cwd=settings.BASE_DIR, start_new_session=True,
                              stdout=log, stderr=log)
    try:
        wait_for_port(port)
        return {name: base._wrk_load(list(paths), port, base.VERIFY_SECONDS) for name, paths in loads.items()}
    finally:
        log.close()
        import signal

        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


# --- autovacuum ------------------------------------------------------------------------------------

def _autovacuum(value: str | None) -> str:
    """The server's autovacuum setting; with ``value``, set it (ALTER SYSTEM + reload) first."""
    from django.db import connection

    with connection.cursor() as cursor:
        if value:
            cursor.execute(f"ALTER SYSTEM SET autovacuum = {'on' if value == 'on' else 'off'}")
            cursor.execute("SELECT pg_reload_conf()")
            time.sleep(1)
        cursor.execute("SHOW autovacuum")
        return cursor.fetchone()[0]


def _autovacuum_restore() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ALTER SYSTEM RESET autovacuum")
        cursor.execute("SELECT pg_reload_conf()")


# --- the run ---------------------------------------------------------------------------------------

def run():
    from django.conf import settings
    from django.db import connections

    from certificates.issuance.models import IssuedCertificate

    if not settings.USES_POSTGRES:
        print("# issuance_scale needs PostgreSQL (DATABASE_URL)", file=sys.stderr)
        return []
    processes = int(os.environ.get("BENCH_PROCESSES", "2"))
    media = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    settings.MEDIA_ROOT = media
    os.environ["MEDIA_ROOT"] = str(media)
    figures = []
    autovacuum = _autovacuum(AUTOVACUUM or None)
    print(f"# autovacuum is {autovacuum}", file=sys.stderr)
    try:
        _bulk_cleanup()
        org, certificate = base._setup(0)
        os.environ["BENCH_SEAL_PATH"] = org.seals.get().file.path
        first = 0
        for n in STAGES:
            _people_and_requests(org, certificate, first=first, count=n, passed_on=datetime.date(2026, 10, 1))
            first += n
            figures += _stage(f"{n // 1000}k{SUFFIX}", processes)
        if not SEED:
            return figures  # the suffix of their names says how autovacuum was set
        sample = list(IssuedCertificate.objects.filter(org=org).values_list("number", "holder_name")[:500])
        before = _verification([f"/api/v1/verify/{number}?name={quote(name)}" for number, name in sample],
                               with_floor=True)
        started = time.perf_counter()
        seeded = _seed_issued(org, certificate, first=first, count=SEED)
        first += SEED
        print(f"# seeded {SEED:,} issued certificates in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        connections.close_all()
        _people_and_requests(org, certificate, first=first, count=TOP, passed_on=datetime.date(2026, 10, 1))
        figures += _stage(f"1m{SUFFIX}", processes)
        paths = [f"/api/v1/verify/{number}?name={quote(name)}" for number, name in seeded]
        after = _verification(paths[:500], with_floor=False, cold=paths[500:])
    finally:
        connections.close_all()
        _bulk_cleanup()
        base._cleanup()
        if AUTOVACUUM:
            _autovacuum_restore()
        shutil.rmtree(media, ignore_errors=True)
    verify, bare = before["verify"], before["bare"]
    return figures + [
        ("autovacuum", 1 if autovacuum == "on" else 0, "on=1"),
        ("bare_view_rps", round(bare["rps"], 1), "requests/s"),
        ("bare_view_p99_ms", round(bare["p99_ms"], 2), "ms"),
        ("verify_rps", round(verify["rps"], 1), "requests/s"),
        ("verify_p99_ms", round(verify["p99_ms"], 2), "ms"),
        ("verify_floor_ratio", round(verify["rps"] / bare["rps"], 3), "ratio"),
        ("verify_each_round_trip_rps", round(before["each_round_trip"]["rps"], 1), "requests/s"),
        ("verify_each_round_trip_p99_ms", round(before["each_round_trip"]["p99_ms"], 2), "ms"),
        ("verify_floor_ratio_each_round_trip", round(before["each_round_trip"]["rps"] / bare["rps"], 3), "ratio"),
        ("verify_rps_1m", round(after["verify"]["rps"], 1), "requests/s"),
        ("verify_p99_ms_1m", round(after["verify"]["p99_ms"], 2), "ms"),
        ("verify_p99_growth_1m", round(after["verify"]["p99_ms"] / verify["p99_ms"] - 1, 3) if verify["p99_ms"] else None,
         "ratio"),
        ("verify_cold_rps_1m", round(after["cold"]["rps"], 1), "requests/s"),
        ("verify_cold_p99_ms_1m", round(after["cold"]["p99_ms"], 2), "ms"),
        ("verify_errors", verify["errors"] + bare["errors"] + before["each_round_trip"]["errors"]
         + after["verify"]["errors"] + after["cold"]["errors"],
         "responses"),
    ]
