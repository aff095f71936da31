"""Issuance figures (issue 6), measured side by side in one run:

- ``issuance_per_s``: certificates issued end to end (claim + number + store, render, sign, write the
  PDF, announce) by ``BENCH_PROCESSES`` worker processes (default 2: the machine's cores) running the
  same loop the Celery task runs, over a batch of ``BENCH_ISSUANCE_N`` requests (default 10,000);
- ``render_sign_ceiling_per_s``: render-and-sign alone in the same number of processes;
- ``issuance_efficiency`` = issuance / ceiling;
- ``weasyprint_scratch_per_s``: the naive pipeline (each certificate rendered from scratch by
  WeasyPrint with the full Noto CJK font, then the same signing and storage, same processes) on
  ``BENCH_NAIVE_N`` certificates (default 1,000); ``issuance_speedup`` = issuance / naive;
- ``pdf_kb``: mean size of the stored signed PDFs; ``worker_peak_mb``: the largest peak RSS of an
  issuing process; ``worker_rss_growth_mb``: RSS at the end minus RSS after the first 10 % (flat = ~0);
- ``issuance_cpu_ms`` / ``render_sign_cpu_ms``: CPU time per certificate of the issuing and of the
  ceiling processes (PostgreSQL's share not included) — on a machine others are using, the rates
  move with their load, these much less;
- ``verify_rps`` / ``verify_p99_ms``: GET /api/v1/verify/{number}?name=… against gunicorn as
  gunicorn.conf.py starts it (2 workers)
  from a separate load-client process on loopback with 8 concurrent connections for
  ``BENCH_VERIFY_SECONDS`` (default 20), the rate limit lifted for the client. The client is wrk
  (``scripts/system-deps --bench`` installs it; ``make bench`` does) — a Python client spends about
  half a millisecond of the same two cores per request; without wrk (or with
  ``BENCH_VERIFY_CLIENT=python``) the Python client below runs instead and the run says so.

The 100,000-certificate run: ``BENCH_ISSUANCE_N=100000 make bench BENCH=issuance``. Every run works on
its own org, certificate and people, and deletes them and their PDFs afterwards. Needs PostgreSQL
(DATABASE_URL) for parallel workers; on SQLite it runs one process.
"""

import datetime
import json
import multiprocessing
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import cleanup
from bench.serving import gunicorn_command, wait_for_port

