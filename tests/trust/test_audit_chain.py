"""The audit trail is append-only and hash-chained: `flask --app app audit verify` passes on
an untouched trail and names the first event that was edited, deleted, inserted or reordered."""

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from app.ops import migrate
from app.trust import audit, audit_chain
from models import AuditChainHead, AuditEvent
from tests.factories import World


def _events(db, count: int, world: World) -> None:
    for n in range(count):
        audit.record(
            db,
            "view_person",
            user=world.nurse,
            person_id=world.person.id,
            record_type="person",
            record_id=world.person.id,
            reason="care team",
            detail=f"event {n}",
        )
        db.commit()


def _verify(runner):
    return runner.invoke(args=["audit", "verify"])


@pytest.fixture
def trail(app, db):
    world = World(db)
    _events(db, 6, world)
    return world


def _tamper(app, statement: str, **params) -> None:
    """Change the trail behind the application's back, as someone with database access could."""
    with app.extensions["oneplan_engine"].begin() as connection, audit_chain.append_only_lifted(connection):
        connection.execute(text(statement), params)


def test_verify_passes_on_an_untouched_trail_and_counts_the_events(trail, runner):
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert "6 events checked" in result.output and "Head hash:" in result.output


def test_verify_passes_on_an_empty_trail(app, runner):
    result = _verify(runner)
    assert result.exit_code == 0 and "0 events checked" in result.output


def test_each_event_carries_the_hash_of_the_one_before(trail, db):
    rows = db.exec(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == audit_chain.GENESIS
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.prev_hash == before.hash
    assert db.get(AuditChainHead, 1).seq == len(rows)


def test_events_of_a_rolled_back_change_are_not_written(trail, db):
    audit.record(db, "edit_assessment", user=trail.nurse, person_id=trail.person.id)
    db.rollback()
    db.commit()
    assert len(db.exec(select(AuditEvent)).all()) == 6


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_event SET reason = 'nothing to see' WHERE seq = 2", "DELETE FROM audit_event WHERE seq = 2"]
)
def test_the_database_refuses_to_change_or_delete_an_event(trail, app, statement):
    with pytest.raises(DBAPIError, match="append-only"), app.extensions["oneplan_engine"].begin() as connection:
        connection.execute(text(statement))


def test_postgresql_refuses_to_truncate_the_trail(trail, app, is_postgres):
    if not is_postgres:
        pytest.skip("TRUNCATE is PostgreSQL's; SQLite has only DELETE, refused above")
    with pytest.raises(DBAPIError, match="append-only"), app.extensions["oneplan_engine"].begin() as connection:
        connection.execute(text("TRUNCATE audit_event"))


def test_verify_names_an_edited_event(trail, app, runner):
    _tamper(app, "UPDATE audit_event SET username = 'someone_else' WHERE seq = 3")
    result = _verify(runner)
    assert result.exit_code == 1
    assert "seq 3" in result.output and "changed after it was written" in result.output
    assert "2 events before it are whole" in result.output


def test_verify_names_an_edited_time(trail, app, runner):
    _tamper(app, "UPDATE audit_event SET at = :at WHERE seq = 4", at="2020-01-01 00:00:00")
    result = _verify(runner)
    assert result.exit_code == 1 and "seq 4" in result.output


def test_verify_names_the_gap_where_an_event_was_deleted(trail, app, runner):
    _tamper(app, "DELETE FROM audit_event WHERE seq = 2")
    result = _verify(runner)
    assert result.exit_code == 1 and "seq 3" in result.output and "from seq 2 to 2 are missing" in result.output


def test_verify_finds_a_deleted_event_even_when_the_rest_were_renumbered(trail, app, runner):
    _tamper(app, "DELETE FROM audit_event WHERE seq = 2")
    _tamper(app, "UPDATE audit_event SET seq = seq - 1 WHERE seq > 2")
    _tamper(app, "UPDATE audit_chain_head SET seq = seq - 1")
    result = _verify(runner)
    assert result.exit_code == 1 and "seq 2" in result.output and "does not follow" in result.output


