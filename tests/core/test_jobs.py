"""The background-job building block (core.jobs): claim, heartbeat and progress, finish and fail,
stale detection, retry and the sweep; the on-commit task base; the four jobs built on it."""

import ast
import datetime
import threading
import time
from pathlib import Path

import pytest
from celery.app.task import Task
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from assessments.models import FilingImport, MonthlyReport
from core.jobs.models import PHASE_DONE, PHASE_WAITING, BackgroundJob, JobStatus
from core.jobs.queue import OnCommitTask, enqueue, registered_task
from core.jobs.selectors import job_models, jobs_alive, jobs_stale
from core.jobs.services import (
    job_claim,
    job_fail,
    job_finish,
    job_heartbeat,
    job_progress,
    job_request,
    job_retry,
    jobs_sweep,
)
from pilot.dashboard.models import RollupRefresh
from pilot.indicators.models import IndicatorRun

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)
LONG_AGO = datetime.timedelta(hours=2)


def queued(**fields) -> RollupRefresh:
    """A job as a request leaves it (the dashboard refresh: the job with the fewest fields of its own)."""
    return RollupRefresh.objects.create(requested_at=timezone.now(), trigger="test", **fields)


@pytest.fixture
def sent(monkeypatch):
    """Every task actually handed to the broker (or run in-process), as (name, args)."""
    messages = []
    monkeypatch.setattr(Task, "apply_async", lambda task, args=None, kwargs=None, **options: messages.append(
        (task.name, tuple(args or ()))))
    return messages


# --- claim ---------------------------------------------------------------------------------------

def test_a_job_is_claimed_once():
    job = queued()
    assert job_claim(RollupRefresh, job.pk, phase="pilot") is True
    assert job_claim(RollupRefresh, job.pk, phase="pilot") is False  # running, and its worker alive
    job.refresh_from_db()
    assert (job.status, job.phase, job.percent, job.attempts) == (JobStatus.RUNNING, "pilot", 5, 1)
    assert job.started_at and job.heartbeat_at and job.finished_at is None
    job_finish(RollupRefresh, job.pk)
    assert job_claim(RollupRefresh, job.pk, phase="pilot") is False  # done: nothing to claim


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_at_once_one_wins():
    job = queued()
    barrier = threading.Barrier(2)
    outcomes = []

    def claim():
        try:
            barrier.wait()
            outcomes.append(job_claim(RollupRefresh, job.pk, phase="pilot"))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False, True]
    assert RollupRefresh.objects.get(pk=job.pk).attempts == 1


# --- heartbeat, progress, finish ------------------------------------------------------------------

def test_progress_moves_the_phase_the_bar_and_the_heartbeat():
    job = queued()
    job_claim(RollupRefresh, job.pk, phase="pilot")
    RollupRefresh.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - LONG_AGO)
    job_progress(RollupRefresh, job.pk, phase="fees")  # the phase's share of the bar
    job.refresh_from_db()
    assert (job.phase, job.percent) == ("fees", RollupRefresh.phase_percent["fees"])
    assert timezone.now() - job.heartbeat_at < datetime.timedelta(minutes=1)
    job_progress(RollupRefresh, job.pk, percent=80, rows=12)  # a percent and the job's own counters
    RollupRefresh.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - LONG_AGO)
    job_heartbeat(RollupRefresh, job.pk)
    job.refresh_from_db()
    assert (job.phase, job.percent, job.rows) == ("fees", 80, 12) and job not in jobs_stale(RollupRefresh)


def test_finish_and_fail_end_the_job_with_its_results():
    done, failed = queued(), queued()
    job_finish(RollupRefresh, done.pk, rows=7)
    job_fail(RollupRefresh, failed.pk, message="坏了")
    done.refresh_from_db()
    failed.refresh_from_db()
    assert (done.status, done.phase, done.percent, done.rows, done.is_finished) == ("done", PHASE_DONE, 100, 7, True)
    assert (failed.status, failed.message, failed.percent, failed.is_finished) == ("failed", "坏了", 100, True)
    assert done.finished_at and failed.finished_at


