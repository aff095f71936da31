"""Keeping the multiprocess metrics folder right as processes come and go (gunicorn.conf.py and
``pilot.celery`` call these; nothing here needs Django).

At start, a gunicorn master or a Celery worker removes the files that processes of ITS host left
behind and that are no longer running: the folder is cleared of the previous run, while another
host's files (the worker container next to the web one, sharing the folder) and live processes'
files stay, so starting gunicorn never wipes a running worker's counts. When a process ends, its
"live" gauges are dropped (``mark_process_dead``); its counters stay in the sum until the next start.
"""

import glob
import os
import re

from prometheus_client import multiprocess

from core.metrics import MULTIPROC_DIR, process_id

# counter_<host>-<pid>.db, histogram_<host>-<pid>.db, gauge_<mode>_<host>-<pid>.db
_FILE = re.compile(r"^(?:[a-z]+_)+(?P<id>[A-Za-z0-9.-]+)\.db$")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def stale_files_clear(path: str = MULTIPROC_DIR) -> int:
    """Remove this host's metric files whose process is gone; returns how many were removed."""
    if not path:
        return 0
    host = process_id(0)[:-len("-0")]
    removed = 0
    for name in glob.glob(os.path.join(path, "*.db")):
        match = _FILE.match(os.path.basename(name))
        if not match:
            continue
        owner, _, pid = match["id"].rpartition("-")
        if owner != host or not pid.isdigit() or int(pid) == os.getpid() or _running(int(pid)):
            continue
        try:
            os.remove(name)
            removed += 1
        except FileNotFoundError:
            pass
    return removed


def process_dead(pid: int, path: str = MULTIPROC_DIR) -> None:
    """A worker process of this host ended: drop its live gauges."""
    if path:
        multiprocess.mark_process_dead(process_id(pid), path)


def celery_signals_connect() -> None:
    """A Celery worker clears its host's stale files as it starts, and drops a pool process's live
    gauges as that process ends (``--max-tasks-per-child`` replaces them all day long)."""
    from celery import signals

    signals.worker_init.connect(_worker_started, weak=False)
    signals.worker_process_shutdown.connect(_pool_process_ended, weak=False)


def _worker_started(**kwargs) -> None:
    stale_files_clear()


def _pool_process_ended(pid=None, **kwargs) -> None:
    process_dead(pid or os.getpid())
