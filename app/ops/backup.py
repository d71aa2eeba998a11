"""Backups: a consistent copy of the database, and putting one back.

SQLite uses its online backup API, which copies a consistent snapshot even while OnePlan is
writing. PostgreSQL uses pg_dump's custom format (one consistent snapshot too) and pg_restore.
A restore only goes into an empty database, so it can never overwrite live records.
"""

import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Optional

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL, make_url

from app.db import create_private


class BackupError(RuntimeError):
    """Something the person running the backup or restore can fix; the message says what."""


def default_path(database_url: str, folder: Path, now: Optional[datetime] = None) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    suffix = "db" if _is_sqlite(database_url) else "dump"
    return folder / f"oneplan-{stamp}.{suffix}"


def backup(database_url: str, to: Path) -> Path:
    """Write a consistent copy of the database at `database_url` to the file `to`, readable by its
    owner only (0600, in a folder made 0700): a backup holds every person's record."""
    if not to.parent.exists():
        to.parent.mkdir(mode=0o700, parents=True)
    if to.exists():
        raise BackupError(f"{to} already exists: choose a new file for the backup.")
    create_private(to)  # pg_dump and SQLite write into it and keep its mode
    try:
        if _is_sqlite(database_url):
            _sqlite_copy(_sqlite_path(database_url), to)
        else:
            _run("pg_dump", ["--format=custom", "--no-owner", f"--file={to}"], make_url(database_url))
    except BaseException:
        to.unlink(missing_ok=True)  # no empty or partial backup left to mistake for a good one
        raise
    return to


def restore(backup_file: Path, database_url: str) -> None:
    """Put a backup into the (empty) database at `database_url`."""
    if not backup_file.is_file():
        raise BackupError(f"There is no backup at {backup_file}.")
    if _has_tables(database_url):
        raise BackupError("The database to restore into already has tables: restore only into a new, empty database.")
    if _is_sqlite(database_url):
        _sqlite_copy(backup_file, _sqlite_path(database_url))
    else:
        _run("pg_restore", ["--no-owner", "--exit-on-error", "--single-transaction", str(backup_file)], make_url(database_url))


def _is_sqlite(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "sqlite"


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(database)


def _sqlite_copy(source: Path, target: Path) -> None:
    if not source.exists():
        raise BackupError(f"There is no database at {source}.")
    create_private(target)
    with sqlite3.connect(source, timeout=30) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
        problem = dst.execute("PRAGMA integrity_check").fetchone()[0]
    src.close()
    dst.close()
    if problem != "ok":
        raise BackupError(f"The copy at {target} failed SQLite's integrity check: {problem}")


def _run(tool: str, arguments: list[str], url: URL) -> None:
    """Run a PostgreSQL client tool against `url`; the password goes in the environment, not argv."""
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is not installed or not on PATH: install PostgreSQL's client tools (Debian: postgresql-client).")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    target = ["--dbname", plain]
    result = subprocess.run([tool, *arguments, *target], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{tool} failed: {result.stderr.strip() or result.stdout.strip()}")


def _has_tables(database_url: str) -> bool:
    if _is_sqlite(database_url) and not _sqlite_path(database_url).exists():
        return False
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return bool(inspect(connection).get_table_names())
    finally:
        engine.dispose()
