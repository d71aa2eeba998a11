"""`flask --app app backup` writes a consistent copy; restoring it into a fresh database gives
back every record (every table's rows, the same), and the restored audit trail verifies."""

import threading

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, SQLModel

from app.assessment import service
from app.config import normalise_database_url
from app.ops import backup
from app.trust import audit, audit_chain
from tests import factories
from tests.conftest import _postgres_database
from tests.factories import World


def _fill(db) -> World:
    world = World(db)
    service.open_assessment(db, world.person, world.nurse)
    for n in range(20):
        factories.person(db, world.practice, given_name=f"Person{n}", family_name="Backup")
    for n in range(30):
        audit.record(db, "view_person", user=world.nurse, person_id=world.person.id, detail=f"n{n}")
    db.commit()
    return world


def _snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    rows = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            order = list(table.primary_key.columns)
            rows[table.name] = [tuple(r) for r in connection.execute(table.select().order_by(*order)).all()]
    return rows


@pytest.fixture
def fresh_database(database_url, tmp_path):
    """The URL of a new, empty database beside the test database; dropped after."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    databases = _postgres_database(database_url)
    yield next(databases)
    next(databases, None)


def test_a_backup_restores_into_a_fresh_database_with_every_record(app, db, runner, tmp_path, fresh_database):
    _fill(db)
    target = tmp_path / "backup.bin"
    result = runner.invoke(args=["backup", "--to", str(target)])
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output and target.stat().st_size > 0

    result = runner.invoke(args=["restore", str(target), "--into", fresh_database])
    assert result.exit_code == 0, result.output
    restored = create_engine(normalise_database_url(fresh_database))
    try:
        original, copy = _snapshot(app.extensions["oneplan_engine"]), _snapshot(restored)
        assert {t: len(r) for t, r in copy.items()} == {t: len(r) for t, r in original.items()}
        assert copy == original  # every row, column for column
        assert len(copy["person"]) == 21 and len(copy["audit_event"]) >= 30
        with restored.connect() as connection:
            verdict = audit_chain.verify(connection)
        assert verdict.ok and verdict.checked == len(copy["audit_event"])
        # The restored trail is still append-only.
        with pytest.raises(Exception, match="append-only"), restored.begin() as connection:
            connection.execute(text("DELETE FROM audit_event"))
    finally:
        restored.dispose()


def test_a_backup_taken_while_people_are_writing_is_consistent(app, db, tmp_path, database_url, fresh_database):
    world = _fill(db)
    engine = app.extensions["oneplan_engine"]
    stop = threading.Event()

    def writer():
        with Session(engine) as session:
            while not stop.is_set():
                audit.record(session, "view_person", user=world.nurse, person_id=world.person.id)
                session.commit()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        backup.backup(database_url, tmp_path / "busy.bin")
    finally:
        stop.set()
        thread.join()
    backup.restore(tmp_path / "busy.bin", normalise_database_url(fresh_database))
    restored = create_engine(normalise_database_url(fresh_database))
    try:
        with restored.connect() as connection:
            verdict = audit_chain.verify(connection)
            if restored.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert verdict.ok, verdict.problem
        assert verdict.checked >= 30
    finally:
        restored.dispose()


def test_restore_refuses_a_database_that_already_has_tables(runner, tmp_path, database_url, db):
    _fill(db)
    target = tmp_path / "backup.bin"
    assert runner.invoke(args=["backup", "--to", str(target)]).exit_code == 0
    result = runner.invoke(args=["restore", str(target), "--into", database_url])
    assert result.exit_code != 0 and "already has tables" in result.output


def test_backup_will_not_overwrite_a_file(runner, tmp_path, db):
    target = tmp_path / "exists.bin"
    target.write_text("keep me")
    result = runner.invoke(args=["backup", "--to", str(target)])
    assert result.exit_code != 0 and "already exists" in result.output and target.read_text() == "keep me"


def test_backup_without_pg_dump_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(backup.shutil, "which", lambda tool: None)
    with pytest.raises(backup.BackupError, match="pg_dump is not installed"):
        backup.backup("postgresql+psycopg://postgres@127.0.0.1:5432/x", tmp_path / "x.dump")
