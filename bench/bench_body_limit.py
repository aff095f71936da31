"""What a refused huge request body costs a gunicorn worker (issue 13, item 4).

For each case, starts gunicorn (one sync worker) on loopback with the test settings (a migrated SQLite
file in a temporary directory, with one signed-in account without a role), warms the worker up with
small requests, then sends the huge body and reads the worker's ``VmRSS`` (and ``VmHWM``, its peak)
from ``/proc/<pid>/status`` before and after:

* ``complaint_json``: a 50 MB JSON body to ``POST /api/v1/complaints``, anonymous, with Content-Length;
* ``complaint_chunked``: the same body sent chunked (no Content-Length);
* ``bulk_json``: a 50 MB JSON body to ``POST /api/v1/filings/bulk`` from a browser session (cookie and
  CSRF token) of an account that may not file (403).

Figures: ``body_<case>_status``, ``body_<case>_rss_before_mb``, ``body_<case>_rss_after_mb`` and
``body_<case>_peak_mb``. Runs standalone as well: ``.venv/bin/python bench/bench_body_limit.py``.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.serving import wait_for_port

BASE_DIR = Path(__file__).resolve().parent.parent
BODY_MB = int(os.environ.get("BENCH_BODY_MB", "50"))
CASES = (
    ("complaint_json", "/api/v1/complaints", False),
    ("complaint_chunked", "/api/v1/complaints", True),
    ("bulk_json", "/api/v1/filings/bulk", False),
)
SIGNED_IN = {"bulk_json"}
CSRF_TOKEN = "benchbodylimitcsrftoken000000000"  # any 32 letters and digits: cookie and header agree
_SESSION_SCRIPT = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from accounts.models import User
user = User.objects.create_user(username="bench-body", password=None)
session = SessionStore()
session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash()})
session.create()
print(session.session_key)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status_mb(pid: int, field: str) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def _worker_pid(master: int) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.2)
    raise RuntimeError("gunicorn started no worker")


def _body(size: int) -> bytes:
    """A syntactically valid JSON object of ``size`` bytes: one long text field."""
    head, tail = b'{"org": 1, "category": "other", "text": "', b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


def _send(port: int, path: str, body: bytes, *, chunked: bool, cookie: str = "") -> int | str:
    """POST ``body`` and return the status; a server that answers and closes before taking the whole
    body (as it should) may reset the connection under the client: the answer is still read."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.putrequest("POST", path)
    conn.putheader("Content-Type", "application/json")
    if cookie:
        conn.putheader("Cookie", f"sessionid={cookie}; csrftoken={CSRF_TOKEN}")
        conn.putheader("X-CSRFToken", CSRF_TOKEN)
    if chunked:
        conn.putheader("Transfer-Encoding", "chunked")
    else:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders()
    step = 1 << 20
    try:
        for start in range(0, len(body), step):
            piece = body[start:start + step]
            conn.send(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        if chunked:
            conn.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        response = conn.getresponse()
        response.read()
        return response.status
    except (ConnectionResetError, http.client.RemoteDisconnected, BrokenPipeError) as exc:
        return f"reset ({exc.__class__.__name__})"
    finally:
        conn.close()


def _settle(pid: int) -> float:
    time.sleep(1.0)
    return _status_mb(pid, "VmRSS")


def _env(var_dir: str) -> dict:
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env.update(PILOT_ENV="test", PILOT_VAR_DIR=var_dir, PYTHONPATH=str(BASE_DIR))
    return env


def _prepare(var_dir: str) -> str:
    """Migrate the SQLite file and sign one account in; its session key."""
    env = _env(var_dir)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env=env, cwd=BASE_DIR, check=True)
    out = subprocess.run([sys.executable, "manage.py", "shell", "-c", _SESSION_SCRIPT], env=env, cwd=BASE_DIR,
                         check=True, capture_output=True, text=True)
    return out.stdout.split()[-1]


def _measure_case(var_dir: str, path: str, body: bytes, *, chunked: bool,
                  cookie: str) -> tuple[object, float, float, float]:
    """A fresh gunicorn per case, so that each peak is that case's own."""
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "pilot.wsgi:application", "--workers", "1",
                               "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "120"],
                              env=_env(var_dir), cwd=BASE_DIR, start_new_session=True)
    try:
        wait_for_port(port)
        worker = _worker_pid(server.pid)
        # Warm-up: the URLconf, DRF and the views are imported on the first requests.
        for _ in range(3):
            _send(port, path, b'{"org": "x"}', chunked=chunked, cookie=cookie)
        before = _settle(worker)
        status = _send(port, path, body, chunked=chunked, cookie=cookie)
        return status, before, _settle(worker), _status_mb(worker, "VmHWM")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def measure() -> list[tuple[str, object, str]]:
    body = _body(BODY_MB * 1000 * 1000)
    figures: list[tuple[str, object, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-body-") as var_dir:
        session_key = _prepare(var_dir)
        for name, path, chunked in CASES:
            status, before, after, peak = _measure_case(var_dir, path, body, chunked=chunked,
                                                        cookie=session_key if name in SIGNED_IN else "")
            figures += [(f"body_{name}_status", status, ""), (f"body_{name}_rss_before_mb", before, "MB"),
                        (f"body_{name}_rss_after_mb", after, "MB"), (f"body_{name}_peak_mb", peak, "MB")]
    return figures


def run():
    return measure()


if __name__ == "__main__":
    results = measure()
    for name, value, unit in results:
        print(f"{name}: {value} {unit}".rstrip())
    print(json.dumps({name: value for name, value, _unit in results}))
