"""The audit trail's hash chain: how an event is sealed, how the chain is checked, and the
triggers that make the table append-only.

Each event's hash is SHA-256 over the previous event's hash and a canonical serialisation
of every field of the event (JSON, sorted keys, times in UTC to the microsecond), so editing,
deleting, inserting or reordering a row breaks the chain from that row on. The chain head
row counts the events, so deleting the last ones is found too, and it only moves forward
(triggers, like the events' own). It is tamper-evident, not tamper-proof: someone who can drop
the triggers, cut off the last events and move the head back leaves a shorter chain that is
whole. So `audit anchor` gives the head hash to keep somewhere the database cannot reach, and
`audit verify --expect-head` checks that the chain still reaches it.

An event is sealed by the database, in the one statement that appends it (`append`): the hash is
written twice, here for checking and in the database for writing (SQLite's oneplan_chain_hash() is
`sql_chain_hash` below; PostgreSQL's audit_event_append() is in migration 0019_r_audit_one_statement),
and tests/trust/test_audit_chain.py checks that what the database writes, `verify` finds whole.
"""

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from functools import cache
from types import SimpleNamespace
from typing import Optional

from sqlalchemy import bindparam, case, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import Executable

GENESIS = "0" * 64
# Every field of an event but its surrogate id and the hashes themselves.
FIELDS = (
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


def _plain(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, Enum):
        return value.value
    return value


def is_hash(value: str) -> bool:
    """Whether `value` could be a chain hash: 64 lowercase hexadecimal characters."""
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def canonical(event) -> bytes:
    """The bytes an event's hash covers (anything with the FIELDS as attributes)."""
    values = {name: _plain(getattr(event, name)) for name in FIELDS}
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def chain_hash(event, prev_hash: str) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical(event)).hexdigest()


@dataclass(frozen=True)
class Verdict:
    checked: int
    problem: Optional[str] = None  # names the first bad event, or None when the chain is whole
    head_hash: str = GENESIS

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(connection: Connection, batch: int = 2000, expect_head: Optional[str] = None) -> Verdict:
    """Walk the chain in `seq` order: 1, 2, 3... with no gaps, each row's prev_hash the hash of
    the one before, each hash matching the row's contents, and the head counting the last. With
    `expect_head` (a head hash noted earlier, elsewhere) the chain must also pass through it: a
    chain cut back to before it, however whole, is not the chain that was noted."""
    from models import AuditChainHead, AuditEvent

    table = AuditEvent.metadata.tables[AuditEvent.__tablename__]
    head_table = AuditChainHead.metadata.tables[AuditChainHead.__tablename__]
    head = connection.execute(select(head_table.c.seq).where(head_table.c.id == 1)).scalar()
    if head is None:
        return Verdict(0, "The audit chain head is missing: the chain cannot be checked.")
    rows = connection.execution_options(yield_per=batch).execute(select(table).order_by(table.c.seq))
    try:
        verdict, reached = _walk(rows, head, expect_head)
    finally:
        rows.close()
    if verdict.ok and expect_head is not None and not reached:
        return Verdict(
            verdict.checked,
            f"the chain does not reach the head noted elsewhere ({expect_head}): its last events were cut off, or it was "
            f"rewritten, and the head moved back to match. It ends at seq {verdict.checked}, hash {verdict.head_hash}.",
            verdict.head_hash,
        )
    return verdict


def _walk(rows, head: int, expect_head: Optional[str]) -> tuple[Verdict, bool]:
    """The verdict, and whether the chain passed through `expect_head` (the empty chain's is GENESIS)."""
    expected_seq, previous, checked = 1, GENESIS, 0
    reached = expect_head in (None, GENESIS)
    for row in rows:
        where = f"audit event seq {row.seq} (id {row.id})"
        if row.seq != expected_seq:
            if row.seq > expected_seq:
                problem = f"{where}: the events from seq {expected_seq} to {row.seq - 1} are missing (deleted)."
            else:
                problem = f"{where}: out of order, expected seq {expected_seq}."
            return Verdict(checked, problem), reached
        if row.prev_hash != previous:
            return Verdict(checked, f"{where}: it does not follow the event before it (a row was deleted, inserted or reordered)."), reached
        if chain_hash(row, previous) != row.hash:
            return Verdict(checked, f"{where}: its contents were changed after it was written (its hash does not match)."), reached
        previous, expected_seq, checked = row.hash, expected_seq + 1, checked + 1
        reached = reached or row.hash == expect_head
    if head != checked:
        if head > checked:
            return Verdict(checked, f"the chain head counts {head} events but only {checked} are there: the last were deleted."), reached
        return Verdict(
            checked, f"there are {checked} events but the chain head counts {head}: events were added around the chain."
        ), reached
    return Verdict(checked, None, previous), reached


