"""What the benchmarks that start a gunicorn share."""

import socket
import sys
import time


def gunicorn_command(port: int, env: dict) -> list[str]:
    """gunicorn as production starts it (gunicorn.conf.py: its workers, timeout and metrics upkeep),
    bound to 127.0.0.1:``port`` (set in ``env``)."""
    env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    return [sys.executable, "-m", "gunicorn", "pilot.wsgi:application", "-c", "gunicorn.conf.py",
            "--log-level", "warning"]


def wait_for_port(port: int, seconds: float = 60, *, process=None) -> None:
    """Until something listens on 127.0.0.1:``port`` (a server just started; ``process``, its
    subprocess.Popen, when given: an exit before listening fails at once)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited before listening on port {port}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listened on port {port} within {seconds:.0f} s")
