"""Take a backup, check one, restore one (see core/backup/__init__.py for the folder's layout)."""

import datetime
import hashlib
import json
import os
import shutil
import subprocess
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import connections

from core.backup import database

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files"
DUMP_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024
FOLDER_TIME = "pilot-backup-%Y%m%dT%H%M%SZ"


class BackupError(Exception):
    """A backup or restore refused or failed; the message (Chinese / English) says what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    tables: int
    rows: int
    files: int
    bytes: int
    missing: int


@dataclass(frozen=True)
class RestoreResult:
    tables: int
    rows: int
    files: int
    bytes: int


@contextmanager
def _tool_errors():
    try:
        yield
    except database.DatabaseToolError as exc:
        raise BackupError(str(exc)) from exc


def _sha256_copy(source, destination=None) -> tuple[str, int]:
    """SHA-256 and size of the stream ``source``, written on to ``destination`` when given."""
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if destination is not None:
            destination.write(chunk)
    return digest.hexdigest(), size


def _sha256_file(path: Path) -> tuple[str, int]:
    with open(path, "rb") as handle:
        return _sha256_copy(handle)


def storage_names(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file the storage holds, by storage name, in a stable order (through the storage API,
    so an object store can replace the local folder)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for name in sorted(folders):
        yield from storage_names(storage, f"{folder}/{name}" if folder else name)


def _portal_version() -> dict:
    version = {"version": None, "commit": os.environ.get("PILOT_GIT_COMMIT") or None}
    try:
        with open(settings.BASE_DIR / "pyproject.toml", "rb") as handle:
            version["version"] = tomllib.load(handle)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    if version["commit"] is None and shutil.which("git"):
        done = subprocess.run(["git", "-C", str(settings.BASE_DIR), "rev-parse", "HEAD"], capture_output=True, text=True)
        if done.returncode == 0:
            version["commit"] = done.stdout.strip()
    return version


def backup_create(*, destination: Path, alias: str = "default", storage: Storage | None = None,
                  log: Callable[[str], None] = lambda text: None) -> BackupResult:
    """Write a backup folder under ``destination``: the database in one consistent state, then the
    stored files, then the manifest. The folder is named ``.partial`` until the manifest is written,
    so a backup that stopped half-way is never taken for a whole one.

    Files are copied after the dump, in the same snapshot: a file a dumped row names was stored
    before that row committed, so it is in the copy unless it was deleted meanwhile (a monthly
    report replaced by a new run) or lost before. Every file the dumped rows name but the copy lacks
    is listed in the manifest's ``missing_files`` and logged (on SQLite, which has no snapshot to
    share, the rows are read as they are after the copy)."""
    storage = storage or default_storage
    connection = connections[alias]
    if connection.vendor not in DUMP_NAMES:
        raise BackupError(f"不支持的数据库 / unsupported database: {connection.vendor}")
    created = datetime.datetime.now(datetime.UTC)
    name = created.strftime(FOLDER_TIME)
    final = Path(destination) / name
    partial = Path(destination) / f"{name}.partial"
    if final.exists() or partial.exists():
        raise BackupError(f"备份目录已存在 / backup folder exists already: {final}")
    Path(destination).mkdir(parents=True, exist_ok=True)
    partial.mkdir(mode=0o700)  # it holds every candidate's ID number: the operator's account only
    dump_path = partial / DUMP_NAMES[connection.vendor]
    try:
        # The snapshot stays open while the files are copied, so that the files the dumped rows name
        # are checked against the copy in the same view of the data.
        with _tool_errors(), database.snapshot(alias) as snapshot_id:
            log("数据库 / database …")
            counts = database.row_counts(alias) if snapshot_id else None
            migrations = database.applied_migrations(alias)
            database.dump(alias, dump_path, snapshot_id)
            if counts is None:
                counts = database.sqlite_row_counts(dump_path)
            dump_sha, dump_size = _sha256_file(dump_path)
            log(f"已导出 {len(counts)} 张表、{sum(counts.values()):,} 行 / dumped {len(counts)} tables")
            files = _copy_files(storage, partial / FILES)
            log(f"已复制 {len(files):,} 个文件 / copied {len(files)} files")
            copied = {entry["path"] for entry in files}
            missing = [{"field": field, "path": name} for field, name in database.referenced_files(alias)
                       if name not in copied]
        for entry in missing[:20]:
            log(f"警告：数据库记录的文件不在存储中 / warning, a file the database names is not in the storage: "
                f"{entry['field']} {entry['path']}")
        manifest = {
            "format": FORMAT,
            "created_at": created.isoformat(),
            "portal": _portal_version(),
            "database": {"vendor": connection.vendor, "file": dump_path.name, "size": dump_size, "sha256": dump_sha,
                         "migrations": migrations},
            "tables": counts,
            "files": files,
            "missing_files": missing,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return BackupResult(final, len(counts), sum(counts.values()), len(files), sum(f["size"] for f in files), len(missing))


def _copy_files(storage: Storage, target: Path) -> list[dict]:
    files = []
    for stored in storage_names(storage):
        destination = target / stored
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            with storage.open(stored, "rb") as source, open(destination, "wb") as copy:
                sha, size = _sha256_copy(source, copy)
        except FileNotFoundError:  # deleted since it was listed (a replaced report): not in the snapshot's view
            destination.unlink(missing_ok=True)
            continue
        files.append({"path": stored, "size": size, "sha256": sha})
    return files


def _manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise BackupError(f"不是完整的备份：缺少 {MANIFEST}（备份可能中途失败） / not a complete backup, no {MANIFEST}: {folder}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{MANIFEST} 无法读取 / unreadable: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise BackupError(f"备份格式 {found!r} 不受支持（本版本读取格式 {FORMAT}） / unsupported format")
    try:
        database_entry = manifest["database"]
        complete = (all(key in database_entry for key in ("vendor", "file", "size", "sha256"))
                    and isinstance(manifest["tables"], dict)
                    and all({"path", "size", "sha256"} <= set(entry) for entry in manifest["files"]))
    except (KeyError, TypeError):
        complete = False
    if not complete:
        raise BackupError(f"{MANIFEST} 不完整（缺少数据库、表或文件的条目） / incomplete: database, tables or files missing")
    return manifest


def _inside(folder: Path, relative: str) -> Path:
    """The path of a manifest entry, refused when it would leave the backup folder."""
    path = (folder / relative).resolve()
    if not path.is_relative_to(folder.resolve()):
        raise BackupError(f"清单中的路径越出备份目录 / path outside the backup: {relative}")
    return path


def backup_verify(folder: Path) -> dict:
    """Check the dump and every file against the manifest; returns the manifest, or raises a
    BackupError naming each file that is missing or differs."""
    folder = Path(folder)
    manifest = _manifest(folder)
    problems = []
    entries = [(manifest["database"]["file"], manifest["database"]["size"], manifest["database"]["sha256"])]
    entries += [(f"{FILES}/{entry['path']}", entry["size"], entry["sha256"]) for entry in manifest["files"]]
    for relative, size, sha in entries:
        path = _inside(folder, relative)
        if not path.is_file():
            problems.append(f"缺少 / missing: {relative}")
            continue
        actual_sha, actual_size = _sha256_file(path)
        if (actual_sha, actual_size) != (sha, size):
            problems.append(f"校验和不符 / checksum differs: {relative}")
    if problems:
        shown = "\n".join(problems[:20]) + (f"\n… 另有 {len(problems) - 20} 处 / and {len(problems) - 20} more"
                                            if len(problems) > 20 else "")
        raise BackupError(f"备份已损坏，未做任何恢复 / the backup is damaged, nothing was restored:\n{shown}")
    return manifest


def backup_restore(*, folder: Path, alias: str = "default", storage: Storage | None = None, replace: bool = False,
                   jobs: int = 1, log: Callable[[str], None] = lambda text: None) -> RestoreResult:
    """Restore the backup ``folder`` into the database ``alias`` and the storage. Both must be empty
    unless ``replace``; every checksum is verified before anything is written, and the restored
    row counts are compared with the manifest afterwards."""
    storage = storage or default_storage
    folder = Path(folder)
    log("核对校验和 / verifying checksums …")
    manifest = backup_verify(folder)
    connection = connections[alias]
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(f"备份来自 {vendor}，目标数据库是 {connection.vendor} / the backup is of {vendor}, "
                          f"the target is {connection.vendor}")
    if not replace:
        tables = database.table_names(alias)
        if tables:
            raise BackupError(f"目标数据库 {connection.settings_dict['NAME']} 不是空的（{len(tables)} 张表）；"
                              "请恢复到新建的空数据库，"
                              f"或加 --replace 覆盖 / the target database is not empty ({len(tables)} tables): "
                              "restore into a new empty database, or pass --replace")
        present = next(storage_names(storage), None)
        if present is not None:
            raise BackupError(f"目标文件目录不是空的（例如 {present}）；请使用空目录（MEDIA_ROOT），或加 --replace 覆盖 / "
                              f"the target file storage is not empty (e.g. {present}): "
                              "use an empty MEDIA_ROOT, or pass --replace")
    if manifest.get("missing_files"):
        log(f"注意：备份时数据库记录的 {len(manifest['missing_files']):,} 个文件已不在存储中（manifest.json 的 missing_files） / "
            "note: files the database named were not in the storage when backed up (missing_files)")
    log("恢复数据库 / restoring the database …")
    with _tool_errors():
        database.load(alias, folder / manifest["database"]["file"], replace=replace, jobs=jobs)
    log(f"恢复 {len(manifest['files']):,} 个文件 / restoring files …")
    for entry in manifest["files"]:
        if replace and storage.exists(entry["path"]):
            storage.delete(entry["path"])
        with open(_inside(folder, f"{FILES}/{entry['path']}"), "rb") as handle:
            saved = storage.save(entry["path"], File(handle))
        if saved != entry["path"]:
            raise BackupError(f"文件存储改了文件名 / the storage renamed {entry['path']} to {saved}")
    counts = database.row_counts(alias)
    differ = sorted(table for table in set(counts) | set(manifest["tables"])
                    if counts.get(table) != manifest["tables"].get(table))
    if differ:
        detail = ", ".join(f"{t}: {manifest['tables'].get(t)} → {counts.get(t)}" for t in differ[:20])
        raise BackupError(f"恢复后的行数与清单不符 / row counts differ from the manifest after the restore: {detail}")
    unapplied, unknown = database.migration_gap(alias)
    if unapplied:
        log(f"注意：代码比备份新，还有 {len(unapplied)} 个迁移未应用，请运行 manage.py migrate / "
            f"note: the code is newer than the backup, run manage.py migrate ({', '.join(unapplied[:5])} …)")
    if unknown:
        log(f"警告：备份来自更新的门户版本，本代码不认识迁移 / warning: the backup is from a newer portal, "
            f"this code lacks the migrations {', '.join(unknown[:5])}")
    return RestoreResult(len(counts), sum(counts.values()), len(manifest["files"]),
                         sum(entry["size"] for entry in manifest["files"]))



def retention_keep(times: list[datetime.datetime], *, daily: int, weekly: int, monthly: int) -> set[datetime.datetime]:
    """The backups a retention policy keeps: the newest of each of the last ``daily`` days, ``weekly``
    ISO weeks and ``monthly`` months that have a backup (a backup may count for several)."""
    keep = set()
    periods = ((daily, lambda t: t.date()), (weekly, lambda t: t.isocalendar()[:2]), (monthly, lambda t: (t.year, t.month)))
    for count, period in periods:
        seen = set()
        for moment in sorted(times, reverse=True):
            key = period(moment)
            if key in seen:
                continue
            if len(seen) >= count:
                break
            seen.add(key)
            keep.add(moment)
    return keep


def backup_prune(*, destination: Path, daily: int, weekly: int, monthly: int) -> list[Path]:
    """Delete the complete backups under ``destination`` that the policy does not keep; returns them.
    Only folders this command wrote and finished (named by their time, with a manifest) are
    considered, so nothing else in the folder is ever touched."""
    found = {}
    for folder in Path(destination).iterdir():
        try:
            moment = datetime.datetime.strptime(folder.name, FOLDER_TIME)
        except ValueError:
            continue
        if folder.is_dir() and (folder / MANIFEST).is_file():
            found[moment] = folder
    keep = retention_keep(list(found), daily=daily, weekly=weekly, monthly=monthly)
    removed = [folder for moment, folder in sorted(found.items()) if moment not in keep]
    for folder in removed:
        shutil.rmtree(folder)
    return removed
