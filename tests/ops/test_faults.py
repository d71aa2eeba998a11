"""Faults: a database held by another writer, a process killed in the middle of a save, and a
database that cannot be written (read-only, or its disk full). Each ends in a clear page and a
database with nothing half-written: integrity checked, audit chain whole."""

import os
import sqlite3
import subprocess
import sys
import time

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from app import create_app
from app.assessment import service
from app.config import ROOT
from app.trust import audit_chain
from models import AssessmentRevision, AssessmentSection, AuditEvent, SuggestedNeed
from tests.conftest import TEST_CONFIG, AuthActions
from tests.factories import World

BUSY_MS = 400


@pytest.fixture
def world(db):
    world = World(db)
    service.open_assessment(db, world.person, world.nurse)
    db.commit()
    return world


def _section(db, key: str) -> AssessmentSection:
    db.expire_all()
    return db.exec(select(AssessmentSection).where(AssessmentSection.section_key == key)).one()


def _second_app(database_url: str, **config):
    """Another instance of OnePlan on the same database, configured for the fault."""
    return create_app({**TEST_CONFIG, "DATABASE_URL": database_url, **config})


def _whole(app) -> None:
    """Nothing is corrupted: SQLite's integrity check passes and the audit chain is whole."""
    engine = app.extensions["oneplan_engine"]
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        verdict = audit_chain.verify(connection)
    assert verdict.ok, verdict.problem


def _save(auth, world, text="Stay at home with my cat", htmx=False):
    return auth.post(
        f"/people/{world.person.id}/assessment/sections/perspective",
        {"version": "0", "what_matters": text},
        headers={"HX-Request": "true"} if htmx else {},
    )


# --- Another writer holds the database ------------------------------------------------------


class _Writer:
    """Another connection in the middle of a write transaction."""

    def __init__(self, database_url: str, person_id: int):
        self.url = database_url
        if database_url.startswith("sqlite"):
            self.connection = sqlite3.connect(make_url(database_url).database, isolation_level=None)
            self.connection.execute("BEGIN IMMEDIATE")  # SQLite's write lock, held
        else:
            self.engine = create_engine(database_url)
            self.connection = self.engine.connect()
            self.connection.execute(
                text("SELECT s.id FROM assessment_section s JOIN assessment a ON a.id = s.assessment_id WHERE a.person_id = :p FOR UPDATE"),
                {"p": person_id},
            )  # the rows the save must change, held

    def release(self) -> None:
        if self.url.startswith("sqlite"):
            self.connection.execute("ROLLBACK")
            self.connection.close()
        else:
            self.connection.rollback()
            self.connection.close()
            self.engine.dispose()


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_save_blocked_by_another_writer_waits_then_fails_cleanly_with_a_retry_message(database_url, db, world, htmx):
    app = _second_app(database_url, SQLITE_BUSY_TIMEOUT_MS=BUSY_MS)
    client = app.test_client()
    auth = AuthActions(client)
    auth.sign_in("nurse")
    token = auth.csrf_token()
    writer = _Writer(database_url, world.person.id)
    try:
        started = time.monotonic()
        response = client.post(
            f"/people/{world.person.id}/assessment/sections/perspective",
            data={"version": "0", "what_matters": "Blocked", "csrf_token": token},
            headers={"HX-Request": "true"} if htmx else {},
        )
        waited = time.monotonic() - started
    finally:
        writer.release()
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "OnePlan is busy" in page and "Nothing was saved" in page and "try again" in page
    assert BUSY_MS / 1000 * 0.9 <= waited < 10, waited
    if htmx:
        assert response.headers["HX-Retarget"] == "#maincontent" and "<html" not in page
    assert _section(db, "perspective").version == 0
    assert _save(auth, world).status_code == 302  # once the other writer is done, the same save lands
    assert _section(db, "perspective").version == 1
    _whole(app)
    app.extensions["oneplan_engine"].dispose()