def sql_chain_hash(prev_hash: Optional[str], *values: object) -> Optional[str]:
    """`chain_hash` as SQLite's oneplan_chain_hash() (registered on every connection, app/db.py):
    the previous hash, then the FIELDS as stored, the time as SQLite's text (UTC, no zone). None
    when there is no previous hash, so the event's NOT NULL prev_hash refuses the row."""
    if prev_hash is None:
        return None
    event = dict(zip(FIELDS, values, strict=True))
    if isinstance(event["at"], str):
        event["at"] = datetime.fromisoformat(event["at"])
    return chain_hash(SimpleNamespace(**event), prev_hash)


# The columns the application gives an event; the database gives it its place (seq) and hashes.
_GIVEN = FIELDS[1:]


@cache
def _append_statement(dialect: str) -> Executable:
    """One statement that appends an event to the chain, reading the head and sealing it in the
    database, so concurrent writers queue on the head (a row lock on PostgreSQL, SQLite's write
    lock) and never fork the chain.

    SQLite: an INSERT ... SELECT that reads the head and the hash before it, and hashes the event
    with oneplan_chain_hash(); the trigger audit_event_moves_head moves the head. PostgreSQL: the
    function audit_event_append() (migration 0019_r_audit_one_statement) moves the head first, which
    locks it, then reads the hash before in a statement of its own (so after any wait, it sees the
    event the writer it waited for added), hashes the event with sha256() and inserts it."""
    from models import AuditChainHead, AuditEvent

    table = AuditEvent.metadata.tables[AuditEvent.__tablename__]
    values = [bindparam(name, type_=table.c[name].type) for name in _GIVEN]
    if dialect == "postgresql":
        return select(func.audit_event_append(*values))
    head = AuditChainHead.metadata.tables[AuditChainHead.__tablename__]
    before = table.alias("before")
    place = (
        select(
            (head.c.seq + 1).label("seq"),
            case((head.c.seq == 0, GENESIS), else_=select(before.c.hash).where(before.c.seq == head.c.seq).scalar_subquery()).label(
                "prev_hash"
            ),
        )
        .where(head.c.id == 1)
        .subquery("place")
    )
    sealed = select(place.c.seq, *values, place.c.prev_hash, func.oneplan_chain_hash(place.c.prev_hash, place.c.seq, *values))
    return table.insert().from_select(["seq", *_GIVEN, "prev_hash", "hash"], sealed)


def append(connection: Connection, events: list) -> None:
    """Write `events` (in order) at the end of the chain: one statement, however many events (the
    driver's executemany of the statement above, each event reading the head the one before moved)."""
    if not events:
        return
    rows = [{name: getattr(event, name) for name in _GIVEN} for event in events]
    try:
        result = connection.execute(_append_statement(connection.dialect.name), rows if len(rows) > 1 else rows[0])
    except DBAPIError as error:
        problem = _chain_problem(connection, error)
        if problem is None:
            raise
        raise RuntimeError(problem) from error
    if connection.dialect.name != "postgresql" and result.rowcount != len(rows):
        # The INSERT ... SELECT found no head to read.
        raise RuntimeError(_NO_HEAD)


_NO_HEAD = "The audit chain head is missing: run `flask --app app db upgrade`."


def _chain_problem(connection: Connection, error: DBAPIError) -> Optional[str]:
    """What a refused append says about the chain, or None when the refusal is about something else:
    PostgreSQL's audit_event_append() raises its own words; on SQLite, an event with no hash before
    it (its NOT NULL prev_hash) means the event the head counts last is missing."""
    message = str(error.orig)
    if connection.dialect.name == "postgresql":
        first = message.split("\n", 1)[0]
        return first if first.startswith((_NO_HEAD, "Audit event seq ")) else None
    if "audit_event.prev_hash" not in message:
        return None
    last = connection.execute(text("SELECT seq FROM audit_chain_head WHERE id = 1")).scalar()
    return f"Audit event seq {last} is missing: run `flask --app app audit verify`."


