"""figures cover: the front-door figures' summaries read from covering indexes, not row by row

`triage_time` and `daily_figures` are tables with a rowid, their primary keys separate indexes: the
median's counts and the period's due counts found each row by its key, then fetched it from the
table, one page read a row at worst (at 400,000 people, the rows of a day are scattered through the
file as the triggers wrote them). With the count in the index, each read is index ranges alone.

Revision ID: 0017_g_figures_cover
Revises: 0014_queue_awaiting
Create Date: 2026-12-01 01:20:00
"""

from alembic import op

revision = "0017_g_figures_cover"
down_revision = "0014_queue_awaiting"
branch_labels = None
depends_on = None

INDEXES = {
    # The median time to triage: each level's counts by day and urgency, a range of buckets.
    "ix_triage_time_counts": ("triage_time", ["level", "day", "urgency", "bucket", "referrals"]),
    # Responded within each standard: the period's due counts by day and urgency.
    "ix_daily_figures_due": ("daily_figures", ["day", "urgency", "due", "due_in_time"]),
}


def upgrade() -> None:
    # CREATE INDEX only: no batch_alter_table, which on SQLite would rebuild the table (and drop triggers).
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
