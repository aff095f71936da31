"""Backups and the restore drill (issue 18, item 3): a backup of a portal with issued certificates
restored into a new database and an empty MEDIA_ROOT, then checked from a process of its own."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection

from core.backup.database import row_counts
from tests.accounts.factories import PersonFactory
from tests.certificates.factories import certificate_with_levels, issue_now, seal_for
from tests.personas import PASSWORD

ROOT = Path(__file__).resolve().parent.parent.parent


def _only_backup(folder: Path) -> Path:
    (backup,) = folder.iterdir()
    return backup


@pytest.fixture
def portal(org_a, hubei, student_user):
    """A portal with an e-seal and three issued, signed certificate PDFs, and a student account."""
    seal_for(org_a)
    certificate = certificate_with_levels(org=org_a, name="老年照护")
    return issue_now(certificate=certificate, province=hubei,
                     people=[PersonFactory(name=name) for name in ("张小三", "李四", "王五")])


@pytest.fixture
def restore_database():
    """A new, empty database next to the test database, dropped afterwards: the environment a
    process needs to use it."""
    db = connection.settings_dict
    name = f"{db['NAME']}_restore"
    quoted = connection.ops.quote_name(name)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {quoted} TEMPLATE template0 ENCODING 'UTF8'")
    yield {"DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or 'localhost'}:"
                           f"{db['PORT'] or 5432}/{name}"}
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


def _run(args: list[str], *, database: dict, media_root: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")}
    env.update(database, MEDIA_ROOT=str(media_root), DB_CONN_MAX_AGE="0", VERIFY_RATE_PER_MINUTE="1000")
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def _restore_drill(*, portal, student_user, media_root: Path, tmp_path: Path, database: dict) -> None:
    """Back up this portal, restore it with ``manage.py restore`` into ``database`` and an empty
    MEDIA_ROOT, and check the restored portal from a process of its own."""
    call_command("backup", str(tmp_path / "backups"), stdout=open(os.devnull, "w"))
    backup = _only_backup(tmp_path / "backups")
    assert backup.stat().st_mode & 0o077 == 0  # the operator's account only
    manifest = json.loads((backup / "manifest.json").read_text())
    source_counts = row_counts("default")
    assert manifest["database"]["vendor"] == connection.vendor and manifest["tables"] == source_counts
    assert manifest["missing_files"] == []
    assert source_counts["certificates_issuedcertificate"] == 3 and source_counts["organizations_orgseal"] == 1
    files = {entry["path"]: entry for entry in manifest["files"]}
    for issued in portal:
        original = (media_root / issued.pdf.name).read_bytes()
        assert files[issued.pdf.name]["sha256"] == hashlib.sha256(original).hexdigest()
    assert any(path.startswith("seals/") for path in files)

    restored_media = tmp_path / "restored-media"
    done = _run(["manage.py", "restore", str(backup)], database=database, media_root=restored_media)
    assert done.returncode == 0, done.stderr
    assert "行数与清单一致" in done.stdout and "migrate" not in done.stdout  # the same code: no migration gap
    assert sorted(str(p.relative_to(restored_media)) for p in restored_media.rglob("*") if p.is_file()) == sorted(files)

    probe = _run(["tests/core/restored_portal.py", "student", PASSWORD], database=database, media_root=restored_media)
    assert probe.returncode == 0, probe.stderr
    restored = json.loads(probe.stdout)
    assert restored["tables"] == source_counts
    assert len(restored["certificates"]) == 3
    for issued in portal:
        seen = restored["certificates"][issued.number]
        assert seen["sha256"] == files[seen["path"]]["sha256"]
        assert seen["lookup"] == "valid"
        assert seen["pdf_genuine"] is True and seen["pdf_status"] == "valid"
    assert restored["sign_in"] == {"status": 302, "user": str(student_user.pk)}

    # Restored a second time over the first (the probe signed in and counted lookups since): with
    # --replace the backup's tables and files are put back as they were (without, the next test).
    replaced = _run(["manage.py", "restore", str(backup), "--replace"], database=database, media_root=restored_media)
    assert replaced.returncode == 0, replaced.stderr
    assert "行数与清单一致" in replaced.stdout


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_new_database_and_everything_still_verifies(portal, student_user, settings, tmp_path,
                                                                              restore_database):
    _restore_drill(portal=portal, student_user=student_user, media_root=settings.MEDIA_ROOT, tmp_path=tmp_path,
                   database=restore_database)


@pytest.mark.embedded
@pytest.mark.skipif(django_settings.USES_POSTGRES, reason="the SQLite path (make demo); on PostgreSQL the drill above")
@pytest.mark.django_db(transaction=True)
def test_the_embedded_sqlite_portal_restores_too(portal, student_user, settings, tmp_path):
    _restore_drill(portal=portal, student_user=student_user, media_root=settings.MEDIA_ROOT, tmp_path=tmp_path,
                   database={"SQLITE_PATH": str(tmp_path / "restored.sqlite3")})


@pytest.mark.django_db(transaction=True)
def test_a_restore_refuses_a_damaged_backup_and_a_database_that_is_not_empty(org_a, tmp_path, monkeypatch):
    from core.backup import database

    seal_for(org_a)
    with monkeypatch.context() as patched:  # a backup that stops half-way leaves no folder behind
        patched.setattr(database, "dump", lambda *args: (_ for _ in ()).throw(database.DatabaseToolError("disk full")))
        with pytest.raises(CommandError, match="disk full"):
            call_command("backup", str(tmp_path / "backups"), stdout=open(os.devnull, "w"))
    assert list((tmp_path / "backups").iterdir()) == []

    lost = seal_for(org_a)  # a file the database names but the storage has lost: the manifest says so
    lost.file.storage.delete(lost.file.name)
    call_command("backup", str(tmp_path / "backups"), stdout=open(os.devnull, "w"))
    backup = _only_backup(tmp_path / "backups")
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["missing_files"] == [{"field": "organizations.OrgSeal.file", "path": lost.file.name}]
    with pytest.raises(CommandError, match="不是空的"):  # this very database: it has every table
        call_command("restore", str(backup), stdout=open(os.devnull, "w"))

    (seal,) = (backup / "files" / "seals").rglob("*.png")
    seal.write_bytes(seal.read_bytes() + b"x")
    with pytest.raises(CommandError, match="备份已损坏") as refused:
        call_command("restore", str(backup), "--replace", stdout=open(os.devnull, "w"))
    assert f"files/{seal.relative_to(backup / 'files')}" in str(refused.value)

    (backup / "manifest.json").write_text(json.dumps({"format": 1, "database": {"vendor": "postgresql"}}))
    with pytest.raises(CommandError, match="不完整"):
        call_command("restore", str(backup), stdout=open(os.devnull, "w"))
    (backup / "manifest.json").unlink()
    with pytest.raises(CommandError, match="缺少 manifest.json"):
        call_command("restore", str(backup), stdout=open(os.devnull, "w"))


def test_the_retention_policy_keeps_the_newest_of_each_day_week_and_month(tmp_path):
    import datetime

    from core.backup.services import FOLDER_TIME, backup_prune

    start = datetime.datetime(2026, 1, 1, 1, 0)
    nights = [start + datetime.timedelta(days=n) for n in range(120)]  # nightly from 1 January to 30 April
    for moment in [*nights, start + datetime.timedelta(days=119, hours=12)]:  # and a second one on the last day
        folder = tmp_path / moment.strftime(FOLDER_TIME)
        folder.mkdir()
        (folder / "manifest.json").write_text("{}")
    (tmp_path / "pilot-backup-20250101T010000Z.partial").mkdir()  # unfinished: never touched
    (tmp_path / "notes").mkdir()

    removed = backup_prune(destination=tmp_path, daily=14, weekly=8, monthly=12)

    kept = {p.name[13:] for p in tmp_path.iterdir() if p.name.startswith("pilot-backup-") and "partial" not in p.name}
    daily = {f"202604{day:02d}T010000Z" for day in range(17, 30)} | {"20260430T130000Z"}  # the newest of the 30th
    weekly = {"20260430T130000Z", *(f"{day}T010000Z" for day in ("20260426", "20260419", "20260412", "20260405",
                                                                   "20260329", "20260322", "20260315"))}  # Sundays
    monthly = {"20260430T130000Z", "20260331T010000Z", "20260228T010000Z", "20260131T010000Z"}
    assert kept == daily | weekly | monthly
    assert len(removed) == 121 - len(kept)
    assert (tmp_path / "pilot-backup-20250101T010000Z.partial").exists() and (tmp_path / "notes").exists()