# --- Append-only ----------------------------------------------------------------------------
# name -> (table, statement). The events refuse UPDATE and DELETE; the chain head only moves
# forward (an UPDATE that lowers its count is refused, and so is deleting it). PostgreSQL refuses
# TRUNCATE of either. Migrations 0005, 0009_audit_anchor and 0019_r_audit_one_statement create the
# same triggers (the last, SQLite's audit_event_moves_head).

_SQLITE_TRIGGERS = {
    "audit_event_no_update": (
        "audit_event",
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE is not allowed'); END",
    ),
    "audit_event_no_delete": (
        "audit_event",
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: DELETE is not allowed'); END",
    ),
    "audit_chain_head_forward_only": (
        "audit_chain_head",
        "CREATE TRIGGER audit_chain_head_forward_only BEFORE UPDATE ON audit_chain_head "
        "WHEN NEW.seq < OLD.seq OR NEW.id <> OLD.id "
        "BEGIN SELECT RAISE(ABORT, 'audit_chain_head only moves forward: it cannot go back'); END",
    ),
    "audit_chain_head_no_delete": (
        "audit_chain_head",
        "CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head "
        "BEGIN SELECT RAISE(ABORT, 'audit_chain_head only moves forward: DELETE is not allowed'); END",
    ),
    # Not a refusal: the appending INSERT's other half (see `_append_statement`). Lifted with the
    # others, so an event written by hand during maintenance (or a tamper test) does not move the head.
    "audit_event_moves_head": (
        "audit_event",
        "CREATE TRIGGER audit_event_moves_head AFTER INSERT ON audit_event "
        "BEGIN UPDATE audit_chain_head SET seq = NEW.seq WHERE id = 1; END",
    ),
}
_POSTGRES_FUNCTIONS = (
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_event is append-only: % is not allowed', TG_OP; END $$",
    "CREATE OR REPLACE FUNCTION audit_chain_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.seq >= OLD.seq THEN RETURN NEW; END IF; "
    "RAISE EXCEPTION 'audit_chain_head only moves forward: % is not allowed', TG_OP; END $$",
)
_POSTGRES_TRIGGERS = {
    "audit_event_no_update": (
        "audit_event",
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    ),
    "audit_event_no_truncate": (
        "audit_event",
        "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
    ),
    "audit_chain_head_forward_only": (
        "audit_chain_head",
        "CREATE TRIGGER audit_chain_head_forward_only BEFORE UPDATE OR DELETE ON audit_chain_head "
        "FOR EACH ROW EXECUTE FUNCTION audit_chain_head_forward_only()",
    ),
    "audit_chain_head_no_truncate": (
        "audit_chain_head",
        "CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_head_forward_only()",
    ),
}


def _triggers(connection: Connection) -> dict[str, tuple[str, str]]:
    return _POSTGRES_TRIGGERS if connection.dialect.name == "postgresql" else _SQLITE_TRIGGERS


def make_append_only(connection: Connection) -> None:
    """Triggers that refuse every UPDATE and DELETE of an audit event (and TRUNCATE on PostgreSQL),
    and any move of the chain head but forward."""
    if connection.dialect.name == "postgresql":
        for function in _POSTGRES_FUNCTIONS:
            connection.execute(text(function))
    for _table, statement in _triggers(connection).values():
        connection.execute(text(statement))


def drop_append_only(connection: Connection) -> None:
    postgres = connection.dialect.name == "postgresql"
    for name, (table, _statement) in _triggers(connection).items():
        connection.execute(text(f"DROP TRIGGER IF EXISTS {name}{f' ON {table}' if postgres else ''}"))


@contextmanager
def append_only_lifted(connection: Connection) -> Iterator[None]:
    """Lift the append-only triggers inside the caller's transaction, and put them back.

    For deliberate maintenance only (the test suite empties tables between tests with it,
    and tamper tests use it to show `audit verify` still catches what the triggers stop)."""
    drop_append_only(connection)
    yield
    make_append_only(connection)
