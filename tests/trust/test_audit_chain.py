"""The audit trail is append-only and hash-chained: `flask --app app audit verify` passes on
an untouched trail and names the first event that was edited, deleted, inserted or reordered."""

import hashlib
import threading
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from app.ops import migrate
from app.trust import audit, audit_chain
from models import AuditChainHead, AuditEvent, AuditOutcome
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


# --- The chain's rules, without the command line ---------------------------------------------

# Every field of an event the hash covers, written out: all but the surrogate id and the hashes.
EXPECTED_FIELDS = (
    "seq",
    "at",
    "user_id",
    "username",
    "agency_id",
    "role",
    "action",
    "outcome",
    "record_type",
    "record_id",
    "person_id",
    "reason",
    "detail",
    "client_address",
)


def test_the_hash_covers_every_field_of_an_event_but_its_id_and_hashes():
    assert audit_chain.FIELDS == EXPECTED_FIELDS
    columns = set(AuditEvent.metadata.tables["audit_event"].columns.keys())
    assert columns - set(EXPECTED_FIELDS) == {"id", "prev_hash", "hash"}


def _event(seq: int, **changes) -> SimpleNamespace:
    values = dict(
        id=seq + 100,
        seq=seq,
        at=datetime(2026, 3, 1, 9, 30, 0, 5, tzinfo=UTC),
        user_id=7,
        username="nurse",
        agency_id=3,
        role="practitioner",
        action="view_person",
        outcome=AuditOutcome.refused,
        record_type="person",
        record_id="12",
        person_id=12,
        reason="care team",
        detail="Looked at the plan",
        client_address="10.0.0.1",
    )
    values.update(changes)
    return SimpleNamespace(**values)


def _walk(events, head: int) -> audit_chain.Verdict:
    """The verdict on `events` against a head counting `head`, with no anchor to reach."""
    verdict, _reached = audit_chain._walk(events, head, None)
    return verdict


def _chain(count: int) -> list[SimpleNamespace]:
    """Events chained as the database chains them (`append`): each with the hash of the one before."""
    events, previous = [], audit_chain.GENESIS
    for seq in range(1, count + 1):
        event = _event(seq, detail=f"event {seq}")
        event.prev_hash = previous
        event.hash = previous = audit_chain.chain_hash(event, previous)
        events.append(event)
    return events


def test_an_event_is_hashed_over_its_canonical_json_after_the_previous_hash():
    event = _event(1)
    expected = (
        b'{"action":"view_person","agency_id":3,"at":"2026-03-01T09:30:00.000005Z","client_address":"10.0.0.1",'
        b'"detail":"Looked at the plan","outcome":"refused","person_id":12,"reason":"care team","record_id":"12",'
        b'"record_type":"person","role":"practitioner","seq":1,"user_id":7,"username":"nurse"}'
    )
    assert audit_chain.canonical(event) == expected
    assert audit_chain.chain_hash(event, audit_chain.GENESIS) == hashlib.sha256(b"0" * 64 + b"\n" + expected).hexdigest()
    assert audit_chain.GENESIS == "0" * 64


def test_times_are_hashed_in_utc_whatever_zone_they_were_read_in():
    naive = _event(1, at=datetime(2026, 3, 1, 9, 30, 0, 5))
    local = _event(1, at=datetime(2026, 3, 1, 10, 30, 0, 5, tzinfo=timezone(timedelta(hours=1))))
    assert audit_chain.canonical(naive) == audit_chain.canonical(_event(1)) == audit_chain.canonical(local)


@pytest.fixture
def london_machine(monkeypatch):
    """The machine's own time zone set to England's (British Summer Time in June)."""
    import time

    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_times_are_hashed_in_utc_whatever_zone_the_machine_is_in(london_machine):
    naive = _event(1, at=datetime(2026, 6, 1, 9, 30))
    aware = _event(1, at=datetime(2026, 6, 1, 9, 30, tzinfo=UTC))
    assert audit_chain.canonical(naive) == audit_chain.canonical(aware)
    assert b'"at":"2026-06-01T09:30:00.000000Z"' in audit_chain.canonical(naive)


