"""due today: the front-door figures' referrals that fell due today so far, counted by urgency and
whether triaged in time from an index alone (due_by, urgency, triaged_at), not each referral read

Revision ID: 0014_f_due_today
Revises: 0013_unread_count
Create Date: 2026-11-30 21:15:00
"""

from alembic import op

revision = "0014_f_due_today"
down_revision = "0013_unread_count"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # CREATE INDEX only: no batch_alter_table, which on SQLite would rebuild the table (and drop its triggers).
    op.create_index("ix_referral_due_today", "referral", ["due_by", "urgency", "triaged_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_referral_due_today", table_name="referral")