def test_the_status_answer_is_what_the_polling_script_reads():
    job = queued()
    assert job.status_json() == {"status": "queued", "status_label": "排队中", "phase": "waiting",
                                 "phase_label": "等待处理", "percent": 0, "finished": False, "message": ""}


# --- stale detection ------------------------------------------------------------------------------

def test_a_silent_running_job_is_stale_and_taken_over():
    job = queued()
    job_claim(RollupRefresh, job.pk, phase="pilot")
    assert list(jobs_alive(RollupRefresh)) == [job] and not jobs_stale(RollupRefresh).exists()
    RollupRefresh.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - RollupRefresh.stale_after - datetime.timedelta(seconds=1))
    assert list(jobs_stale(RollupRefresh)) == [job] and not jobs_alive(RollupRefresh).exists()
    assert job_claim(RollupRefresh, job.pk, phase="pilot") is True  # a redelivered task takes it over
    assert RollupRefresh.objects.get(pk=job.pk).attempts == 2


def test_a_job_queued_long_ago_and_never_taken_is_stale():
    fresh, lost = queued(), queued()
    RollupRefresh.objects.filter(pk=lost.pk).update(requested_at=timezone.now() - LONG_AGO)
    assert list(jobs_stale(RollupRefresh)) == [lost] and list(jobs_alive(RollupRefresh)) == [fresh]


def test_a_new_request_waits_for_a_live_job_but_not_for_a_dead_one():
    report = MonthlyReport.objects.create(month=datetime.date(2020, 10, 1))  # created, never requested
    assert job_request(MonthlyReport, report.pk, trigger="manual") is True
    assert job_request(MonthlyReport, report.pk, trigger="manual") is False  # queued and alive
    job_claim(MonthlyReport, report.pk, phase="plans")
    assert job_request(MonthlyReport, report.pk, trigger="manual") is False  # running and alive
    MonthlyReport.objects.filter(pk=report.pk).update(heartbeat_at=timezone.now() - LONG_AGO)
    assert job_request(MonthlyReport, report.pk, trigger="schedule") is True  # its worker is gone
    report.refresh_from_db()
    assert (report.status, report.phase, report.percent, report.attempts, report.trigger) == (
        "queued", PHASE_WAITING, 0, 0, "schedule")


# --- retry and the sweep --------------------------------------------------------------------------

def test_a_failed_job_is_retried_and_its_task_sent_once_the_retry_commits(sent, django_capture_on_commit_callbacks):
    job = queued()
    job_fail(RollupRefresh, job.pk, message="坏了")
    with django_capture_on_commit_callbacks(execute=True):
        assert job_retry(RollupRefresh, job.pk) is True
        assert sent == []
    job.refresh_from_db()
    assert (job.status, job.message, job.finished_at) == ("queued", "", None)
    assert sent == [("pilot.dashboard_refresh", (job.pk,))]
    job_finish(RollupRefresh, job.pk)
    assert job_retry(RollupRefresh, job.pk) is False  # done well: left alone


def test_the_sweep_restarts_stale_jobs_with_attempts_left_and_fails_the_others(
        sent, django_capture_on_commit_callbacks):
    long_ago = timezone.now() - LONG_AGO
    run = IndicatorRun.objects.create(month=datetime.date(2020, 9, 1), status="running", heartbeat_at=long_ago,
                                      requested_at=long_ago, attempts=1)
    spent = IndicatorRun.objects.create(month=datetime.date(2020, 8, 1), status="running", heartbeat_at=long_ago,
                                        requested_at=long_ago, attempts=IndicatorRun.max_attempts)
    alive = IndicatorRun.objects.create(month=datetime.date(2020, 7, 1), status="running",
                                        heartbeat_at=timezone.now(), requested_at=long_ago, attempts=1)
    refresh = queued(status="running", heartbeat_at=long_ago, attempts=1)  # a refresh gets one attempt
    with django_capture_on_commit_callbacks(execute=True):
        swept = jobs_sweep()
    assert swept["pilot.IndicatorRun"] == {"retried": 1, "failed": 1}
    assert swept["pilot.RollupRefresh"] == {"retried": 0, "failed": 1}
    assert swept["assessments.FilingImport"] == swept["assessments.MonthlyReport"] == {"retried": 0, "failed": 0}
    statuses = {j.pk: j.status for j in IndicatorRun.objects.all()}
    assert statuses == {run.pk: "queued", spent.pk: "failed", alive.pk: "running"}
    refresh.refresh_from_db()
    assert refresh.status == "failed" and "没有响应" in refresh.message
    assert "没有响应" in IndicatorRun.objects.get(pk=spent.pk).message
    assert sent == [("pilot.indicator_run", (run.pk,))]
    assert jobs_sweep()["pilot.IndicatorRun"] == {"retried": 0, "failed": 0}  # twice is harmless