def test_names_are_hashed_as_written_not_escaped():
    assert '"username":"zoë"'.encode() in audit_chain.canonical(_event(1, username="zoë"))


@pytest.mark.parametrize(
    "field, edited",
    [
        ("seq", 2),
        ("at", datetime(2026, 3, 1, 9, 30, 0, 6, tzinfo=UTC)),
        ("user_id", 8),
        ("username", "someone_else"),
        ("agency_id", 4),
        ("role", "network_lead"),
        ("action", "edit_plan"),
        ("outcome", AuditOutcome.allowed),
        ("record_type", "care_plan"),
        ("record_id", "13"),
        ("person_id", 13),
        ("reason", "network lead"),
        ("detail", "Nothing"),
        ("client_address", "10.0.0.2"),
    ],
)
def test_editing_any_field_of_an_event_breaks_the_chain_at_that_event(field, edited):
    events = _chain(4)
    setattr(events[2], field, edited)
    verdict = _walk(events, 4)
    assert not verdict.ok and verdict.checked == 2
    if field == "seq":
        assert verdict.problem == "audit event seq 2 (id 103): out of order, expected seq 3."
    else:
        assert verdict.problem == "audit event seq 3 (id 103): its contents were changed after it was written (its hash does not match)."


def test_a_whole_chain_is_reported_whole_with_its_head_hash():
    events = _chain(3)
    verdict = _walk(events, 3)
    assert verdict == audit_chain.Verdict(3, None, events[-1].hash) and verdict.ok


def test_an_empty_chain_is_whole_with_the_genesis_hash():
    assert _walk([], 0) == audit_chain.Verdict(0, None, audit_chain.GENESIS)


def test_a_reordered_chain_is_reported():
    first, second, third = _chain(3)
    verdict = _walk([first, third, second], 3)
    assert verdict == audit_chain.Verdict(1, "audit event seq 3 (id 103): the events from seq 2 to 2 are missing (deleted).")
    second.seq, third.seq = 3, 2  # renumbered to hide the swap
    verdict = _walk([first, third, second], 3)
    assert verdict.checked == 1 and not verdict.ok
    assert (
        verdict.problem == "audit event seq 2 (id 103): it does not follow the event before it (a row was deleted, inserted or reordered)."
    )


def test_a_repeated_place_in_the_chain_is_out_of_order():
    first, second = _chain(2)
    verdict = _walk([first, second, second], 2)
    assert verdict == audit_chain.Verdict(2, "audit event seq 2 (id 102): out of order, expected seq 3.")


def test_a_chain_shorter_or_longer_than_its_head_is_reported():
    events = _chain(3)
    assert _walk(events, 5) == audit_chain.Verdict(3, "the chain head counts 5 events but only 3 are there: the last were deleted.")
    assert _walk(events, 2) == audit_chain.Verdict(3, "there are 3 events but the chain head counts 2: events were added around the chain.")


def test_a_missing_chain_head_is_reported_not_verified_whole(app):
    _tamper(app, "DELETE FROM audit_chain_head")
    try:
        with app.extensions["oneplan_engine"].connect() as connection:
            verdict = audit_chain.verify(connection)
            with pytest.raises(RuntimeError, match=r"^The audit chain head is missing: run `flask --app app db upgrade`\.$"):
                audit_chain.append(connection, [_event(0)])
            connection.rollback()
    finally:
        _tamper(app, "INSERT INTO audit_chain_head (id, seq) VALUES (1, 0)")
    assert verdict == audit_chain.Verdict(0, "The audit chain head is missing: the chain cannot be checked.")
    assert not verdict.ok


