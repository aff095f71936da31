"""Fault drill (issue 18, item 4): PostgreSQL stopped for ten seconds during an issuance run, on a
private cluster started for this test (the shared server is never stopped). The issuing tasks retry
with backoff, so issuance resumes within 30 s of the database's return without beat, and every pass is
issued exactly once with gap-free serials."""

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.certificates.test_issuance_worker import _stop

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.drill]

TOTAL = 300
SEED = f"""
import datetime
from accounts.models import Province
from accounts.provinces import provinces_ensure
from tests.accounts.factories import PersonFactory
from tests.certificates.factories import certificate_with_levels, issuance_requests, seal_for
from tests.organizations.factories import OrgFactory

provinces_ensure()
org = OrgFactory(name="演练培训评价组织")
seal_for(org)
certificate = certificate_with_levels(org=org, name="Web前端开发")
people = [PersonFactory(birth=datetime.date(1990, 1, 1) + datetime.timedelta(days=i // 500)) for i in range({TOTAL})]
issuance_requests(certificate=certificate, province=Province.objects.get(code="42"), people=people)
"""


def _as_postgres(*command: str) -> list[str]:
    """initdb and pg_ctl refuse to run as root: run them as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


class PrivateCluster:
    def __init__(self, bindir: str):
        self.bindir = bindir
        self.dir = tempfile.mkdtemp(prefix="pilot-drill-pg-")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        subprocess.run(_as_postgres(f"{bindir}/initdb", "-D", f"{self.dir}/data", "-A", "trust", "-U", "postgres"),
                       check=True, capture_output=True)
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/drill"

    def start(self) -> None:
        subprocess.run(_as_postgres(f"{self.bindir}/pg_ctl", "-D", f"{self.dir}/data", "-w", "-l", f"{self.dir}/log",
                                    "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off",
                                    "start"), check=True, capture_output=True)

    def stop(self) -> None:
        subprocess.run(_as_postgres(f"{self.bindir}/pg_ctl", "-D", f"{self.dir}/data", "-m", "fast", "-w", "stop"),
                       check=False, capture_output=True)

    def query(self, sql: str):
        with psycopg.connect(self.url, connect_timeout=3) as conn:
            return conn.execute(sql).fetchall()


@pytest.fixture
def private_cluster(transactional_db):
    if settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.skip("needs Redis (REDIS_URL) for a worker process; CI always has it")
    initdb = shutil.which("initdb") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))), None)
    if initdb is None:
        pytest.skip("no initdb on this machine to start a private PostgreSQL cluster")
    cluster = PrivateCluster(os.path.dirname(os.path.realpath(initdb)))
    cluster.start()
    try:
        # The migrated schema and its data migrations, copied from this run's test database.
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_database()")
            source = {**connection.settings_dict, "NAME": cursor.fetchone()[0]}
        subprocess.run([f"{cluster.bindir}/createdb", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres",
                        "drill"], check=True, capture_output=True)
        dump = subprocess.run([f"{cluster.bindir}/pg_dump", "--no-owner", "-h", source["HOST"] or "127.0.0.1",
                               "-p", str(source["PORT"] or 5432), "-U", source["USER"], source["NAME"]],
                              check=False, capture_output=True, env={**os.environ, "PGPASSWORD": source["PASSWORD"] or ""})
        assert dump.returncode == 0, (source["NAME"], dump.stderr.decode())
        psql = shutil.which("psql") or f"{cluster.bindir}/psql"
        subprocess.run([psql, "-q", "-v", "ON_ERROR_STOP=1", cluster.url], input=dump.stdout,
                       check=True, capture_output=True)
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(cluster.dir, ignore_errors=True)


def _wait(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except psycopg.OperationalError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"{what}: not within {timeout} s")


def test_issuance_resumes_within_30_s_of_the_database_return_and_issues_each_pass_once(private_cluster):
    from certificates.issuance.tasks import issue_pending

    cluster = private_cluster
    # The seed and the worker share the test's file storage: the worker reads the seal the seed stored.
    env = {**os.environ, "DATABASE_URL": cluster.url, "DASHBOARD_REFRESH_ON_CHANGE": "0",
           "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    # Only the schema counts: rows another test committed to the copied database are flushed.
    for command in (["flush", "--noinput"], ["shell", "-c", SEED]):
        done = subprocess.run([sys.executable, "manage.py", *command], cwd=settings.BASE_DIR, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
    assert cluster.query("select count(*) from certificates_issuancerequest where status = 'pending'") == [(TOTAL,)]
    queue = f"drill-{uuid.uuid4().hex[:8]}"
    # Persistent connections, as in production: the ones the outage broke must be replaced.
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "pilot", "worker", "-Q", queue, "--concurrency", "2",
         "--without-gossip", "--without-mingle", "--loglevel", "WARNING", "-n", f"{queue}@%h"],
        env={**env, "DB_CONN_MAX_AGE": "60", "TASK_RETRY_BACKOFF_MAX": "8", "ISSUANCE_CHUNK": "10",
             "CELERY_QUEUE": queue},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    count = "select count(*) from certificates_issuedcertificate"
    try:
        for _ in range(2):
            issue_pending.apply_async(queue=queue)
        _wait(lambda: cluster.query(count)[0][0] >= 30, timeout=90, what="the first certificates")
        cluster.stop()
        time.sleep(10)
        cluster.start()
        returned = time.monotonic()
        before = cluster.query(count)[0][0]
        assert before < TOTAL, "the run finished before the database went away: nothing was drilled"
        _wait(lambda: cluster.query(count)[0][0] > before, timeout=30, what="issuing again after the database's return")
        resumed = time.monotonic() - returned
        _wait(lambda: cluster.query(
            "select count(*) from certificates_issuedcertificate where pdf <> '' and announced_at is not null")[0][0]
            == TOTAL, timeout=120, what="every certificate rendered and announced")
    finally:
        _stop(worker)
    assert resumed < 30
    assert cluster.query("select count(*) from certificates_issuancerequest where status <> 'issued'") == [(0,)]
    assert cluster.query("select count(*), count(distinct number), count(distinct request_id), "
                         "min(right(number, 6)::int), max(right(number, 6)::int) "
                         "from certificates_issuedcertificate") == [(TOTAL, TOTAL, TOTAL, 1, TOTAL)]
