"""worklist: the busiest agency's worklist and the referral queue read their page, not every match

Five indexes, each holding what its list reads, so a page and its count come from the index alone
(PostgreSQL: an index-only scan; SQLite: a covering index), in the order the list shows:

- `ix_care_plan_action_worklist` (owner agency, due date, id, status, person): a worklist's actions
  in due-date order with the person the record rule checks. On PostgreSQL only actions still to do
  (requested, accepted, in progress), which every status filter but done, declined, cancelled and
  all asks for; on SQLite every action (its partial indexes are not used with bound statuses).
- `ix_care_team_agency_current` (agency, person) of the members who have not left: the record
  rule's "is this agency in the person's care team now" from the index alone, on both.
- `ix_care_team_key_worker` (user, key worker, left, person) and `ix_care_plan_review` (person,
  review date, id): the plans a key worker leads and when each is due for review, so that only
  those the worklist shows have their plan and person read.
- `ix_referral_awaiting` (due-by, id, status, not joined, person, network): the queue's referrals in
  due-by order with what its rule and its network need. On PostgreSQL only those awaiting a decision
  (received or triaged) and not joined to another, the queue's default; on SQLite every referral.

CREATE INDEX only: no table is rebuilt, so no trigger is lost (0011_name_search, 0012_daily_figures).

Revision ID: 0013_worklist
Revises: 0013_growth
Create Date: 2026-11-30 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_worklist"
down_revision = "0013_growth"
branch_labels = None
depends_on = None

# As models/care_plan.py, models/care_team.py and models/referral.py write them.
OPEN_ACTIONS = "status IN ('requested', 'accepted', 'in_progress')"
CURRENT_MEMBERS = "left_at IS NULL"
AWAITING_REFERRALS = "status IN ('received', 'triaged') AND linked_to_id IS NULL"


def upgrade() -> None:
    op.create_index(
        "ix_care_plan_action_worklist",
        "care_plan_action",
        ["owner_agency_id", "due_on", "id", "status", "person_id"],
        postgresql_where=sa.text(OPEN_ACTIONS),
    )
    op.create_index(
        "ix_care_team_agency_current",
        "care_team_member",
        ["agency_id", "person_id"],
        postgresql_where=sa.text(CURRENT_MEMBERS),
        sqlite_where=sa.text(CURRENT_MEMBERS),
    )
    op.create_index("ix_care_team_key_worker", "care_team_member", ["user_id", "is_key_worker", "left_at", "person_id"])
    op.create_index("ix_care_plan_review", "care_plan", ["person_id", "review_due_on", "id"])
    op.create_index(
        "ix_referral_awaiting",
        "referral",
        ["due_by", "id", "status", "linked_to_id", "person_id", "network_id"],
        postgresql_where=sa.text(AWAITING_REFERRALS),
    )


def downgrade() -> None:
    op.drop_index("ix_referral_awaiting", table_name="referral")
    op.drop_index("ix_care_plan_review", table_name="care_plan")
    op.drop_index("ix_care_team_key_worker", table_name="care_team_member")
    op.drop_index("ix_care_team_agency_current", table_name="care_team_member")
    op.drop_index("ix_care_plan_action_worklist", table_name="care_plan_action")