def test_verify_reads_the_chain_in_batches_and_returns_the_head_hash(trail, app, db):
    last = db.exec(select(AuditEvent).where(AuditEvent.seq == 6)).one()
    with app.extensions["oneplan_engine"].connect() as connection:
        verdict = audit_chain.verify(connection, batch=2)
    assert verdict == audit_chain.Verdict(6, None, last.hash)


def _appended(connection, seqs) -> list:
    table = AuditEvent.metadata.tables["audit_event"]
    return list(connection.execute(select(table).where(table.c.seq.in_(seqs)).order_by(table.c.seq)).all())


def test_appending_gives_new_events_the_next_places_chains_them_and_moves_the_head(trail, app, db):
    last = db.exec(select(AuditEvent).where(AuditEvent.seq == 6)).one()
    with app.extensions["oneplan_engine"].connect() as connection:
        audit_chain.append(connection, [_event(0, detail="first"), _event(0, detail="second")])
        head = connection.execute(text("SELECT seq FROM audit_chain_head WHERE id = 1")).scalar()
        new = _appended(connection, [7, 8])
        connection.rollback()
    assert [e.detail for e in new] == ["first", "second"] and head == 8
    assert new[0].prev_hash == last.hash and new[1].prev_hash == new[0].hash
    assert [e.hash for e in new] == [audit_chain.chain_hash(new[0], last.hash), audit_chain.chain_hash(new[1], new[0].hash)]


def test_appending_the_first_event_starts_from_genesis(app):
    with app.extensions["oneplan_engine"].connect() as connection:
        audit_chain.append(connection, [_event(0)])
        (new,) = _appended(connection, [1])
        connection.rollback()
    assert new.prev_hash == audit_chain.GENESIS and new.hash == audit_chain.chain_hash(new, audit_chain.GENESIS)


def test_appending_after_a_missing_last_event_is_refused(trail, app):
    with app.extensions["oneplan_engine"].connect() as connection:
        connection.execute(text("UPDATE audit_chain_head SET seq = 9"))
        with pytest.raises(RuntimeError, match=r"^Audit event seq 9 is missing: run `flask --app app audit verify`\.$"):
            audit_chain.append(connection, [_event(0)])
        connection.rollback()


AWKWARD = [
    'a "quoted" name',
    "back\\slash and / slash",
    "new\nline, tab\t, return\r, bell\x07, escape\x1b, delete\x7f, form\x0c, backspace\x08",
    "zoë, Ærø, 東京, emoji 🩺, line separator \u2028, no-break\u00a0space",
    "",
]


def test_the_database_hashes_an_event_exactly_as_the_application_checks_it(app, db):
    """The hash is computed in the database (SQLite's oneplan_chain_hash(), PostgreSQL's
    audit_event_append()): whatever the text and the empty fields, `verify` finds each one whole."""
    world = World(db)
    for n, words in enumerate(AWKWARD):
        audit.record(
            db, "view_person", user=world.nurse if n % 2 else None, username=words[:64], reason=words, detail=words, record_id=words
        )
        audit.record(db, "sign_in", outcome=AuditOutcome.refused)  # nobody, no record: the fields null
        db.commit()
    with app.extensions["oneplan_engine"].connect() as connection:
        verdict = audit_chain.verify(connection)
    assert verdict.ok, verdict.problem
    assert verdict.checked == 2 * len(AWKWARD)
    stored = db.exec(select(AuditEvent.detail).where(AuditEvent.action == "view_person").order_by(AuditEvent.seq)).all()
    assert stored == [w or None for w in AWKWARD]


def test_an_event_at_a_whole_second_is_hashed_with_its_microseconds_written_out(app, db):
    event = _event(0, at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC))
    with app.extensions["oneplan_engine"].begin() as connection:
        audit_chain.append(connection, [event])
    with app.extensions["oneplan_engine"].connect() as connection:
        verdict = audit_chain.verify(connection)
    assert verdict.ok and verdict.checked == 1


