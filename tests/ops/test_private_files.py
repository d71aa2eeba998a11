"""Files of personal data start life readable by their owner only: the SQLite database (and its
-wal and -shm files), whoever creates it first, and every backup, on either database."""

import os
import stat

import pytest

from app import create_app
from app.ops import backup, migrate
from tests.conftest import FAST_HASH
from tests.ops.test_backup import _fill


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    """The permissive umask many servers run with: what the files would get if nobody chose."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_new_sqlite_database_made_by_the_migrations_is_private(tmp_path, open_umask):
    path = tmp_path / "fresh" / "oneplan.db"
    migrate.upgrade(f"sqlite:///{path}")
    assert _mode(path) == 0o600
    for journal in (path.with_name("oneplan.db-wal"), path.with_name("oneplan.db-shm")):
        if journal.exists():
            assert _mode(journal) == 0o600, journal


def test_a_new_sqlite_database_opened_by_the_app_is_private_and_so_are_its_wal_files(tmp_path, open_umask):
    path = tmp_path / "oneplan.db"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{path}", "PASSWORD_HASH_COST": FAST_HASH})
    engine = app.extensions["oneplan_engine"]
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        assert _mode(path) == 0o600
        assert _mode(path.with_name("oneplan.db-wal")) == 0o600 and _mode(path.with_name("oneplan.db-shm")) == 0o600
    engine.dispose()


def test_a_backup_and_its_new_folder_are_private(app, db, runner, tmp_path, database_url, open_umask):
    if not database_url.startswith("sqlite") and backup.shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    _fill(db)
    target = tmp_path / "backups" / "oneplan.bin"
    result = runner.invoke(args=["backup", "--to", str(target)])
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 0 and _mode(target) == 0o600 and _mode(target.parent) == 0o700


def test_a_failed_backup_leaves_no_empty_file_behind(tmp_path):
    target = tmp_path / "oneplan.db"
    with pytest.raises(backup.BackupError, match="no database"):
        backup.backup(f"sqlite:///{tmp_path / 'missing.db'}", target)
    assert not target.exists()
