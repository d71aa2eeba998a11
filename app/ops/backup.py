"""Backups: a consistent copy of the database, and putting one back.

SQLite uses its online backup API, which copies a consistent snapshot even while OnePlan is
writing. PostgreSQL uses pg_dump's custom format (one consistent snapshot too) and pg_restore.
A restore only goes into an empty database, so it can never overwrite live records.
"""

import os
import shutil
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable
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


ProgressCallback = Optional[Callable[[int, Optional[int]], None]]


def backup(database_url: str, to: Path, progress: ProgressCallback = None) -> Path:
    """Write a consistent copy of the database at `database_url` to the file `to`, readable by its
    owner only (0600, in a folder made 0700): a backup holds every person's record."""
    if not to.parent.exists():
        to.parent.mkdir(mode=0o700, parents=True)
    if to.exists():
        raise BackupError(f"{to} already exists: choose a new file for the backup.")
    create_private(to)  # pg_dump and SQLite write into it and keep its mode
    try:
        if _is_sqlite(database_url):
            _sqlite_copy(_sqlite_path(database_url), to, progress)
        else:
            _run("pg_dump", ["--format=custom", "--no-owner", f"--file={to}"], make_url(database_url), progress, watch=to)
    except BaseException:
        to.unlink(missing_ok=True)  # no empty or partial backup left to mistake for a good one
        raise
    return to


def restore(backup_file: Path, database_url: str, progress: ProgressCallback = None) -> None:
    """Put a backup into the (empty) database at `database_url`."""
    if not backup_file.is_file():
        raise BackupError(f"There is no backup at {backup_file}.")
    if _has_tables(database_url):
        raise BackupError("The database to restore into already has tables: restore only into a new, empty database.")
    if _is_sqlite(database_url):
        _sqlite_copy(backup_file, _sqlite_path(database_url), progress)
    else:
        entries = _restore_entries(backup_file) if progress else None
        arguments = ["--no-owner", "--exit-on-error", "--single-transaction", *(["--verbose"] if progress else []), str(backup_file)]
        _run("pg_restore", arguments, make_url(database_url), progress, entries=entries)


def _is_sqlite(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "sqlite"


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(database)


def _sqlite_copy(source: Path, target: Path, progress: ProgressCallback = None) -> None:
    if not source.exists():
        raise BackupError(f"There is no database at {source}.")
    create_private(target)
    with sqlite3.connect(source, timeout=30) as src, sqlite3.connect(target) as dst:
        if progress is None:
            src.backup(dst)
        else:  # a thousand pages at a time (4 MB), saying how far it has gone
            src.backup(dst, pages=1000, progress=lambda _status, remaining, total: progress(total - remaining, total))
        problem = dst.execute("PRAGMA integrity_check").fetchone()[0]
    src.close()
    dst.close()
    if problem != "ok":
        raise BackupError(f"The copy at {target} failed SQLite's integrity check: {problem}")


def _run(
    tool: str,
    arguments: list[str],
    url: URL,
    progress: ProgressCallback = None,
    watch: Optional[Path] = None,
    entries: Optional[int] = None,
) -> None:
    """Run a PostgreSQL client tool against `url`; the password goes in the environment, not argv.
    With `progress`: the size of the file it writes (`watch`), or the lines pg_restore --verbose
    writes as it goes through the backup's `entries`."""
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is not installed or not on PATH: install PostgreSQL's client tools (Debian: postgresql-client).")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    target = ["--dbname", plain]
    with subprocess.Popen([tool, *arguments, *target], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as running:
        said: list[str] = []
        reader = threading.Thread(target=_read_lines, args=(running.stderr, said, progress if entries else None, entries))
        reader.start()
        while running.poll() is None:
            if progress is not None and watch is not None and watch.exists():
                progress(watch.stat().st_size, None)
            time.sleep(0.5)
        reader.join()
        output = running.stdout.read() if running.stdout else ""
    if running.returncode != 0:
        # --verbose (for progress) says what it did too: the failure is in the lines that say error.
        problem = ("".join(line for line in said if "error" in line.lower()) or "".join(said)).strip()
        raise BackupError(f"{tool} failed: {problem or output.strip()}")


def _read_lines(stream, said: list[str], progress: ProgressCallback, entries: Optional[int]) -> None:
    for line in stream:
        said.append(line)
        if progress is not None:
            progress(min(len(said), entries or len(said)), entries)


def _restore_entries(backup_file: Path) -> Optional[int]:
    """How many entries pg_restore will go through (its --list, less the comments)."""
    listed = subprocess.run(["pg_restore", "--list", str(backup_file)], capture_output=True, text=True)
    if listed.returncode != 0:
        return None
    return sum(1 for line in listed.stdout.splitlines() if line.strip() and not line.startswith(";"))


def _has_tables(database_url: str) -> bool:
    if _is_sqlite(database_url) and not _sqlite_path(database_url).exists():
        return False
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return bool(inspect(connection).get_table_names())
    finally:
        engine.dispose()