N = int(os.environ.get("BENCH_ISSUANCE_N", "10000"))
NAIVE_N = int(os.environ.get("BENCH_NAIVE_N", "1000"))
CEILING_N = int(os.environ.get("BENCH_CEILING_N", str(max(200, min(N, 2000)))))
VERIFY_SECONDS = float(os.environ.get("BENCH_VERIFY_SECONDS", "20"))
ORG_NAME = "基准测试培训评价组织（自动清理）"


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _cpu_seconds() -> float:
    """CPU time of this (forked) process so far, user and system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- setup and cleanup ---------------------------------------------------------------------------

def _setup(n: int):
    from django.db import transaction

    from accounts.models import Person, Province
    from accounts.provinces import provinces_ensure
    from certificates.batches.models import SelectionBatch
    from certificates.catalog.models import AssessmentType, Certificate, CertificateLevel
    from certificates.issuance.models import IssuanceRequest
    from core.uploads import stored_file_save
    from organizations.orgs.models import Org
    from organizations.seals.models import OrgSeal

    _cleanup()
    provinces_ensure()
    hubei = Province.objects.get(code="42")
    with transaction.atomic():
        org = Org.objects.create(name=ORG_NAME, credit_code="91110000BENCH0000X", org_type="enterprise", code="9999")
        batch, _ = SelectionBatch.objects.get_or_create(number=99, defaults={
            "name": "基准测试批次", "opened_on": datetime.date(2026, 1, 1), "status": "published"})
        certificate = Certificate.objects.create(code="BENCH-1", name="Web前端开发", org=org, batch=batch,
                                                 field="信息技术", status="published")
        CertificateLevel.objects.create(certificate=certificate, level="junior", assessment_type=AssessmentType.COMPUTER)
        from tests.certificates.factories import seal_png

        stored_file_save(OrgSeal(org=org, version=1, width_px=240, height_px=240), seal_png(),
                         original_name="seal.png", content_type="image/png", extension=".png")
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英䶮"
    people = [Person(id_type="other", id_number=f"BENCH{i:010d}",
                     name=surnames[i % len(surnames)] + given[(i // 7) % len(given)] + given[i % 11])
              for i in range(n)]
    Person.objects.bulk_create(people, batch_size=5000)
    people = list(Person.objects.filter(id_number__startswith="BENCH").order_by("pk"))
    requests = [IssuanceRequest(result_id=900_000_000 + i, session_id=9_999_000 + i // 500, certificate=certificate,
                                level="junior", org=org, person=p, holder_name=p.name, id_type=p.id_type,
                                id_number=p.id_number, province=hubei, site_code="00001", score=85,
                                passed_on=datetime.date(2026, 10, 1)) for i, p in enumerate(people)]
    IssuanceRequest.objects.bulk_create(requests, batch_size=5000)
    return org, certificate


def _cleanup():
    from django.db import transaction

    from organizations.orgs.models import Org

    org = Org.objects.filter(name=ORG_NAME).first()
    with transaction.atomic():
        if org is not None:
            cleanup.org_issuance_delete(org, number_prefix="X9999")
            cleanup.org_delete(org)
        cleanup.people_delete("BENCH")


# --- worker processes ---------------------------------------------------------------------------------

def _issuing_process(results, samples_every: int):
    """The loop the Celery task runs (issuance_run), with the process's memory sampled as it goes and
    the database's share of each chunk timed: its statements (an execute wrapper) and commits."""
    from django.db import connection, connections
    from django.db.backends.base import base as backend_base

    connections.close_all()
    from certificates.issuance.worker import issuance_announce_many, issuance_claim, issuance_render_many

    db = [0.0]

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            db[0] += time.perf_counter() - started

    original_commit = backend_base.BaseDatabaseWrapper._commit

    def timed_commit(self):
        started = time.perf_counter()
        try:
            return original_commit(self)
        finally:
            db[0] += time.perf_counter() - started

    backend_base.BaseDatabaseWrapper._commit = timed_commit  # this forked process only
    rss, chunk_db_ms, done, next_sample, started = [], [], 0, samples_every, time.perf_counter()
    with connection.execute_wrapper(timed):
        while True:
            db[0] = 0.0
            ids = issuance_claim()
            if ids is None:
                break
            if not ids:
                continue
            issuance_render_many(certificate_ids=ids)
            issuance_announce_many(certificate_ids=ids)
            chunk_db_ms.append(db[0] * 1000)
            done += len(ids)
            if done >= next_sample:
                rss.append(round(_rss_mb(), 1))
                next_sample += samples_every
    connections.close_all()
    results.put({"done": done, "seconds": time.perf_counter() - started, "rss": rss + [round(_rss_mb(), 1)],
                 "chunk_db_ms": chunk_db_ms, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                 "cpu": _cpu_seconds()})


