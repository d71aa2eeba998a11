"""queue awaiting: the queue's partial index on SQLite too

`ix_referral_awaiting` (0013_worklist) held every referral on SQLite, whose planner then read
`ix_referral_queue` and sorted every referral awaiting a decision to show the queue's first hundred,
a cost that grew with the district. Made partial on SQLite as on PostgreSQL (referrals awaiting a
decision and not joined to another), the queue reads it in due-by order and stops at its hundredth.
PostgreSQL's index is already so and is left alone.

CREATE INDEX only: no table is rebuilt, so no trigger is lost (0011_name_search, 0012_daily_figures).

Revision ID: 0014_queue_awaiting
Revises: 0014_f_due_today
Create Date: 2026-12-01 01:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_queue_awaiting"
down_revision = "0014_f_due_today"
branch_labels = None
depends_on = None

# As models/referral.py writes it.
AWAITING_REFERRALS = "status IN ('received', 'triaged') AND linked_to_id IS NULL"
COLUMNS = ["due_by", "id", "status", "linked_to_id", "person_id", "network_id"]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.drop_index("ix_referral_awaiting", table_name="referral")
    op.create_index("ix_referral_awaiting", "referral", COLUMNS, sqlite_where=sa.text(AWAITING_REFERRALS))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.drop_index("ix_referral_awaiting", table_name="referral")
    op.create_index("ix_referral_awaiting", "referral", COLUMNS)