class _ChainHolder(_Writer):
    """Another connection holding what every view writes to: the audit chain's head (SQLite's write
    lock is the whole database)."""

    def __init__(self, database_url: str):
        self.url = database_url
        if database_url.startswith("sqlite"):
            self.connection = sqlite3.connect(make_url(database_url).database, isolation_level=None)
            self.connection.execute("BEGIN IMMEDIATE")
        else:
            self.engine = create_engine(database_url)
            self.connection = self.engine.connect()
            self.connection.execute(text("SELECT seq FROM audit_chain_head FOR UPDATE"))


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_view_during_another_write_says_the_page_was_not_shown_not_that_nothing_was_saved(database_url, db, world, htmx):
    app = _second_app(database_url, SQLITE_BUSY_TIMEOUT_MS=BUSY_MS)
    client = app.test_client()
    AuthActions(client).sign_in("nurse")
    holder = _ChainHolder(database_url)
    try:
        response = client.get(f"/people/{world.person.id}/assessment", headers={"HX-Request": "true"} if htmx else {})
    finally:
        holder.release()
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:300]
    assert "could not be shown" in page and "Wait a moment and try again" in page
    assert "saved" not in page
    assert client.get(f"/people/{world.person.id}/assessment").status_code == 200
    app.extensions["oneplan_engine"].dispose()


# --- A process killed in the middle of a multi-row save -------------------------------------


