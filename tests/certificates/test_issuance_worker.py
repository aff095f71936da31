"""Issuance with real Celery workers on Redis and PostgreSQL: concurrent workers, a batch run twice,
and a worker killed in the middle of a batch leave no duplicate, no gap and no lost pass."""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count

from certificates.issuance.models import IssuanceRequest, IssuedCertificate, NumberSequence
from tests.accounts.factories import PersonFactory
from tests.certificates.factories import certificate_with_levels, issuance_requests, seal_for

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def assert_exactly_once(expected_requests: int, duplicates: int = 0):
    """Every request answered, one certificate per issued request, serials 1..n per prefix."""
    statuses = defaultdict(int)
    for status in IssuanceRequest.objects.values_list("status", flat=True):
        statuses[status] += 1
    assert dict(statuses) == {k: v for k, v in {"issued": expected_requests - duplicates,
                                                "duplicate": duplicates}.items() if v}
    certificates = list(IssuedCertificate.objects.values_list("number", "request_id", "person_id", "level"))
    assert len(certificates) == expected_requests - duplicates
    assert len({c[1] for c in certificates}) == len(certificates)  # one certificate per request
    assert len({(c[2], c[3]) for c in certificates}) == len(certificates)  # one per person and level
    by_prefix = defaultdict(list)
    for number, *_ in certificates:
        by_prefix[number[:-6]].append(int(number[-6:]))
    for prefix, serials in by_prefix.items():
        assert sorted(serials) == list(range(1, len(serials) + 1)), prefix  # no gap, no repeat
        assert NumberSequence.objects.get(prefix=prefix).last_value == len(serials)


def wait_until(condition, timeout=300, what="issuance to finish"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    state = {
        "requests": dict(IssuanceRequest.objects.values_list("status").annotate(n=Count("pk"))),
        "certificates": IssuedCertificate.objects.count(),
        "without_pdf": IssuedCertificate.objects.filter(pdf="").count(),
        "unannounced": IssuedCertificate.objects.filter(announced_at__isnull=True).count(),
    }
    logs = ""
    for log in sorted(Path(os.environ["PILOT_VAR_DIR"]).glob("*worker*.log")):
        logs += f"\n--- {log.name}\n" + log.read_text(errors="replace")[-3000:]
    raise AssertionError(f"timed out waiting for {what}: {state}{logs}")


def finished() -> bool:
    return (not IssuanceRequest.objects.filter(status="pending").exists()
            and not IssuedCertificate.objects.filter(pdf="").exists()
            and not IssuedCertificate.objects.filter(announced_at__isnull=True).exists())


@pytest.fixture
def certificate(org_a, settings):
    # The seal where the worker processes read it (the run's var directory), not in this test's folder.
    settings.MEDIA_ROOT = Path(os.environ["PILOT_VAR_DIR"]) / "media"
    seal_for(org_a)
    return certificate_with_levels(org=org_a)


def test_concurrent_workers_and_a_batch_run_twice(celery_worker_process, certificate, hubei, shandong, settings):
    from certificates.issuance.tasks import issue_pending
    from certificates.issuance.worker import issuance_run

    settings.ISSUANCE_CHUNK = 7
    settings.ISSUANCE_PARALLEL = 0  # the test starts the work itself, several times over
    people = [PersonFactory() for _ in range(60)]
    issuance_requests(certificate=certificate, province=hubei, people=people)
    issuance_requests(certificate=certificate, province=shandong, people=people[:30] + [PersonFactory() for _ in range(30)])
    # The same batch, started four times on the worker and twice more in this process, all at once.
    for _ in range(4):
        issue_pending.delay(limit=7)

    def run_here():
        try:
            issuance_run(limit=5)
        finally:
            connection.close()

    threads = [threading.Thread(target=run_here) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wait_until(finished)
    assert_exactly_once(120, duplicates=30)


def _start_worker(queue: str) -> subprocess.Popen:
    db = connection.settings_dict
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/"
                        f"{db['NAME']}",
        "DB_CONN_MAX_AGE": "0", "CELERY_QUEUE": queue, "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "ISSUANCE_CHUNK": "5", "ISSUANCE_PARALLEL": "1"})
    log = open(os.path.join(os.environ["PILOT_VAR_DIR"], f"worker-{queue}.log"), "a")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "pilot", "worker", "-Q", queue, "--concurrency", "1",
         "--without-gossip", "--without-mingle", "--loglevel", "INFO", "-n", f"{queue}-{time.time_ns()}@%h"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return process


def _stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.mark.drill
def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(certificate, hubei, settings):
    if settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.skip("needs Redis (REDIS_URL) for a worker process to kill; CI always has it")
    from certificates.issuance.tasks import issue_pending, sweep

    settings.ISSUANCE_PARALLEL = 0  # nothing goes to the shared test queue: this test owns its workers
    total = 120
    issuance_requests(certificate=certificate, province=hubei, people=[PersonFactory() for _ in range(total)])
    queue = f"kill-{uuid.uuid4().hex[:8]}"
    first = _start_worker(queue)
    try:
        issue_pending.apply_async(kwargs={"limit": 5}, queue=queue)
        wait_until(lambda: IssuedCertificate.objects.count() >= 15, timeout=120, what="the first certificates")
        _stop(first, signal.SIGKILL)  # the whole worker, pool child included, mid-batch
    finally:
        _stop(first, signal.SIGKILL)
    at_kill = IssuedCertificate.objects.count()
    assert 15 <= at_kill < total, "the kill should land in the middle of the batch"
    assert IssuanceRequest.objects.filter(status="pending").exists()

    second = _start_worker(queue)
    try:
        # What beat does every few minutes, and a second start of the same batch.
        sweep.apply_async(kwargs={"stale_seconds": 0}, queue=queue)
        issue_pending.apply_async(kwargs={"limit": 5}, queue=queue)
        wait_until(finished)
        sweep.apply_async(kwargs={"stale_seconds": 0}, queue=queue)  # nothing left to do: must add nothing
        time.sleep(1)
    finally:
        _stop(second)
    assert_exactly_once(total)
    assert not IssuedCertificate.objects.filter(pdf="").exists()