def test_the_sweep_is_on_the_beat_schedule():
    from pilot.celery import app

    app.loader.import_default_modules()
    assert settings.CELERY_BEAT_SCHEDULE["core-jobs-sweep"]["task"] == "core.jobs_sweep"
    assert "core.jobs_sweep" in app.tasks


# --- the on-commit task base ----------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_when_the_transaction_rolls_back(sent):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            enqueue("pilot.ping")
            raise RuntimeError("rolled back")
    assert sent == []
    with transaction.atomic():
        enqueue("pilot.ping")
        registered_task("pilot.ping").delay()  # a task sent directly waits for the commit too
        assert sent == []
    assert sent == [("pilot.ping", ()), ("pilot.ping", ())]


@pytest.mark.django_db(transaction=True)
def test_in_process_tasks_run_after_the_commit(tasks_in_process, provinces):
    """The `make demo` path: no broker, the task runs in this process once the row is committed."""
    from pilot.dashboard.rollups import rollup_refresh_request

    with transaction.atomic():
        refresh = rollup_refresh_request(actor=None, trigger="manual")
        assert RollupRefresh.objects.get(pk=refresh.pk).status == "queued"
    refresh.refresh_from_db()
    assert refresh.status == "done" and refresh.phase == PHASE_DONE and refresh.attempts == 1


def test_services_enqueue_by_name_and_every_task_is_on_commit():
    with pytest.raises(LookupError):  # looked for after autodiscovery, as a worker finds its tasks
        enqueue("pilot.no_such_task", 1)
    from pilot.celery import app

    ours = [t for name, t in app.tasks.items() if not name.startswith("celery.")]
    assert len(ours) > 10 and all(isinstance(task, OnCommitTask) for task in ours)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_finds_the_job_it_is_sent(celery_worker_process, provinces):
    """The task reaches the worker only after the commit, so the worker always finds the row."""
    from pilot.dashboard.rollups import rollup_refresh_request

    with transaction.atomic():
        refresh = rollup_refresh_request(actor=None, trigger="manual")
        time.sleep(0.5)  # a task sent now would look for a row no other connection can see yet
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        refresh.refresh_from_db()
        if refresh.is_finished:
            break
        time.sleep(0.2)
    assert refresh.status == "done" and refresh.attempts == 1, refresh.message


# --- the four jobs --------------------------------------------------------------------------------

def test_the_four_jobs_share_the_lifecycle():
    assert {m._meta.label for m in job_models()} == {
        "assessments.FilingImport", "assessments.MonthlyReport", "pilot.IndicatorRun", "pilot.RollupRefresh"}
    from pilot.celery import app

    app.loader.import_default_modules()
    shared = {str(s) for s in JobStatus}
    for model in job_models():
        assert issubclass(model, BackgroundJob)
        assert {str(value) for value, _label in model._meta.get_field("status").choices} == shared, model
        phases = [value for value, _label in model._meta.get_field("phase").choices]
        assert phases[0] == PHASE_WAITING and phases[-1] == PHASE_DONE, model
        assert model.task_name in app.tasks and isinstance(app.tasks[model.task_name], OnCommitTask)
        assert set(model.phase_percent) <= set(phases)
    assert FilingImport.Status.SUCCEEDED == JobStatus.DONE


