"""audit in one statement: an audit event is appended to the hash chain by one statement that reads
the chain head, hashes the event and moves the head, in the database

SQLite: the application's INSERT ... SELECT reads the head and the hash before it and hashes the event
with oneplan_chain_hash() (a function app/db.py registers on every connection); the trigger
audit_event_moves_head moves the head. PostgreSQL: the function audit_event_append() moves the head
(which locks it: concurrent writers queue there), reads the hash before in a statement of its own
(so, after a wait, it sees the event of the writer it waited for), hashes the event with the built-in
sha256() over the same canonical JSON as app/trust/audit_chain.py, and inserts it. The chain is the
same, byte for byte: `flask --app app audit verify` checks it as before.

Revision ID: 0019_r_audit_one_statement
Revises: 0018_w_my_work
Create Date: 2026-12-01 04:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_r_audit_one_statement"
down_revision = "0018_w_my_work"
branch_labels = None
depends_on = None

# As app/trust/audit_chain.py makes it on the day of this migration (migrations import nothing from app).
SQLITE_TRIGGER = (
    "CREATE TRIGGER audit_event_moves_head AFTER INSERT ON audit_event BEGIN UPDATE audit_chain_head SET seq = NEW.seq WHERE id = 1; END"
)

# The event's fields, in the order of the function's parameters (the hash's own order is the
# sorted one below): everything but its place (seq), which the function gives it, and the hashes.
PARAMETERS = (
    ("at", "timestamptz"),
    ("user_id", "integer"),
    ("username", "text"),
    ("agency_id", "integer"),
    ("role", "text"),
    ("action", "text"),
    ("outcome", "text"),
    ("record_type", "text"),
    ("record_id", "text"),
    ("person_id", "integer"),
    ("reason", "text"),
    ("detail", "text"),
    ("client_address", "text"),
)


def _json_value(name: str) -> str:
    """The field as Python's json.dumps writes it (to_json escapes strings as it does with ensure_ascii
    off); the time in UTC to the microsecond, as app/trust/audit_chain.py writes it."""
    if name == "seq":
        return "v_seq::text"
    if name == "at":
        return "to_json(to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))::text"
    return f"coalesce(to_json(p_{name})::text, 'null')"


def _canonical() -> str:
    """The canonical JSON of the event: every field, keys sorted, no spaces (json.dumps' separators)."""
    fields = sorted(["seq", *(name for name, _type in PARAMETERS)])
    parts = [f"'{'{' if n == 0 else ','}\"{name}\":' || {_json_value(name)}" for n, name in enumerate(fields)]
    return " || ".join(parts) + " || '}'"


POSTGRES_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_event_append("
    + ", ".join(f"p_{name} {kind}" for name, kind in PARAMETERS)
    + ") RETURNS integer LANGUAGE plpgsql VOLATILE AS $$ "
    "DECLARE v_seq integer; v_prev text; "
    "BEGIN "
    "UPDATE audit_chain_head SET seq = seq + 1 WHERE id = 1 RETURNING seq INTO v_seq; "
    "IF v_seq IS NULL THEN RAISE EXCEPTION 'The audit chain head is missing: run `flask --app app db upgrade`.'; END IF; "
    "IF v_seq = 1 THEN v_prev := repeat('0', 64); "
    "ELSE SELECT hash INTO v_prev FROM audit_event WHERE seq = v_seq - 1; "
    "IF v_prev IS NULL THEN RAISE EXCEPTION 'Audit event seq % is missing: run `flask --app app audit verify`.', v_seq - 1; END IF; "
    "END IF; "
    "INSERT INTO audit_event (seq, "
    + ", ".join(name for name, _kind in PARAMETERS)
    + ", prev_hash, hash) VALUES (v_seq, "
    + ", ".join(f"p_{name}" for name, _kind in PARAMETERS)
    + f", v_prev, encode(sha256(convert_to(v_prev || chr(10) || {_canonical()}, 'UTF8')), 'hex')); "
    "RETURN v_seq; "
    "END $$"
)


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(POSTGRES_FUNCTION))
    else:
        connection.execute(sa.text(SQLITE_TRIGGER))


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("DROP FUNCTION IF EXISTS audit_event_append(" + ", ".join(kind for _name, kind in PARAMETERS) + ")"))
    else:
        connection.execute(sa.text("DROP TRIGGER IF EXISTS audit_event_moves_head"))
