"""Result-day load test (issue 18, item 6): the portal as it runs on the day results come out.

Starts gunicorn (``gunicorn.conf.py`` of the repository, ``BENCH_RESULTDAY_WORKERS`` sync workers,
default 3) and a Celery worker (concurrency 2) on loopback, on this database and Redis, then runs the
mix of bench/resultday_locust.py with Locust, headless, once per step of simultaneous users
(``BENCH_RESULTDAY_STEPS``, default 2,4,8,16,24,32,40,48; ``BENCH_RESULTDAY_STEP_SECONDS`` each, default 40,
measured after all users are started). Stepping stops at the first step that does not hold once
``BENCH_RESULTDAY_MIN_STEPS`` steps (default 3) have run: on a busy machine the first steps may not hold,
and the CPU figures want more than a handful of requests. In every step an org finalizes a session
of 1,000 candidates through the page, so the worker issues about 900 certificates while the step runs.

A step holds when no request fails, the p95 of every request but the password check stays under
300 ms, and the sign-in's p95 stays under 300 ms plus the CPU time of one password check. The sign-in
is held apart because its floor is the hasher: PBKDF2 with Django 5.2's 1,000,000 iterations costs
about 250 ms of CPU, so with one sign-in in every five student requests
a p95 over everything could never fall under 300 ms, whatever the capacity. Figures:

- ``resultday_rps_per_core``: requests per second (all of them, sign-ins included) of the highest
  step that holds, divided by the cores gunicorn used in it (its processes' CPU seconds over the
  step's seconds, read from /proc);
- ``resultday_p95_ms``: that step's p95 over every request but the sign-in; ``resultday_signin_p95_ms``
  the sign-in's; ``resultday_rps``, ``resultday_users``, ``resultday_gunicorn_cores`` of that step;
- ``resultday_cpu_ms_per_request``: gunicorn's CPU milliseconds per request of the mix, over every
  step run (sign-ins included); ``resultday_cpu_ms_per_other_request``: the same without the
  password checks (gunicorn's CPU less ``signin_cpu_ms`` per sign-in, over the other requests);
  ``resultday_postgres_cpu_ms_per_request``: CPU of the PostgreSQL backends serving this database,
  per request. CPU per request is the figure least moved by other load on the machine; the
  capacity plan in the README is worked out from these;
- ``signin_cpu_ms``: CPU time (time.process_time) of one password check with Django's default
  hasher (PBKDF2-SHA256, production's), the mean of ``BENCH_SIGNIN_CHECKS`` checks (default 20).

Where the time goes: a per-endpoint table (requests, failures, p50, p95, p99) of every step, and the
machine's CPU split between gunicorn, the Celery worker, Locust and the rest (PostgreSQL, Redis and
whatever else runs on the machine), printed to stderr.

Data: the ``seed_scale`` pilot (generated with ``BENCH_RESULTDAY_REGISTRATIONS`` registrations,
default 20,000, when the database holds none). ``BENCH_RESULTDAY_STUDENTS`` (default 500) of its
holders get student accounts, written with bulk inserts and sharing one password hash made by the
portal's hasher (every check still costs a full PBKDF2 run); their PDFs are rendered by the worker
before the steps (a result-day certificate is stored at issuance). Ten institutions with the most
certificates get an account each; the finalizing org, its seal, site, candidates and sessions are
the bench's own. Everything the run writes is deleted afterwards (and before, if an earlier run was
interrupted); the PDFs live in a temporary MEDIA_ROOT.

The load client runs on the same machine and takes its share of the cores: the figures are a floor.
"""

import csv
import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import cleanup
from bench.serving import wait_for_port

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = Path(__file__).resolve().parent / "resultday_locust.py"
REGISTRATIONS = int(os.environ.get("BENCH_RESULTDAY_REGISTRATIONS", "20000"))
STUDENTS = int(os.environ.get("BENCH_RESULTDAY_STUDENTS", "500"))
STEPS = [int(s) for s in os.environ.get("BENCH_RESULTDAY_STEPS", "2,4,8,16,24,32,40,48").split(",") if s.strip()]
STEP_SECONDS = int(os.environ.get("BENCH_RESULTDAY_STEP_SECONDS", "40"))
WORKERS = int(os.environ.get("BENCH_RESULTDAY_WORKERS", "3"))
MIN_STEPS = int(os.environ.get("BENCH_RESULTDAY_MIN_STEPS", "3"))
SESSION_SIZE = int(os.environ.get("BENCH_RESULTDAY_SESSION_SIZE", "1000"))
SIGNIN_CHECKS = int(os.environ.get("BENCH_SIGNIN_CHECKS", "20"))
P95_LIMIT_MS = 300
INSTITUTIONS = 10
PASSWORD = "ResultDay-2026!"  # the bench's own throwaway accounts, deleted after the run
USER_PREFIX = "rday-"
PERSON_PREFIX = "RDAY"
ORG_NAME = "结果日压测培训评价组织（自动清理）"
ORG_CODE = "9997"  # seed_scale codes its orgs from 9000 up, bench_issuance uses 9999
SCALE_ORG_MARK = "9199"