def _render_sign_process(results, count: int, naive: bool, store: bool):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.db import connections

    from certificates.issuance import pdf, signing

    connections.close_all()
    seal = Path(os.environ["BENCH_SEAL_PATH"]).read_bytes()
    sizes, started = [], time.perf_counter()
    for i in range(count):
        data = pdf.CertificateData(
            number=f"X999942000001261{os.getpid() % 100:02d}{i:04d}", version=1, holder_name="王䶮" if i % 50 == 0 else "李小明",
            id_type="resident_id", id_type_label="居民身份证", id_number="420106200305151234",
            certificate_name="Web前端开发", level="junior", level_label="初级", org_name=ORG_NAME,
            issued_on=datetime.date(2026, 11, 26), verify_url=f"http://127.0.0.1:8000/verify/t/bench{os.getpid()}{i:08d}",
            seal_png=lambda: seal, seal_key="bench-seal")
        content = pdf.render_naive(data) if naive else pdf.render_certificate(data)
        content = signing.sign_pdf(content, number=data.number)
        if store:
            default_storage.save(f"bench-naive/{data.number}.pdf", ContentFile(content))  # removed with MEDIA_ROOT
        sizes.append(len(content))
    results.put({"done": count, "seconds": time.perf_counter() - started, "kb": statistics.mean(sizes) / 1024,
                 "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "cpu": _cpu_seconds()})


def _parallel(target, processes: int, *args) -> list[dict]:
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [context.Process(target=target, args=(results, *args)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    out = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    return out


# --- verification under load ---------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _load_client(url_paths: list[str], port: int, seconds: float, concurrency: int = 8) -> dict:
    """Run in its own process: keep-alive HTTP/1.1 requests from ``concurrency`` connections."""
    import asyncio

    import aiohttp

    async def run():
        latencies, errors = [], 0
        deadline = time.perf_counter() + seconds
        max_requests = 2_000_000  # bounded in count as well as in time
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", connector=connector) as session:
            async def one(worker: int):
                nonlocal errors
                i = worker
                while time.perf_counter() < deadline and len(latencies) < max_requests:
                    started = time.perf_counter()
                    async with session.get(url_paths[i % len(url_paths)]) as response:
                        await response.read()
                        if response.status != 200:
                            errors += 1
                    latencies.append(time.perf_counter() - started)
                    i += concurrency

            # Warm-up, not recorded: each gunicorn worker loads the URLconf and opens its connections.
            for path in url_paths[: 20 * concurrency]:
                async with session.get(path) as response:
                    await response.read()
            deadline = time.perf_counter() + seconds
            started = time.perf_counter()
            await asyncio.gather(*(one(w) for w in range(concurrency)))
            elapsed = time.perf_counter() - started
        latencies.sort()
        return {"requests": len(latencies), "errors": errors, "rps": len(latencies) / elapsed,
                "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else None}

    return asyncio.run(run())


_WRK_SCRIPT = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK-RESULT %%d %%d %%d %%.3f\\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(99) / 1000))
end
"""


def _wrk_load(paths: list[str], port: int, seconds: float, concurrency: int = 8) -> dict:
    """wrk (C, one thread) as the load client: it costs the server's two cores far less per request
    than a Python client, so the figure is the server's. Counts every non-2xx/3xx answer as an error."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_SCRIPT % ",".join(json.dumps(p) for p in paths))
    try:
        def wrk(duration: float) -> list[str]:
            # A long timeout: a slow answer counts in the latencies instead of vanishing as an error.
            out = subprocess.run(["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(duration))}s", "--timeout", "30s",
                                  "-s", script.name, f"http://127.0.0.1:{port}"],
                                 capture_output=True, text=True, timeout=duration + 120)
            if out.returncode:
                raise RuntimeError(out.stderr)
            return next(line for line in out.stdout.splitlines() if line.startswith("WRK-RESULT")).split()[1:]

        # Warm-up, not recorded: each gunicorn worker loads the URLconf and opens its connections on
        # its first requests, which on a busy machine takes seconds; until a warm-up run is clean.
        for _attempt in range(5):
            if wrk(3)[2] == "0":
                break
        requests, duration_us, errors, p99_ms = wrk(seconds)
    finally:
        os.unlink(script.name)
    return {"requests": int(requests), "errors": int(errors), "rps": int(requests) / (int(duration_us) / 1e6),
            "p99_ms": float(p99_ms), "client": "wrk"}


def _verify_load(paths: list[str]) -> dict:
    from django.conf import settings

    port = _free_port()
    env = dict(os.environ, VERIFY_RATE_PER_MINUTE=str(10 ** 9), PYTHONPATH=str(settings.BASE_DIR))
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        env["SQLITE_PATH"] = str(settings.DATABASES["default"]["NAME"])
    server = subprocess.Popen(gunicorn_command(port, env), env=env, cwd=settings.BASE_DIR, start_new_session=True)
    try:
        wait_for_port(port)
        if shutil.which("wrk") and os.environ.get("BENCH_VERIFY_CLIENT", "wrk") == "wrk":
            return _wrk_load(paths, port, VERIFY_SECONDS)
        client = subprocess.run([sys.executable, __file__, "--client", str(port), str(VERIFY_SECONDS)],
                                input=json.dumps(paths), capture_output=True, text=True, env=env, timeout=600)
        if client.returncode:
            raise RuntimeError(client.stderr)
        return dict(json.loads(client.stdout.strip().splitlines()[-1]), client="python")
    finally:
        import signal

        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


# --- the run ------------------------------------------------------------------------------------------

def run():
    from django.conf import settings
    from django.db import connections

    from certificates.issuance.models import IssuedCertificate

    processes = int(os.environ.get("BENCH_PROCESSES", "2")) if settings.USES_POSTGRES else 1
    media = Path(tempfile.mkdtemp(prefix="bench-issuance-"))
    settings.MEDIA_ROOT = media  # the PDFs of this run live here and are deleted with it
    os.environ["MEDIA_ROOT"] = str(media)
    try:
        org, _certificate = _setup(N)
        seal_path = org.seals.get().file.path
        os.environ["BENCH_SEAL_PATH"] = seal_path
        connections.close_all()

        # Warm-up is part of each process's real life; the ceiling is measured the same way.
        issuing = _parallel(_issuing_process, processes, max(1, N // 20))
        wall = max(r["seconds"] for r in issuing)
        issued = sum(r["done"] for r in issuing)
        issuance_per_s = issued / wall
        sizes = list(IssuedCertificate.objects.filter(org=org).exclude(pdf_size=None).values_list("pdf_size", flat=True))
        assert issued == N == len(sizes), (issued, N, len(sizes))
        rss_growth = max(r["rss"][-1] - r["rss"][min(len(r["rss"]) - 1, max(0, len(r["rss"]) // 10))] for r in issuing)

        connections.close_all()
        ceiling = _parallel(_render_sign_process, processes, CEILING_N // processes, False, False)
        ceiling_per_s = sum(r["done"] for r in ceiling) / max(r["seconds"] for r in ceiling)
        naive = _parallel(_render_sign_process, processes, max(1, NAIVE_N // processes), True, True)
        naive_per_s = sum(r["done"] for r in naive) / max(r["seconds"] for r in naive)

        sample = list(IssuedCertificate.objects.filter(org=org).values_list("number", "holder_name")[:500])
        from urllib.parse import quote

        verify = _verify_load([f"/api/v1/verify/{number}?name={quote(name)}" for number, name in sample])
        print(f"# verification load client: {verify['client']}", file=sys.stderr)
    finally:
        connections.close_all()
        _cleanup()
        shutil.rmtree(media, ignore_errors=True)
    return [
        ("issuance_batch", N, "certificates"),
        ("issuance_processes", processes, "processes"),
        ("issuance_per_s", round(issuance_per_s, 1), "certificates/s"),
        ("render_sign_ceiling_per_s", round(ceiling_per_s, 1), "certificates/s"),
        ("issuance_efficiency", round(issuance_per_s / ceiling_per_s, 3), "ratio"),
        ("weasyprint_scratch_per_s", round(naive_per_s, 2), "certificates/s"),
        ("issuance_speedup", round(issuance_per_s / naive_per_s, 1), "x"),
        ("pdf_kb", round(statistics.mean(sizes) / 1024, 1), "KB"),
        ("naive_pdf_kb", round(statistics.mean(r["kb"] for r in naive), 1), "KB"),
        # CPU per certificate in the worker processes (PostgreSQL's own share not included): less
        # sensitive than the rates to other load on the machine.
        ("issuance_cpu_ms", round(sum(r["cpu"] for r in issuing) / issued * 1000, 2), "ms/certificate"),
        ("render_sign_cpu_ms", round(sum(r["cpu"] for r in ceiling) / sum(r["done"] for r in ceiling) * 1000, 2),
         "ms/certificate"),
        ("worker_peak_mb", round(max(r["peak_mb"] for r in issuing), 1), "MB"),
        ("worker_rss_growth_mb", round(rss_growth, 1), "MB"),
        ("verify_rps", round(verify["rps"], 1), "requests/s"),
        ("verify_p99_ms", round(verify["p99_ms"], 2), "ms"),
        ("verify_errors", verify["errors"], "responses"),
    ]


if __name__ == "__main__" and len(sys.argv) >= 4 and sys.argv[1] == "--client":
    print(json.dumps(_load_client(json.loads(sys.stdin.read()), int(sys.argv[2]), float(sys.argv[3]))))
