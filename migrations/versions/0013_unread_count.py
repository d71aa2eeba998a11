"""unread count: the standing objections of an agency found by its index, so the header's unread
count asks whether the reader's agency has any before checking each item's person against them

Revision ID: 0013_unread_count
Revises: 0013_worklist
Create Date: 2026-11-30 18:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_unread_count"
down_revision = "0013_worklist"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # CREATE INDEX only: no batch_alter_table, which on SQLite would rebuild the table.
    op.create_index(
        "ix_consent_objection_agency_standing",
        "consent_objection",
        ["agency_id"],
        unique=False,
        sqlite_where=sa.text("withdrawn_at IS NULL"),
        postgresql_where=sa.text("withdrawn_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_consent_objection_agency_standing", table_name="consent_objection")
