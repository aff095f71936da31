"""``python manage.py restore FOLDER``: a backup restored into the configured (empty) database and MEDIA_ROOT."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = ("Restore a backup folder (from `manage.py backup`) into the database of DATABASE_URL and the file "
            "storage (MEDIA_ROOT). Checksums are verified first; both targets must be empty unless --replace.")

    def add_arguments(self, parser):
        parser.add_argument("folder", help="the pilot-backup-<UTC time>/ folder")
        parser.add_argument("--replace", action="store_true",
                            help="restore even though the database or the file storage is not empty: the backup's "
                                 "tables are dropped and recreated, its files overwritten")
        parser.add_argument("--jobs", type=int, default=1,
                            help="parallel pg_restore jobs (default 1: one transaction, nothing half-restored on failure)")
        parser.add_argument("--database", default="default", help="database alias (default: default)")

    def handle(self, *args, folder, replace, jobs, database, **options):
        started = time.perf_counter()
        try:
            result = backup_restore(folder=Path(folder), alias=database, replace=replace, jobs=max(1, jobs),
                                    log=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"恢复完成，行数与清单一致 / restored, row counts match the manifest: {result.tables} 张表 tables, "
            f"{result.rows:,} 行 rows, {result.files:,} 个文件 files ({result.bytes / 1e6:.1f} MB), "
            f"{time.perf_counter() - started:.1f} s"))
