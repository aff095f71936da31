"""Backups of the whole portal and their restore: the database and every stored file in one folder.

A backup is a folder ``pilot-backup-<UTC time>/`` holding

``database.dump``     PostgreSQL: ``pg_dump --format=custom`` in the snapshot the row counts were read in
``database.sqlite3``  SQLite: a copy made with the sqlite3 online backup API
``files/<name>``      each stored file (seals, certificate PDFs, uploads, reports) under its storage name
``manifest.json``     written last: when, which portal version and commit, the database vendor and
                      dump checksum, every table's row count, every file's path, size and SHA-256

It knows no domain: it reads the tables the database has and the files the storage has. The issuing
key is not in it (a secret, kept where ISSUING_KEY_PATH points); see the README, "Backups".
"""

from core.backup.services import BackupError, backup_create, backup_prune, backup_restore, backup_verify

__all__ = ["BackupError", "backup_create", "backup_prune", "backup_restore", "backup_verify"]
