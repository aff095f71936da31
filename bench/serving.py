"""What the benchmarks that start a gunicorn share."""

import socket
import time


def wait_for_port(port: int, seconds: float = 60) -> None:
    """Until something listens on 127.0.0.1:``port`` (a server just started)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listened on port {port} within {seconds:.0f} s")
