"""make bench: run every bench/bench_*.py and print one line per figure, ``name: value unit``.

Each module defines ``run() -> list[tuple[name, value, unit]]``. The figures go to
bench/results.json with the machine's core count and the PostgreSQL settings in force. Benchmarks
are not tests: they report numbers; the tests assert behaviour.
"""

import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pilot.settings")
os.environ.setdefault("PILOT_ENV", "development")


def postgres_settings() -> dict:
    from django.db import connection

    if connection.vendor != "postgresql":
        return {"engine": connection.vendor}
    names = ("server_version", "shared_buffers", "work_mem", "maintenance_work_mem", "effective_cache_size",
             "max_connections", "synchronous_commit", "max_parallel_workers_per_gather")
    with connection.cursor() as cursor:
        values = {}
        for name in names:
            cursor.execute(f"SHOW {name}")
            values[name] = cursor.fetchone()[0]
    return values


def vacuum() -> None:
    """Start from a vacuumed, analyzed database: benchmarks roll back or delete what they write, and
    with autovacuum off (as on these machines) the dead rows would slow every later run."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    print(f"# VACUUM (ANALYZE) took {time.perf_counter() - started:.1f} s", file=sys.stderr)


def main(selected: list[str]) -> int:
    import django

    django.setup()
    vacuum()
    results_path = HERE / "results.json"
    previous = json.loads(results_path.read_text()) if results_path.exists() else {}
    figures = dict(previous.get("figures", {}))
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if selected:
        modules = [m for m in modules if any(s in m for s in selected)]
    for module_name in modules:
        module = importlib.import_module(f"bench.{module_name}")
        started = time.perf_counter()
        for name, value, unit in module.run():
            print(f"{name}: {value} {unit}", flush=True)
            figures[name] = {"value": value, "unit": unit, "module": module_name}
        print(f"# {module_name} took {time.perf_counter() - started:.1f} s", file=sys.stderr)
        # Saved after every module: a later module that fails loses nothing measured before it.
        results = {
            "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
            "postgres": postgres_settings(),
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "figures": figures,
        }
        results_path.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