def test_verify_finds_the_last_events_deleted(trail, app, runner):
    _tamper(app, "DELETE FROM audit_event WHERE seq >= 5")
    result = _verify(runner)
    assert result.exit_code == 1 and "head counts 6 events but only 4" in result.output


def test_verify_names_reordered_events(trail, app, runner):
    # Swap the places of events 3 and 4 (through a free number, as seq is unique).
    _tamper(app, "UPDATE audit_event SET seq = 1000 WHERE seq = 3")
    _tamper(app, "UPDATE audit_event SET seq = 3 WHERE seq = 4")
    _tamper(app, "UPDATE audit_event SET seq = 4 WHERE seq = 1000")
    result = _verify(runner)
    assert result.exit_code == 1 and "seq 3" in result.output


def test_verify_finds_an_event_inserted_out_of_order(trail, app, db, runner):
    row = db.exec(select(AuditEvent).where(AuditEvent.seq == 6)).one()
    at, digest = row.at.replace(tzinfo=None), row.hash
    db.rollback()  # end the read, or PostgreSQL's DROP TRIGGER waits for it
    _tamper(app, "UPDATE audit_event SET seq = seq + 1000 WHERE seq >= 4")  # make room at 4 (in two steps: seq is unique)
    _tamper(app, "UPDATE audit_event SET seq = seq - 999 WHERE seq >= 1000")
    _tamper(app, "UPDATE audit_chain_head SET seq = seq + 1")
    _tamper(
        app,
        "INSERT INTO audit_event (seq, at, action, outcome, prev_hash, hash) VALUES (4, :at, 'view_person', 'allowed', :h, :h)",
        at=at,
        h=digest,
    )
    result = _verify(runner)
    assert result.exit_code == 1 and "seq 4" in result.output


def test_verify_finds_events_added_after_the_head(trail, app, db, runner):
    last = db.exec(select(AuditEvent).where(AuditEvent.seq == 6)).one()
    forged = AuditEvent(seq=7, at=last.at, action="view_person", outcome=last.outcome, prev_hash=last.hash)
    forged.hash = audit_chain.chain_hash(forged, last.hash)
    at, previous = last.at.replace(tzinfo=None), last.hash
    db.rollback()
    _tamper(
        app,
        "INSERT INTO audit_event (seq, at, action, outcome, prev_hash, hash) VALUES (7, :at, 'view_person', 'allowed', :p, :h)",
        at=at,
        p=previous,
        h=forged.hash,
    )
    result = _verify(runner)
    assert result.exit_code == 1 and "chain head counts 6" in result.output


def test_concurrent_writers_never_fork_the_chain(app, db):
    world = World(db)
    engine = app.extensions["oneplan_engine"]
    errors = []

    def writer(n: int) -> None:
        try:
            with Session(engine) as session:
                for i in range(15):
                    audit.record(session, "view_person", user=world.nurse, person_id=world.person.id, detail=f"{n}.{i}")
                    if i % 3 == 0:
                        audit.record(session, "view_assessment", user=world.nurse, person_id=world.person.id)
                    session.commit()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as connection:
        verdict = audit_chain.verify(connection)
    assert verdict.ok, verdict.problem
    assert verdict.checked == 8 * (15 + 5)


def test_the_migration_chains_events_written_before_it(tmp_path, is_postgres):
    if is_postgres:
        pytest.skip("checked on a SQLite file; the migration's statements are the same on PostgreSQL")
    from sqlalchemy import create_engine

    url = f"sqlite:///{tmp_path / 'before-chain.db'}"
    migrate.upgrade(url, "0003")
    engine = create_engine(url)
    with engine.begin() as connection:
        for n in range(5):
            connection.execute(
                text(
                    "INSERT INTO audit_event (at, action, outcome, username, detail) VALUES ('2026-01-0' || :d || ' 10:00:00.000000', 'sign_in', 'allowed', 'nurse', :n)"
                ),
                {"d": n + 1, "n": str(n)},
            )
    migrate.upgrade(url)
    with engine.connect() as connection:
        verdict = audit_chain.verify(connection)
    engine.dispose()
    assert verdict.ok and verdict.checked == 5
