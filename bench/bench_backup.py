"""Backup and restore figures (issue 18, item 3) over the national pilot of ``seed_scale``:
``backup_s`` is ``manage.py backup`` (pg_dump in the snapshot the row counts are read in, the stored
files, the manifest with their SHA-256 sums); ``restore_s`` is ``manage.py restore`` of that backup
into a new, empty database and MEDIA_ROOT (checksums verified first, pg_restore in one transaction,
row counts compared afterwards). Both run as the operator runs them, in a process of their own, so
each includes Django's start (about 2 s).

If the database holds no pilot of that size, ``seed_scale`` generates it first (not timed).
BENCH_BACKUP_REGISTRATIONS sets a smaller size, to try the module out (its figures are then not
the national ones).
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGISTRATIONS = int(os.environ.get("BENCH_BACKUP_REGISTRATIONS", 3_000_000))


def _ensure_pilot() -> int:
    from django.core.management import call_command

    from assessments.models import Registration

    count = Registration.objects.filter(org__credit_code__startswith="9199").count()
    if count < REGISTRATIONS:
        print(f"# seed_scale: {count:,} scale registrations present, generating {REGISTRATIONS:,}", file=sys.stderr)
        call_command("seed_scale", "--reset", "--registrations", str(REGISTRATIONS), stdout=sys.stderr)
        count = Registration.objects.filter(org__credit_code__startswith="9199").count()
    return count


def _manage(args: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - started


def run():
    from django.db import connection

    if connection.vendor != "postgresql":
        print("# bench_backup: needs PostgreSQL (DATABASE_URL)", file=sys.stderr)
        return []
    count = _ensure_pilot()
    db = connection.settings_dict
    target = f"{db['NAME']}_restore_bench"
    quoted = connection.ops.quote_name(target)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {quoted} TEMPLATE template0 ENCODING 'UTF8'")
    connection.close()
    try:
        with tempfile.TemporaryDirectory() as folder:
            env = dict(os.environ)
            backup_s = _manage(["backup", str(Path(folder) / "backups")], env)
            (backup,) = (Path(folder) / "backups").iterdir()
            manifest = json.loads((backup / "manifest.json").read_text())
            env.update(DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or 'localhost'}:"
                                    f"{db['PORT'] or 5432}/{target}",
                       MEDIA_ROOT=str(Path(folder) / "restored-media"))
            restore_s = _manage(["restore", str(backup)], env)
            print(f"# backup of {count:,} scale registrations: {len(manifest['tables'])} tables, "
                  f"{sum(manifest['tables'].values()):,} rows, dump {manifest['database']['size'] / 1e6:.0f} MB, "
                  f"{len(manifest['files']):,} files ({sum(f['size'] for f in manifest['files']) / 1e6:.0f} MB)",
                  file=sys.stderr)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
    return [("backup_s", round(backup_s, 1), "s"), ("restore_s", round(restore_s, 1), "s")]
