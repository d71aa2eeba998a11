"""trust: a hash-chained, append-only audit trail; break-glass grants; consent; server-side
sessions; account lock-out

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 09:00:00
"""

import hashlib
import json
from datetime import UTC, datetime
from enum import Enum

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    # Chain the events already there, in the order they were written, and start the head.
    _chain_existing_events(op.get_bind())
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint("uq_audit_event_seq", ["seq"])
    _make_append_only(op.get_bind())

    op.create_table(
        "access_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("reason_code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("reason_text", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("granted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("review_note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("access_grant", schema=None) as batch_op:
        batch_op.create_index("ix_access_grant_user_person", ["user_id", "person_id", "expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_grant_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_grant_reviewed_at"), ["reviewed_at"], unique=False)

    op.create_table(
        "consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("shares_with_care_team", sa.Boolean(), nullable=True),
        sa.Column("carer_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("carer_relationship", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("carer_contact", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id"),
    )
    op.create_table(
        "consent_objection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("consent_objection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_objection_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            "uq_consent_objection_standing",
            ["person_id", "agency_id"],
            unique=True,
            sqlite_where=sa.text("withdrawn_at IS NULL"),
            postgresql_where=sa.text("withdrawn_at IS NULL"),
        )

    op.create_table(
        "staff_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ended_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("ended_because", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("staff_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_session_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("locked_at")

    with op.batch_alter_table("staff_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_session_user_id"))
    op.drop_table("staff_session")
    with op.batch_alter_table("consent_objection", schema=None) as batch_op:
        batch_op.drop_index("uq_consent_objection_standing")
        batch_op.drop_index(batch_op.f("ix_consent_objection_person_id"))
    op.drop_table("consent_objection")
    op.drop_table("consent")
    with op.batch_alter_table("access_grant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_grant_reviewed_at"))
        batch_op.drop_index(batch_op.f("ix_access_grant_person_id"))
        batch_op.drop_index("ix_access_grant_user_person")
    op.drop_table("access_grant")

    _drop_append_only(op.get_bind())
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_constraint("uq_audit_event_seq", type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
    op.drop_table("audit_chain_head")


# --- As the chain and its triggers were on the day of this migration ----------------------------
# A migration imports nothing from the application, so that changing the application never changes
# an old migration. These are the hashing rule of app/trust/audit_chain.py and its triggers as they
# stood when this migration was written; the application hashes the same way to this day.

GENESIS = "0" * 64
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


def _chain_hash(values: dict, prev_hash: str) -> str:
    canonical = json.dumps(
        {name: _plain(values[name]) for name in FIELDS}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical).hexdigest()


def _chain_existing_events(connection) -> None:
    """Chain every existing event in id order, and start the head at the last."""
    types = {
        "at": sqlmodel.sql.sqltypes.UTCDateTime(),
        "user_id": sa.Integer(),
        "agency_id": sa.Integer(),
        "person_id": sa.Integer(),
        "seq": sa.Integer(),
    }
    events = sa.table(
        "audit_event",
        sa.column("id", sa.Integer()),
        sa.column("prev_hash", sa.String()),
        sa.column("hash", sa.String()),
        *[sa.column(name, types.get(name, sa.String())) for name in FIELDS],
    )
    previous, seq = GENESIS, 0
    for row in connection.execute(sa.select(events).order_by(events.c.id)).all():
        seq += 1
        digest = _chain_hash({**row._mapping, "seq": seq}, previous)
        connection.execute(events.update().where(events.c.id == row.id).values(seq=seq, prev_hash=previous, hash=digest))
        previous = digest
    head = sa.table("audit_chain_head", sa.column("id", sa.Integer()), sa.column("seq", sa.Integer()))
    connection.execute(head.insert().values(id=1, seq=seq))


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


def _make_append_only(connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(_POSTGRES_FUNCTION))
    for statement in (_POSTGRES_TRIGGERS if connection.dialect.name == "postgresql" else _SQLITE_TRIGGERS).values():
        connection.execute(sa.text(statement))


def _drop_append_only(connection) -> None:
    postgres = connection.dialect.name == "postgresql"
    for name in _POSTGRES_TRIGGERS if postgres else _SQLITE_TRIGGERS:
        connection.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}{' ON audit_event' if postgres else ''}"))
