"""gunicorn.conf.py with real gunicorn workers (issue 18, item 2): at start the metrics folder is
cleared of the previous run's files, the workers' counts add up in one scrape whichever worker
answers it, and a worker that dies has its live gauges dropped (child_exit)."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

from core.metrics import process_id

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "gunicorn-test-" + "x" * 20


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port: int, path: str, token: str = TOKEN) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def _requests_to(body: str, route: str) -> float:
    return sum(sample.value for family in text_string_to_metric_families(body) for sample in family.samples
               if sample.name == "pilot_http_requests_total" and sample.labels.get("route") == route)


def _worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


@pytest.fixture
def gunicorn(tmp_path):
    folder = tmp_path / "metrics"
    folder.mkdir()
    db = connection.settings_dict
    port = _free_port()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder), "METRICS_TOKEN": TOKEN, "METRICS_ALLOWED_IPS": "",
           "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2", "DB_CONN_MAX_AGE": "0",
           "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or 'localhost'}:"
                           f"{db['PORT'] or 5432}/{db['NAME']}"}
    # Left by a process of this host that no longer runs: the start must remove it.
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = folder / f"counter_{process_id(int(gone.stdout))}.db"
    stale.write_bytes(b"")
    log = open(tmp_path / "gunicorn.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "pilot.wsgi:application"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if _get(port, "/metrics")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        raise AssertionError((tmp_path / "gunicorn.log").read_text())
    yield server, port, folder, stale
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)
    log.close()


def test_workers_report_together_and_the_folder_is_kept_right(gunicorn):
    server, port, folder, stale = gunicorn
    assert not stale.exists()
    before = _requests_to(_get(port, "/metrics")[1], "metrics")
    for _ in range(8):
        assert _get(port, "/metrics")[0] == 200
    assert _get(port, "/metrics", token="wrong-" + "y" * 20)[0] == 403
    body = _get(port, "/metrics")[1]
    # 8 answered and one refused since the first scrape, plus the first scrape itself (counted as it ends).
    assert _requests_to(body, "metrics") == before + 10
    workers = _worker_pids(server.pid)
    assert len(workers) == 2
    assert {f"counter_{process_id(pid)}.db" for pid in workers} & {p.name for p in folder.iterdir()}
    # A worker that dies: gunicorn's child_exit drops its live gauges; its counts stay in the sum.
    live = folder / f"gauge_livesum_{process_id(workers[0])}.db"
    live.write_bytes(b"")
    os.kill(workers[0], signal.SIGKILL)
    deadline = time.monotonic() + 30
    while live.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not live.exists()
    assert _requests_to(_get(port, "/metrics")[1], "metrics") >= before + 10