def _function_level_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and inner.module and (
                        inner.module.endswith(".tasks") or inner.module == "tasks"):
                    found.append(f"{path.relative_to(ROOT)}:{inner.lineno} from {inner.module}")
    return found


def test_no_code_imports_a_tasks_module_inside_a_function_to_dodge_a_cycle():
    """Tasks import services; services enqueue by name (core.jobs.queue) and never import tasks."""
    apps = ("accounts", "organizations", "certificates", "assessments", "fees", "credit_bank", "pilot", "core")
    sources = [p for app in apps for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]
    assert [hit for path in sources for hit in _function_level_imports(path)] == []
    services = [p for p in sources if p.stem in ("services", "import_jobs", "worker", "rollups")]
    importing_tasks = [str(p.relative_to(ROOT)) for p in services
                       if any(isinstance(n, ast.ImportFrom) and n.module and n.module.endswith(".tasks")
                              for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))))]
    assert importing_tasks == []


# --- the migrations keep every row, both ways -------------------------------------------------------

BEFORE = [("assessments", "0007_merge_pipeline_and_reports"), ("pilot", "0003_dashboard_rollups")]
AFTER = [("assessments", "0008_background_jobs"), ("pilot", "0004_background_jobs")]


def _migrate(targets, *, backwards=False):
    """Migrate the two apps to ``targets``; the models as they are there."""
    from django.db.migrations.executor import MigrationExecutor

    state = MigrationExecutor(connection).migrate(targets)
    # Going forwards the executor returns the state it reached; backwards, the one it left.
    return (MigrationExecutor(connection).loader.project_state(targets) if backwards else state).apps


@pytest.mark.postgres  # slow (the executor replays the project's migration states), not SQLite-specific
@pytest.mark.django_db(transaction=True)
def test_the_job_migrations_keep_the_rows_and_reverse(provinces):
    now = timezone.now()
    old = _migrate(BEFORE, backwards=True)
    try:
        imports = old.get_model("assessments", "FilingImport")
        common = {"province_id": "42", "file": "f.xlsx", "stored_name": "x", "original_name": "备案.xlsx",
                  "content_type": "text/csv", "size": 1}
        saved = imports.objects.create(status="succeeded", phase="done", started_at=now, finished_at=now, **common)
        halfway = imports.objects.create(status="running", phase="validating", total_rows=200, processed_rows=100,
                                         started_at=now, heartbeat_at=now, **common)
        report = old.get_model("assessments", "MonthlyReport").objects.create(
            month=datetime.date(2020, 10, 1), status="done", percent=100, started_at=now)
        refresh = old.get_model("pilot", "RollupRefresh").objects.create(status="done", started_at=now,
                                                                         finished_at=now, rows=9)
        new = _migrate(AFTER)
        imports = new.get_model("assessments", "FilingImport")
        assert imports.objects.get(pk=saved.pk).status == "done"
        assert (imports.objects.get(pk=halfway.pk).percent, imports.objects.get(pk=halfway.pk).attempts) == (47, 1)
        assert imports.objects.get(pk=saved.pk).requested_at == imports.objects.get(pk=saved.pk).uploaded_at
        moved = new.get_model("pilot", "RollupRefresh").objects.get(pk=refresh.pk)
        assert (moved.phase, moved.percent, moved.heartbeat_at, moved.rows) == ("done", 100, now, 9)
        assert new.get_model("assessments", "MonthlyReport").objects.get(pk=report.pk).attempts == 1
        back = _migrate(BEFORE, backwards=True)
        assert back.get_model("assessments", "FilingImport").objects.get(pk=saved.pk).status == "succeeded"
        assert back.get_model("assessments", "FilingImport").objects.count() == 2
        assert back.get_model("pilot", "RollupRefresh").objects.get(pk=refresh.pk).rows == 9
        assert back.get_model("assessments", "MonthlyReport").objects.get(pk=report.pk).percent == 100
    finally:
        # Back to the newest migration of every app, as the rest of the run expects.
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
