"""my work: what My work counts and lists for a busy agency, found from indexes

- `ix_care_plan_action_asked` (owner agency, status, person): the actions asked of an agency and
  waiting for its yes or no, with the person the record rule checks: My work's count of them and
  the worklist's "is anything waiting" read the index alone, not each action's row (the older
  `ix_care_plan_action_owner` ends with the due date, so the person was read from the table).
- `ix_referral_key_worker` (key worker, received): My work's new allocations, the referrals
  allocated to the user in the last fortnight, found by key worker, not by reading every referral
  received in the fortnight.

CREATE INDEX only: no table is rebuilt, so no trigger is lost (0011_name_search, 0012_daily_figures).

Revision ID: 0018_w_my_work
Revises: 0017_g_figures_cover
Create Date: 2026-12-01 04:30:00
"""

from alembic import op

revision = "0018_w_my_work"
down_revision = "0017_g_figures_cover"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_care_plan_action_asked": ("care_plan_action", ["owner_agency_id", "status", "person_id"]),
    "ix_referral_key_worker": ("referral", ["key_worker_id", "received_at"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