class _Recording:
    """A connection to a database of the given dialect that records the statements sent to it."""

    def __init__(self, dialect: str):
        self.dialect = SimpleNamespace(name=dialect)
        self.statements: list[str] = []

    def execute(self, statement):
        self.statements.append(str(statement))


def test_on_postgresql_the_functions_come_first_then_triggers_on_update_delete_and_truncate():
    connection = _Recording("postgresql")
    audit_chain.make_append_only(connection)
    assert connection.statements == [
        "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_event is append-only: % is not allowed', TG_OP; END $$",
        "CREATE OR REPLACE FUNCTION audit_chain_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.seq >= OLD.seq THEN RETURN NEW; END IF; "
        "RAISE EXCEPTION 'audit_chain_head only moves forward: % is not allowed', TG_OP; END $$",
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_event FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
        "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
        "CREATE TRIGGER audit_chain_head_forward_only BEFORE UPDATE OR DELETE ON audit_chain_head "
        "FOR EACH ROW EXECUTE FUNCTION audit_chain_head_forward_only()",
        "CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_head_forward_only()",
    ]
    connection = _Recording("postgresql")
    audit_chain.drop_append_only(connection)
    assert connection.statements == [
        "DROP TRIGGER IF EXISTS audit_event_no_update ON audit_event",
        "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
        "DROP TRIGGER IF EXISTS audit_chain_head_forward_only ON audit_chain_head",
        "DROP TRIGGER IF EXISTS audit_chain_head_no_truncate ON audit_chain_head",
    ]


def test_on_sqlite_triggers_refuse_update_and_delete_the_head_only_moves_forward_and_an_insert_moves_it():
    connection = _Recording("sqlite")
    audit_chain.make_append_only(connection)
    assert [s.split(" BEGIN")[0] for s in connection.statements] == [
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event",
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event",
        "CREATE TRIGGER audit_chain_head_forward_only BEFORE UPDATE ON audit_chain_head WHEN NEW.seq < OLD.seq OR NEW.id <> OLD.id",
        "CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head",
        "CREATE TRIGGER audit_event_moves_head AFTER INSERT ON audit_event",
    ]
    connection = _Recording("sqlite")
    audit_chain.drop_append_only(connection)
    assert connection.statements == [
        "DROP TRIGGER IF EXISTS audit_event_no_update",
        "DROP TRIGGER IF EXISTS audit_event_no_delete",
        "DROP TRIGGER IF EXISTS audit_chain_head_forward_only",
        "DROP TRIGGER IF EXISTS audit_chain_head_no_delete",
        "DROP TRIGGER IF EXISTS audit_event_moves_head",
    ]


def test_lifting_the_triggers_drops_them_and_puts_them_back():
    connection = _Recording("sqlite")
    with audit_chain.append_only_lifted(connection):
        assert len(connection.statements) == 5 and all(s.startswith("DROP TRIGGER") for s in connection.statements)
    assert len(connection.statements) == 10 and all(s.startswith("CREATE TRIGGER") for s in connection.statements[5:])


def test_the_chain_is_read_in_seq_order_not_the_order_rows_are_stored(trail, app, runner):
    # Store event 2 again after the others (a new id, the same place and contents), and remove the original.
    columns = "seq, at, user_id, username, agency_id, role, action, outcome, record_type, record_id, person_id, reason, detail, client_address, prev_hash, hash"
    _tamper(
        app, f"INSERT INTO audit_event (id, {columns}) SELECT 1000, {columns.replace('seq,', '-seq,', 1)} FROM audit_event WHERE seq = 2"
    )
    _tamper(app, "DELETE FROM audit_event WHERE seq = 2")
    _tamper(app, "UPDATE audit_event SET seq = 2 WHERE seq = -2")
    with app.extensions["oneplan_engine"].connect() as connection:
        verdict = audit_chain.verify(connection)
    assert verdict.ok and verdict.checked == 6
