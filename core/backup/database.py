"""The database half of a backup: a consistent dump with the row counts of the same moment, its
restore into an empty database, and the row counts to compare afterwards."""

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.apps import apps
from django.db import connections, models, transaction


class DatabaseToolError(Exception):
    """pg_dump or pg_restore is missing or failed; the message says which and why."""


def table_names(alias: str) -> list[str]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        return sorted(connection.introspection.table_names(cursor))


def row_counts(alias: str) -> dict[str, int]:
    connection = connections[alias]
    quote = connection.ops.quote_name
    counts = {}
    with connection.cursor() as cursor:
        for table in table_names(alias):
            cursor.execute(f"SELECT count(*) FROM {quote(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def applied_migrations(alias: str) -> dict[str, str]:
    """The last migration applied per app: tells a restorer which code version the data expects."""
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connections[alias])
    if not recorder.has_table():
        return {}
    last = {}
    for app, name in recorder.migration_qs.order_by("app", "applied", "id").values_list("app", "name"):
        last[app] = name
    return last


def migration_gap(alias: str) -> tuple[list[str], list[str]]:
    """After a restore: the code's migrations the restored database lacks (run migrate), and the
    restored database's migrations the code does not know (the backup is from a newer portal)."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[alias])
    graph = executor.loader.graph
    unapplied = [f"{m.app_label}.{m.name}" for m, _backwards in executor.migration_plan(graph.leaf_nodes())]
    unknown = sorted(f"{app}.{name}" for app, name in executor.loader.applied_migrations
                     if (app, name) not in graph.nodes and app in executor.loader.migrated_apps)
    return unapplied, unknown


def referenced_files(alias: str) -> Iterator[tuple[str, str]]:
    """(model.field, storage name) of every stored file a row names, over every model's FileFields:
    what a restored portal will try to open."""
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                names = (model._base_manager.using(alias).exclude(**{field.attname: ""})
                         .exclude(**{f"{field.attname}__isnull": True}).values_list(field.attname, flat=True))
                for name in names.iterator(chunk_size=5000):
                    yield f"{model._meta.label}.{field.name}", name


def _pg_environment(alias: str) -> dict[str, str]:
    """libpq's environment for the connection ``alias``: the password stays out of the process list."""
    db = connections[alias].settings_dict
    env = dict(os.environ)
    for key, value in (("PGHOST", db.get("HOST")), ("PGPORT", db.get("PORT")), ("PGUSER", db.get("USER")),
                       ("PGPASSWORD", db.get("PASSWORD")), ("PGDATABASE", db.get("NAME")),
                       ("PGSSLMODE", (db.get("OPTIONS") or {}).get("sslmode"))):
        if value:
            env[key] = str(value)
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise DatabaseToolError(f"找不到 {name}：请安装 PostgreSQL 客户端（Debian 软件包 postgresql-client，"
                                f"见 scripts/system-deps） / {name} not found: install postgresql-client")
    return path


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()[-2000:]
        raise DatabaseToolError(f"{Path(args[0]).name} 失败（退出码 {done.returncode}） / failed: {detail}")


@contextmanager
def snapshot(alias: str):
    """A read-only transaction whose snapshot other sessions may share (PostgreSQL): yields the
    snapshot id, or None on SQLite (whose backup API copies one consistent state by itself)."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        yield None
        return
    if connection.in_atomic_block:
        # The isolation level must be set before the transaction's first query.
        raise DatabaseToolError("备份须在事务之外运行 / a backup must run outside a transaction")
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        yield cursor.fetchone()[0]


def dump(alias: str, target: Path, snapshot_id: str | None) -> None:
    """Write the database to ``target``. On PostgreSQL pg_dump reads the exported snapshot, so the
    dump holds exactly what the caller's transaction sees (its row counts included)."""
    connection = connections[alias]
    if connection.vendor == "postgresql":
        args = [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"]
        if snapshot_id:
            args.append(f"--snapshot={snapshot_id}")
        _run(args, _pg_environment(alias))
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
    else:
        raise DatabaseToolError(f"不支持的数据库 / unsupported database: {connection.vendor}")


def sqlite_row_counts(path: Path) -> dict[str, int]:
    """Row counts of a SQLite backup file: the copy is the consistent state, the live file moves on."""
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [name for (name,) in source.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {table: source.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}
    finally:
        source.close()


def load(alias: str, source: Path, *, replace: bool, jobs: int) -> None:
    """Restore the dump ``source`` into the database ``alias``; ``replace`` drops what is there first."""
    connection = connections[alias]
    connection.close()  # the restore writes under our feet; no open transaction may hold a lock
    if connection.vendor == "postgresql":
        args = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                f"--dbname={connection.settings_dict['NAME']}"]
        if replace:
            args += ["--clean", "--if-exists"]
        # One transaction when serial: a failed restore leaves the database as it was. Parallel
        # jobs are faster on a large dump, at the price of a half-restored database on failure.
        args += [f"--jobs={jobs}"] if jobs > 1 else ["--single-transaction"]
        _run([*args, str(source)], _pg_environment(alias))
    elif connection.vendor == "sqlite":
        copy = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        destination = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            copy.backup(destination)  # replaces every page of the destination
        finally:
            destination.close()
            copy.close()
    else:
        raise DatabaseToolError(f"不支持的数据库 / unsupported database: {connection.vendor}")
