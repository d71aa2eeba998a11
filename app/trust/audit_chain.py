"""The audit trail's hash chain: how an event is sealed, how the chain is checked, and the
triggers that make the table append-only.

Each event's hash is SHA-256 over the previous event's hash and a canonical serialisation
of every field of the event (JSON, sorted keys, times in UTC to the microsecond), so editing,
deleting, inserting or reordering a row breaks the chain from that row on. The chain head
row counts the events, so deleting the last ones is found too. It is tamper-evident, not
tamper-proof: someone who can rewrite every row and the head can forge a new chain, which
is why `audit verify` prints the head hash, to be noted somewhere the database cannot reach.
"""

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Optional

from sqlalchemy import select, text
from sqlalchemy.engine import Connection

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


def verify(connection: Connection, batch: int = 2000) -> Verdict:
    """Walk the chain in `seq` order: 1, 2, 3... with no gaps, each row's prev_hash the hash of
    the one before, each hash matching the row's contents, and the head counting the last."""
    from models import AuditChainHead, AuditEvent

    table = AuditEvent.metadata.tables[AuditEvent.__tablename__]
    head_table = AuditChainHead.metadata.tables[AuditChainHead.__tablename__]
    head = connection.execute(select(head_table.c.seq).where(head_table.c.id == 1)).scalar()
    if head is None:
        return Verdict(0, "The audit chain head is missing: the chain cannot be checked.")
    rows = connection.execution_options(yield_per=batch).execute(select(table).order_by(table.c.seq))
    try:
        return _walk(rows, head)
    finally:
        rows.close()


def _walk(rows, head: int) -> Verdict:
    expected_seq, previous, checked = 1, GENESIS, 0
    for row in rows:
        where = f"audit event seq {row.seq} (id {row.id})"
        if row.seq != expected_seq:
            if row.seq > expected_seq:
                problem = f"{where}: the events from seq {expected_seq} to {row.seq - 1} are missing (deleted)."
            else:
                problem = f"{where}: out of order, expected seq {expected_seq}."
            return Verdict(checked, problem)
        if row.prev_hash != previous:
            return Verdict(checked, f"{where}: it does not follow the event before it (a row was deleted, inserted or reordered).")
        if chain_hash(row, previous) != row.hash:
            return Verdict(checked, f"{where}: its contents were changed after it was written (its hash does not match).")
        previous, expected_seq, checked = row.hash, expected_seq + 1, checked + 1
    if head != checked:
        if head > checked:
            return Verdict(checked, f"the chain head counts {head} events but only {checked} are there: the last were deleted.")
        return Verdict(checked, f"there are {checked} events but the chain head counts {head}: events were added around the chain.")
    return Verdict(checked, None, previous)


def seal(connection: Connection, events: list) -> None:
    """Give `events` (new, unsaved, in order) the next places in the chain and their hashes.

    The head is updated first, so this transaction holds the chain until it commits: a row
    lock on PostgreSQL, the database's write lock on SQLite. Concurrent writers queue here
    rather than fork the chain."""
    from models import AuditChainHead, AuditEvent

    head_table = AuditChainHead.metadata.tables[AuditChainHead.__tablename__]
    last = connection.execute(
        head_table.update().where(head_table.c.id == 1).values(seq=head_table.c.seq + len(events)).returning(head_table.c.seq)
    ).scalar()
    if last is None:
        raise RuntimeError("The audit chain head is missing: run `flask --app app db upgrade`.")
    first = last - len(events) + 1
    previous = GENESIS
    if first > 1:
        table = AuditEvent.metadata.tables[AuditEvent.__tablename__]
        before = connection.execute(select(table.c.hash).where(table.c.seq == first - 1)).scalar()
        if before is None:
            raise RuntimeError(f"Audit event seq {first - 1} is missing: run `flask --app app audit verify`.")
        previous = before
    for seq, event in enumerate(events, start=first):
        event.seq = seq
        event.prev_hash = previous
        event.hash = previous = chain_hash(event, previous)


# --- Append-only ----------------------------------------------------------------------------

_SQLITE_TRIGGERS = {
    "audit_event_no_update": "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE is not allowed'); END",
    "audit_event_no_delete": "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: DELETE is not allowed'); END",
}
_POSTGRES_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_event is append-only: % is not allowed', TG_OP; END $$"
)
_POSTGRES_TRIGGERS = {
    "audit_event_no_update": "CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "audit_event_no_truncate": "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
}


def _triggers(connection: Connection) -> dict:
    return _POSTGRES_TRIGGERS if connection.dialect.name == "postgresql" else _SQLITE_TRIGGERS


def make_append_only(connection: Connection) -> None:
    """Triggers that refuse every UPDATE and DELETE of an audit event (and TRUNCATE on PostgreSQL)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(_POSTGRES_FUNCTION))
    for statement in _triggers(connection).values():
        connection.execute(text(statement))


def drop_append_only(connection: Connection) -> None:
    suffix = " ON audit_event" if connection.dialect.name == "postgresql" else ""
    for name in _triggers(connection):
        connection.execute(text(f"DROP TRIGGER IF EXISTS {name}{suffix}"))


@contextmanager
def append_only_lifted(connection: Connection) -> Iterator[None]:
    """Lift the append-only triggers inside the caller's transaction, and put them back.

    For deliberate maintenance only (the test suite empties tables between tests with it,
    and tamper tests use it to show `audit verify` still catches what the triggers stop)."""
    drop_append_only(connection)
    yield
    make_append_only(connection)
