"""``seed_demo_s``: what ``make demo`` waits for on a fresh clone before the server starts — the
migrations and ``seed_demo`` on a new SQLite database, tasks in-process (``PILOT_ENV=demo``, no
DATABASE_URL or REDIS_URL), in child processes as ``make demo`` runs them (goal ≤ 60 s)."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run():
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND",
                            "DJANGO_SETTINGS_MODULE")}
        env.update(PILOT_ENV="demo", SQLITE_PATH=str(Path(folder) / "demo.sqlite3"), MEDIA_ROOT=str(Path(folder) / "media"))
        steps = {}
        for name, args in (("migrate", ["migrate", "--noinput", "-v0"]), ("seed_demo", ["seed_demo"])):
            started = time.perf_counter()
            subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)
            steps[name] = time.perf_counter() - started
    print("# " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in steps.items()), file=sys.stderr)
    return [("seed_demo_s", round(sum(steps.values()), 1), "s")]