@pytest.mark.parametrize(
    "kill_at",
    [
        "INSERT INTO assessment_revision",  # after the section row was updated
        "INSERT INTO suggested_need",  # after the revision was written
        "the audit event",  # at commit, after every row of the save: the last statement before COMMIT
    ],
)
def test_a_process_killed_mid_save_leaves_no_half_written_record(app, database_url, db, world, kill_at, is_postgres):
    if kill_at == "the audit event":  # one statement, the database's own on PostgreSQL (app/trust/audit_chain.py)
        kill_at = "SELECT audit_event_append" if is_postgres else "INSERT INTO audit_event"
    env = {**os.environ, "DATABASE_URL": database_url, "PERSON_ID": str(world.person.id), "USERNAME": "nurse", "KILL_AT": kill_at}
    result = subprocess.run(
        [sys.executable, "-m", "tests.ops.kill_mid_save"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == -9, (result.returncode, result.stdout[-2000:], result.stderr[-2000:])
    section = _section(db, "safety")
    assert section.version == 0 and section.answers == {}
    assert db.exec(select(AssessmentRevision)).all() == []
    assert db.exec(select(SuggestedNeed)).all() == []
    assert db.exec(select(AuditEvent).where(AuditEvent.record_type == "assessment_section")).all() == []
    _whole(app)
    # The database is not stuck: the same save lands now.
    client = app.test_client()
    auth = AuthActions(client)
    auth.sign_in("nurse")
    assert (
        auth.post(f"/people/{world.person.id}/assessment/sections/safety", {"version": "0", "safeguarding_concern": "yes"}).status_code
        == 302
    )
    assert _section(db, "safety").version == 1
    assert len(db.exec(select(SuggestedNeed)).all()) == 1


# --- A database that cannot be written ------------------------------------------------------


def _read_only_url(database_url: str, db) -> str:
    if database_url.startswith("sqlite"):
        return f"sqlite:///file:{make_url(database_url).database}?mode=ro&uri=true"
    name = make_url(database_url).database
    db.exec(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
    db.commit()
    return database_url


def _writable_again(database_url: str, db) -> None:
    if not database_url.startswith("sqlite"):
        name = make_url(database_url).database
        db.exec(text("SET default_transaction_read_only = off"))
        db.exec(text(f'ALTER DATABASE "{name}" RESET default_transaction_read_only'))
        db.commit()


def test_a_read_only_database_gets_a_clear_page_and_nothing_is_corrupted(app, database_url, client, auth, db, world):
    auth.sign_in("nurse")  # signed in while the database could be written
    cookie = client.get_cookie("session")
    read_only = _second_app(_read_only_url(database_url, db))
    try:
        reader = read_only.test_client()
        reader.set_cookie(cookie.key, cookie.value)
        token = AuthActions(reader).csrf_token()
        response = reader.post(
            f"/people/{world.person.id}/assessment/sections/perspective",
            data={"version": "0", "what_matters": "Not now", "csrf_token": token},
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 503, page[:500]
        assert "cannot save anything just now" in page and "Nothing was saved" in page
    finally:
        read_only.extensions["oneplan_engine"].dispose()
        _writable_again(database_url, db)
    assert _section(db, "perspective").version == 0
    _whole(app)


def test_a_full_disk_gets_a_clear_page_and_nothing_is_corrupted(app, database_url, client, auth, db, world):
    if not database_url.startswith("sqlite"):
        pytest.skip("a full disk is simulated with SQLite's max_page_count; a test cannot fill a PostgreSQL server's disk")
    auth.sign_in("nurse")
    db.close()
    app.extensions["oneplan_engine"].dispose()
    path = make_url(database_url).database
    with sqlite3.connect(path) as raw:
        raw.execute("VACUUM")  # no free pages left to reuse
        pages = raw.execute("PRAGMA page_count").fetchone()[0]
    raw.close()

    @event.listens_for(app.extensions["oneplan_engine"], "connect")
    def no_room(dbapi_connection, _record):
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    try:
        story = "A long story. " * 140  # three of these need pages the database may not grow to hold
        response = auth.post(
            f"/people/{world.person.id}/assessment/sections/perspective",
            {"version": "0", "what_matters": story, "strengths": story, "wishes": story},
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 503, page[:500]
        assert "cannot save anything just now" in page and "Nothing was saved" in page
    finally:
        event.remove(app.extensions["oneplan_engine"], "connect", no_room)
        app.extensions["oneplan_engine"].dispose()
    with Session(app.extensions["oneplan_engine"]) as fresh:
        assert fresh.exec(select(AssessmentSection).where(AssessmentSection.section_key == "perspective")).one().version == 0
    _whole(app)


# --- A connection dropped in the middle of a request ------------------------------------------


def _dropped(statement: str) -> OperationalError:
    return OperationalError(statement, {}, Exception("server closed the connection unexpectedly"))


class _DroppedConnection:
    """The request's connection goes away: it is closed under the application, so a statement (or
    the commit) fails, and so does every rollback on it after, as a real dead connection's would.
    The database drops its transaction with it, as a server does when a connection dies."""

    def __init__(self, app, at: str):
        self.engine = app.extensions["oneplan_engine"]
        self.at = at
        self.dead = None

    def _drop(self, conn, statement: str):
        self.dead = conn.connection.dbapi_connection
        self.dead.close()
        raise _dropped(statement)

    def _statement(self, conn, cursor, statement, parameters, context, executemany):
        if self.at == "statement" and self.dead is None and statement.lstrip().upper().startswith("SELECT"):
            self._drop(conn, statement)

    def _commit(self, conn):
        if self.at == "commit" and self.dead is None:
            self._drop(conn, "COMMIT")

    def _rollback(self, conn):
        try:
            on_dead = conn.connection.dbapi_connection is self.dead
        except Exception:  # already invalidated: nothing left to roll back
            return
        if on_dead:
            raise _dropped("ROLLBACK")

    @property
    def dropped(self) -> bool:
        return self.dead is not None

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "commit", self._commit)
        event.listen(self.engine, "rollback", self._rollback)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "rollback", self._rollback)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_connection_dropped_mid_request_whose_rollback_fails_still_gets_the_busy_page(app, database_url, client, auth, db, world, htmx):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: what the server would send
    auth.sign_in("nurse")
    with _DroppedConnection(app, "statement") as dropped:
        response = client.get(f"/people/{world.person.id}/assessment", headers={"HX-Request": "true"} if htmx else {})
    assert dropped.dropped
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:300]
    assert "OnePlan is busy" in page and "try again" in page
    assert response.headers["Content-Security-Policy"] and response.headers["Cache-Control"] == "no-store"
    assert client.get(f"/people/{world.person.id}/assessment").status_code == 200  # the next request gets a working connection
    _whole(app)


def test_a_connection_dropped_at_commit_gets_the_busy_page_and_nothing_is_saved(app, database_url, client, auth, db, world):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    auth.sign_in("nurse")
    token = auth.csrf_token()
    with _DroppedConnection(app, "commit") as dropped:
        response = client.post(
            f"/people/{world.person.id}/assessment/sections/perspective",
            data={"version": "0", "what_matters": "Lost with the connection", "csrf_token": token},
        )
    assert dropped.dropped
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:300]
    assert "Nothing was saved" in page and response.headers["Content-Security-Policy"]
    assert _section(db, "perspective").version == 0
    assert _save(auth, world).status_code == 302 and _section(db, "perspective").version == 1
    _whole(app)
