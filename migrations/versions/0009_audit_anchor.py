"""audit anchor: the audit chain head only moves forward, so cutting off the last events needs the
triggers dropped first (and `audit verify --expect-head` finds the cut even then)

Revision ID: 0009_audit_anchor
Revises: 0008_accounts_asvs
Create Date: 2026-11-30 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_audit_anchor"
down_revision = "0008_accounts_asvs"
branch_labels = None
depends_on = None

# As app/trust/audit_chain.py makes them on the day of this migration (migrations import nothing from app).
_SQLITE_TRIGGERS = {
    "audit_chain_head_forward_only": "CREATE TRIGGER audit_chain_head_forward_only BEFORE UPDATE ON audit_chain_head "
    "WHEN NEW.seq < OLD.seq OR NEW.id <> OLD.id "
    "BEGIN SELECT RAISE(ABORT, 'audit_chain_head only moves forward: it cannot go back'); END",
    "audit_chain_head_no_delete": "CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head "
    "BEGIN SELECT RAISE(ABORT, 'audit_chain_head only moves forward: DELETE is not allowed'); END",
}
_POSTGRES_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_chain_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.seq >= OLD.seq THEN RETURN NEW; END IF; "
    "RAISE EXCEPTION 'audit_chain_head only moves forward: % is not allowed', TG_OP; END $$"
)
_POSTGRES_TRIGGERS = {
    "audit_chain_head_forward_only": "CREATE TRIGGER audit_chain_head_forward_only BEFORE UPDATE OR DELETE ON audit_chain_head "
    "FOR EACH ROW EXECUTE FUNCTION audit_chain_head_forward_only()",
    "audit_chain_head_no_truncate": "CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_head_forward_only()",
}


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(_POSTGRES_FUNCTION))
    for statement in (_POSTGRES_TRIGGERS if connection.dialect.name == "postgresql" else _SQLITE_TRIGGERS).values():
        connection.execute(sa.text(statement))


def downgrade() -> None:
    connection = op.get_bind()
    postgres = connection.dialect.name == "postgresql"
    for name in _POSTGRES_TRIGGERS if postgres else _SQLITE_TRIGGERS:
        connection.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}{' ON audit_chain_head' if postgres else ''}"))
    if postgres:
        connection.execute(sa.text("DROP FUNCTION IF EXISTS audit_chain_head_forward_only()"))