# --- the password check ----------------------------------------------------------------------------

def signin_cpu_ms() -> tuple[float, int]:
    """CPU milliseconds of one check with the default hasher, and its iteration count."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    encoded = hasher.encode(PASSWORD, hasher.salt())
    hasher.verify(PASSWORD, encoded)  # warm-up
    started = time.process_time()
    for _ in range(SIGNIN_CHECKS):
        assert hasher.verify(PASSWORD, encoded)
    return (time.process_time() - started) / SIGNIN_CHECKS * 1000, hasher.iterations


# --- data ------------------------------------------------------------------------------------------

def _ensure_scale() -> None:
    from django.core.management import call_command

    from organizations.orgs.models import Org

    if Org.objects.filter(credit_code__startswith=SCALE_ORG_MARK).exists():
        return
    print(f"# seed_scale: no scale data, generating {REGISTRATIONS:,} registrations", file=sys.stderr)
    call_command("seed_scale", "--registrations", str(REGISTRATIONS),
                 "--institutions", str(min(2000, max(50, REGISTRATIONS // 100))),
                 "--orgs", str(min(100, max(10, REGISTRATIONS // 1000))), stdout=sys.stderr)


def _accounts(password_hash: str) -> dict:
    """Student accounts for holders of scale certificates, institution accounts; bulk inserts."""
    from django.db.models import Count

    from accounts.models import Role, RoleBinding, User
    from certificates.issuance.models import IssuedCertificate
    from organizations.institutions.models import Institution

    scale = IssuedCertificate.objects.filter(org__credit_code__startswith=SCALE_ORG_MARK, status="valid")
    holders = list(scale.filter(person__user__isnull=True).order_by("person_id", "pk").distinct("person_id")
                   .values_list("pk", "person_id", "number", "holder_name", "token")[:STUDENTS])
    users = User.objects.bulk_create([
        User(username=f"{USER_PREFIX}{i:06d}", password=password_hash, is_active=True, person_id=person_id,
             full_name=name) for i, (_pk, person_id, _number, name, _token) in enumerate(holders)], batch_size=2000)
    RoleBinding.objects.bulk_create([RoleBinding(user=u, role=Role.STUDENT) for u in users], batch_size=2000)
    top = list(scale.exclude(institution=None).values("institution_id").annotate(n=Count("pk"))
               .order_by("-n")[:INSTITUTIONS])
    institutions = {i.pk: i for i in Institution.objects.filter(pk__in=[row["institution_id"] for row in top])}
    staff = User.objects.bulk_create([User(username=f"{USER_PREFIX}inst-{n}", password=password_hash, is_active=True,
                                           full_name="院校管理员") for n in range(len(top))])
    RoleBinding.objects.bulk_create([
        RoleBinding(user=u, role=Role.INSTITUTION, province_id=institutions[row["institution_id"]].province_id,
                    scope_id=row["institution_id"]) for u, row in zip(staff, top, strict=True)])
    public = list(scale.order_by("?").values_list("number", "holder_name", "token")[:5000])
    print(f"# {len(users):,} student accounts; institutions' certificates: {[row['n'] for row in top]}", file=sys.stderr)
    return {
        "students": [{"username": u.username, "number": number}
                     for u, (_pk, _p, number, _n, _t) in zip(users, holders, strict=True)],
        "student_certificates": [pk for pk, *_rest in holders],
        "public": [{"number": number, "name": name, "token": token} for number, name, token in public + [
            (number, name, token) for _pk, _p, number, name, token in holders]],
        "institutions": [u.username for u in staff],
    }


def _org_and_sessions(password_hash: str, sessions: int) -> dict:
    """The finalizing org (seal, site, certificate), its account and ``sessions`` closed sessions of
    SESSION_SIZE candidates each, every one scored (nine in ten pass)."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Person, Province, Role, RoleBinding, User
    from accounts.provinces import provinces_ensure
    from assessments.models import AssessmentSession, Registration, Result, Site
    from certificates.batches.models import SelectionBatch
    from certificates.catalog.models import AssessmentType, Certificate, CertificateLevel
    from core.uploads import stored_file_save
    from organizations.orgs.models import Org
    from organizations.seals.models import OrgSeal
    from tests.certificates.factories import seal_png

    provinces_ensure()
    hubei = Province.objects.get(code="42")
    today = timezone.localdate()
    with transaction.atomic():
        org = Org.objects.create(name=ORG_NAME, credit_code="91110000RDAY0000X", org_type="enterprise", code=ORG_CODE)
        batch, _ = SelectionBatch.objects.get_or_create(number=1, defaults={
            "name": "第一批", "opened_on": datetime.date(2019, 4, 10), "status": "published"})
        certificate = Certificate.objects.create(code="RDAY-1", name="结果日压测证书", org=org, batch=batch,
                                                 field="信息技术", status="published")
        CertificateLevel.objects.create(certificate=certificate, level="junior",
                                        assessment_type=AssessmentType.COMPUTER, pass_mark=60)
        stored_file_save(OrgSeal(org=org, version=1, width_px=240, height_px=240), seal_png(),
                         original_name="seal.png", content_type="image/png", extension=".png")
        site = Site.objects.create(org=org, code="4201", name="结果日压测考点", province=hubei, address="（自动清理）")
        user = User.objects.create(username=f"{USER_PREFIX}org", password=password_hash, is_active=True,
                                   full_name="培训评价组织管理员")
        RoleBinding.objects.create(user=user, role=Role.ORG, scope_id=org.pk)
        date = today - datetime.timedelta(days=7)
        made = AssessmentSession.objects.bulk_create([
            AssessmentSession(org=org, certificate=certificate, level="junior", assessment_type=AssessmentType.COMPUTER,
                              site=site, province=hubei, date=date, capacity=SESSION_SIZE,
                              status=AssessmentSession.Status.CLOSED) for _ in range(sessions)])
        surnames, given = "王李张刘陈杨黄赵吴周", "伟芳娜秀英敏静丽强磊军洋"
        people = Person.objects.bulk_create([
            Person(id_type="other", id_number=f"{PERSON_PREFIX}{i:010d}",
                   name=surnames[i % 10] + given[(i // 10) % 12] + given[i % 7]) for i in range(sessions * SESSION_SIZE)],
            batch_size=5000)
        registrations = Registration.objects.bulk_create([
            Registration(session=made[i // SESSION_SIZE], person=p, channel="self", name_given=p.name, org=org,
                         certificate=certificate, level="junior", province=hubei, session_date=date)
            for i, p in enumerate(people)], batch_size=5000)
        Result.objects.bulk_create([
            Result(registration=r, score=85 if i % 10 else 40, passed=bool(i % 10), org=org, certificate=certificate,
                   level="junior", province=hubei, session_date=date) for i, r in enumerate(registrations)],
            batch_size=5000)
    return {"org": user.username, "sessions": [s.pk for s in made]}


def _cleanup(student_certificates: list[int] | None = None) -> None:
    from django.db import transaction

    from accounts.models import AuditEntry, Notification, User
    from assessments.models import AssessmentSession, Registration, Result, Site
    from certificates.issuance.models import IssuedCertificate
    from organizations.orgs.models import Org

    with transaction.atomic():
        if student_certificates:
            # The PDFs rendered for the run lived in its temporary MEDIA_ROOT: back to none stored.
            IssuedCertificate.objects.filter(pk__in=student_certificates).update(pdf="", pdf_size=None)
        org = Org.objects.filter(name=ORG_NAME).first()
        if org is not None:
            cleanup.org_issuance_delete(org, number_prefix=f"X{ORG_CODE}")
            Result.objects.filter(org=org).delete()
            Registration.objects.filter(org=org).delete()
            cleanup.audit_delete("assessments.assessmentsession",
                                 AssessmentSession.objects.filter(org=org).values_list("pk", flat=True))
            AssessmentSession.objects.filter(org=org).delete()
            Site.objects.filter(org=org).delete()
            cleanup.org_delete(org)
        cleanup.people_delete(PERSON_PREFIX)
        users = User.objects.filter(username__startswith=USER_PREFIX)
        AuditEntry.objects.filter(actor__in=users).delete()
        Notification.objects.filter(user__in=users).delete()
        users.delete()


# --- processes -------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants, from /proc."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return pids


def _cpu_seconds(pid: int) -> float:
    """CPU seconds (user and system) used so far by ``pid`` and its descendants alive now."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for current in _tree(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _postgres_cpu(database: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend connected to ``database`` (the server runs on
    this machine): the portal's share of PostgreSQL, apart from the other databases on it."""
    from django.db import connections

    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database])
        pids = [row[0] for row in cursor.fetchall()]
    return {pid: _cpu_seconds(pid) for pid in pids}


def _machine_cpu_seconds() -> float:
    """CPU seconds the whole machine has been busy (all but idle and iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def _start(env: dict, port: int, logs: Path) -> tuple[subprocess.Popen, subprocess.Popen]:
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "pilot.wsgi:application", "-c", "gunicorn.conf.py"],
                           env=dict(env, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS=str(WORKERS)),
                           cwd=ROOT, stdout=open(logs / "gunicorn.log", "w"), stderr=subprocess.STDOUT,
                           start_new_session=True)
    worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "pilot", "worker", "-Q", env["CELERY_QUEUE"],
                               "--concurrency", "2", "--without-gossip", "--without-mingle", "--loglevel", "WARNING",
                               "-n", f"resultday-{os.getpid()}@%h"],
                              env=env, cwd=ROOT, stdout=open(logs / "celery.log", "w"), stderr=subprocess.STDOUT,
                              start_new_session=True)
    wait_for_port(port, process=web)
    return web, worker


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _render_student_pdfs(ids: list[int], seconds: float = 600) -> None:
    """Queue the students' PDFs for the worker (as certificates issued on the day have them) and
    wait until every one is stored."""
    from certificates.issuance.models import IssuedCertificate
    from certificates.issuance.services import certificate_pdfs_queue

    started = time.monotonic()
    for start in range(0, len(ids), 500):
        certificate_pdfs_queue(certificates=list(IssuedCertificate.objects.filter(pk__in=ids[start:start + 500])))
    while time.monotonic() - started < seconds:
        stored = IssuedCertificate.objects.filter(pk__in=ids).exclude(pdf="").count()
        if stored == len(ids):
            print(f"# {stored:,} student PDFs rendered by the worker in {time.monotonic() - started:.0f} s",
                  file=sys.stderr)
            return
        time.sleep(2)
    raise RuntimeError(f"the worker rendered {stored} of {len(ids)} PDFs in {seconds:.0f} s")


# --- one step --------------------------------------------------------------------------------------

def _step(users: int, seconds: int, data: dict, env: dict, port: int, folder: Path, pids: dict,
          check_ms: float) -> dict:
    from django.conf import settings

    spawn_seconds = max(2, users // 8)
    data_path = folder / f"data-{users}.json"
    data_path.write_text(json.dumps(dict(data, finalize_after=spawn_seconds + 2), ensure_ascii=False))
    prefix = folder / f"step-{users}"
    started = time.monotonic()
    locust = subprocess.Popen(
        [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-u", str(users),
         "-r", str(max(1, users / spawn_seconds)), "-t", f"{seconds + spawn_seconds}s", "--reset-stats",
         "--csv", str(prefix), "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING",
         "-H", f"http://127.0.0.1:{port}"],
        env=dict(env, RESULTDAY_DATA=str(data_path), RESULTDAY_SUMMARY=f"{prefix}_summary.json"), cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=open(folder / f"locust-{users}.log", "w"))
    pids = dict(pids, locust=locust.pid)

    database = settings.DATABASES["default"]["NAME"]

    def sample() -> dict:
        return dict({name: _cpu_seconds(pid) for name, pid in pids.items()}, machine=_machine_cpu_seconds(),
                    wall=time.monotonic(), postgres=_postgres_cpu(database))

    # CPU is read over the window Locust's statistics cover: from the end of the spawning (when it
    # resets them) to the end of the run, before the users stop.
    marks = []
    for offset in (spawn_seconds, spawn_seconds + seconds - 0.5):
        while locust.poll() is None and time.monotonic() - started < offset:
            time.sleep(0.1)
        marks.append(sample())
    locust.wait()
    wall = marks[1]["wall"] - marks[0]["wall"]
    cpu = {name: marks[1][name] - marks[0][name] for name in marks[0] if name != "postgres"}
    # A backend that started in the window counts whole; one that ended in it is lost (rare: the
    # web processes keep their connections, DB_CONN_MAX_AGE).
    cpu["postgres"] = sum(value - marks[0]["postgres"].get(pid, 0.0) for pid, value in marks[1]["postgres"].items())
    locust_cpu, machine = cpu["locust"], cpu["machine"]
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    endpoints = [r for r in rows if r["Name"] != "Aggregated"]
    total = next(r for r in rows if r["Name"] == "Aggregated")
    with open(f"{prefix}_failures.csv", newline="") as handle:
        failures = list(csv.DictReader(handle))
    rest = json.loads(Path(f"{prefix}_summary.json").read_text())
    signin = next((r for r in endpoints if r["Name"] == "POST /account/login/"), None)
    result = {
        "users": users, "rest_p95_ms": rest.get("p95_ms") or 0.0, "rest_p50_ms": rest.get("p50_ms") or 0.0,
        "signin_p95_ms": float(signin["95%"]) if signin else 0.0,
        "signin_requests": int(signin["Request Count"]) if signin else 0,
        "requests": int(total["Request Count"]), "failures": int(total["Failure Count"]),
        "rps": float(total["Requests/s"]), "p50_ms": float(total["50%"]), "p95_ms": float(total["95%"]),
        "gunicorn_cores": cpu["gunicorn"] / wall, "celery_cores": cpu["celery"] / wall, "locust_cores": locust_cpu / wall,
        "postgres_cores": cpu["postgres"] / wall,
        "other_cores": max(0.0, machine - cpu["gunicorn"] - cpu["celery"] - locust_cpu - cpu["postgres"]) / wall,
        "endpoints": [{"name": f"{r['Type']} {r['Name']}" if not r["Name"].startswith(r["Type"]) else r["Name"],
                       "requests": int(r["Request Count"]), "failures": int(r["Failure Count"]),
                       "p50_ms": float(r["50%"]), "p95_ms": float(r["95%"]), "p99_ms": float(r["99%"])}
                      for r in endpoints],
        "failure_kinds": [f"{f['Occurrences']}× {f['Name']}: {f['Error'][:120]}" for f in failures],
    }
    result["seconds"] = wall
    result["holds"] = (result["failures"] == 0 and result["requests"] > 0 and result["rest_p95_ms"] < P95_LIMIT_MS
                       and result["signin_p95_ms"] < P95_LIMIT_MS + check_ms)
    return result


def _issuance_of(session_id: int) -> str:
    from django.db.models import Count, Max, Min

    from certificates.issuance.models import IssuanceRequest, IssuedCertificate

    counts = dict(IssuanceRequest.objects.filter(session_id=session_id).values_list("status").annotate(n=Count("pk")))
    span = IssuedCertificate.objects.filter(request__session_id=session_id).aggregate(a=Min("created_at"), b=Max("created_at"))
    seconds = (span["b"] - span["a"]).total_seconds() if span["a"] else 0
    return f"issuance of the finalized session: {counts} (first to last certificate {seconds:.0f} s)"


def _print_step(step: dict) -> None:
    out = sys.stderr
    print(f"# step {step['users']} users: {step['requests']:,} requests, {step['rps']:.1f}/s, p50 {step['p50_ms']:.0f} ms, "
          f"p95 {step['p95_ms']:.0f} ms; without sign-in p50 {step['rest_p50_ms']:.0f} ms, p95 {step['rest_p95_ms']:.0f} ms; "
          f"sign-in p95 {step['signin_p95_ms']:.0f} ms ({step['signin_requests']}); {step['failures']} failed -> "
          f"{'holds' if step['holds'] else 'does not hold'}",
          file=out)
    print(f"#   CPU cores used: gunicorn {step['gunicorn_cores']:.2f}, celery {step['celery_cores']:.2f}, "
          f"locust {step['locust_cores']:.2f}, PostgreSQL (this database) {step['postgres_cores']:.2f}, "
          f"everything else on the machine {step['other_cores']:.2f}", file=out)
    print(f"#   {'endpoint':<64} {'requests':>8} {'failed':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}", file=out)
    for e in sorted(step["endpoints"], key=lambda e: -e["requests"] * e["p50_ms"]):
        print(f"#   {e['name'][:64]:<64} {e['requests']:>8} {e['failures']:>6} {e['p50_ms']:>7.0f} {e['p95_ms']:>7.0f} "
              f"{e['p99_ms']:>7.0f}", file=out)
    for kind in step["failure_kinds"][:5]:
        print(f"#   failure: {kind}", file=out)
    print(f"#   {step['issuance']}", file=out)


# --- the run ---------------------------------------------------------------------------------------

def run():
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db import connection, connections

    check_ms, iterations = signin_cpu_ms()
    print(f"# password check: PBKDF2-SHA256, {iterations:,} iterations, {check_ms:.0f} ms CPU", file=sys.stderr)
    figures = [("signin_cpu_ms", round(check_ms, 1), "ms CPU/check")]
    if connection.vendor != "postgresql" or settings.CELERY_TASK_ALWAYS_EAGER:
        print("# bench_resultday: the load test needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL)", file=sys.stderr)
        return figures
    _ensure_scale()
    _cleanup()
    media = Path(tempfile.mkdtemp(prefix="bench-resultday-"))
    folder = Path(tempfile.mkdtemp(prefix="bench-resultday-run-"))
    settings.MEDIA_ROOT = media
    db = connection.settings_dict
    env = dict(os.environ, MEDIA_ROOT=str(media), PYTHONPATH=str(ROOT), CELERY_QUEUE=f"resultday-{os.getpid()}",
               VERIFY_RATE_PER_MINUTE=str(10 ** 9), PROMETHEUS_MULTIPROC_DIR=str(folder / "metrics"),
               DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or 'localhost'}:"
                            f"{db['PORT'] or 5432}/{db['NAME']}")
    (folder / "metrics").mkdir()
    settings.CELERY_TASK_DEFAULT_QUEUE = env["CELERY_QUEUE"]  # this process queues the students' PDFs
    from pilot.celery import app

    app.conf.task_default_queue = env["CELERY_QUEUE"]
    web = worker = None
    data: dict = {}
    steps: list[dict] = []
    try:
        password_hash = make_password(PASSWORD)
        data = _accounts(password_hash)
        data.update(_org_and_sessions(password_hash, len(STEPS)), password=PASSWORD)
        connections.close_all()
        port = _free_port()
        web, worker = _start(env, port, folder)
        _render_student_pdfs(data["student_certificates"])
        pids = {"gunicorn": web.pid, "celery": worker.pid}
        # Warm-up, not recorded: each gunicorn worker imports the views and opens its connections.
        _step(2, 5, dict(data, session=None), env, port, folder, pids, check_ms)
        for users, session_id in zip(STEPS, data["sessions"], strict=False):
            step = _step(users, STEP_SECONDS, dict(data, session=session_id), env, port, folder, pids, check_ms)
            step["issuance"] = _issuance_of(session_id)
            _print_step(step)
            steps.append(step)
            if not step["holds"] and len(steps) >= MIN_STEPS:
                break
    finally:
        _stop(web)
        _stop(worker)
        connections.close_all()
        _cleanup(data.get("student_certificates"))
        shutil.rmtree(media, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)
    if steps:
        gunicorn_s = sum(s["gunicorn_cores"] * s["seconds"] for s in steps)
        requests, signins = sum(s["requests"] for s in steps), sum(s["signin_requests"] for s in steps)
        # The rest: what gunicorn spent beyond the password checks, per request that is not a sign-in.
        rest_ms = (gunicorn_s * 1000 - signins * check_ms) / max(1, requests - signins)
        postgres_ms = sum(s["postgres_cores"] * s["seconds"] for s in steps) / requests * 1000
        figures += [("resultday_cpu_ms_per_request", round(gunicorn_s / requests * 1000, 1), "ms gunicorn CPU/request"),
                    ("resultday_cpu_ms_per_other_request", round(rest_ms, 1), "ms gunicorn CPU/request but sign-in"),
                    ("resultday_postgres_cpu_ms_per_request", round(postgres_ms, 1), "ms PostgreSQL CPU/request")]
    held = [s for s in steps if s["holds"]]
    if not held:
        print("# no step held (p95 under 300 ms, no failure): no sustained rate to report", file=sys.stderr)
        return figures
    best = held[-1]
    return figures + [
        ("resultday_rps_per_core", round(best["rps"] / best["gunicorn_cores"], 1), "requests/s per gunicorn core"),
        ("resultday_p95_ms", round(best["rest_p95_ms"], 1), "ms (all but sign-in)"),
        ("resultday_signin_p95_ms", round(best["signin_p95_ms"], 1), "ms"),
        ("resultday_rps", round(best["rps"], 1), "requests/s"),
        ("resultday_users", best["users"], "users"),
        ("resultday_gunicorn_cores", round(best["gunicorn_cores"], 2), "cores"),
    ]
