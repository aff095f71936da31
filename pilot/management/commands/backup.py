"""``python manage.py backup DEST``: the database and every stored file in one folder with a manifest."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup_create, backup_prune, backup_verify


class Command(BaseCommand):
    help = ("Write a consistent backup (database dump, stored files, manifest.json with row counts and SHA-256 "
            "checksums) into a new folder under DEST; with --verify FOLDER, check an existing backup instead.")

    def add_arguments(self, parser):
        parser.add_argument("destination", help="folder under which pilot-backup-<UTC time>/ is created "
                                                "(with --verify: the backup folder to check)")
        parser.add_argument("--verify", action="store_true", help="only check an existing backup's checksums")
        parser.add_argument("--database", default="default", help="database alias (default: default)")
        parser.add_argument("--keep-daily", type=int, default=None,
                            help="after the backup, delete older backups under DEST except the newest of each of the "
                                 "last N days (with --keep-weekly and --keep-monthly: kept if any rule keeps it)")
        parser.add_argument("--keep-weekly", type=int, default=0, help="… of each of the last N ISO weeks")
        parser.add_argument("--keep-monthly", type=int, default=0, help="… of each of the last N months")

    def handle(self, *args, destination, verify, database, keep_daily, keep_weekly, keep_monthly, **options):
        started = time.perf_counter()
        try:
            if verify:
                manifest = backup_verify(Path(destination))
                self.stdout.write(self.style.SUCCESS(
                    f"备份完好 / backup intact: {len(manifest['tables'])} 张表 tables, {len(manifest['files']):,} 个文件 files, "
                    f"创建于 created {manifest['created_at']}"))
                return
            result = backup_create(destination=Path(destination), alias=database, log=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"备份完成 / backup written: {result.path}\n"
            f"{result.tables} 张表 tables, {result.rows:,} 行 rows, {result.files:,} 个文件 files "
            f"({result.bytes / 1e6:.1f} MB), {time.perf_counter() - started:.1f} s"))
        if result.missing:
            self.stdout.write(self.style.WARNING(
                f"数据库记录的 {result.missing:,} 个文件不在存储中（见 manifest.json 的 missing_files） / "
                f"{result.missing} files the database names are not in the storage (manifest.json, missing_files)"))
        if keep_daily is not None or keep_weekly or keep_monthly:
            # The new backup is the newest of its day, week and month: every rule keeps it.
            removed = backup_prune(destination=Path(destination), daily=max(1, keep_daily or 0), weekly=keep_weekly,
                                   monthly=keep_monthly)
            for folder in removed:
                self.stdout.write(f"已按保留策略删除 / removed by the retention policy: {folder.name}")
