"""performance: the inbox's unread count read from its indexes alone (the agency's index lacked
the user and the person, so every agency-wide item was fetched to check them)

Revision ID: 0010_performance
Revises: 0010_person_accounts
Create Date: 2026-11-30 11:30:00
"""

from alembic import op

revision = "0010_performance"
down_revision = "0010_person_accounts"
branch_labels = None
depends_on = None

# name: (columns before, columns now)
_INDEXES = {
    "ix_notification_user_unread": (["user_id", "read_at"], ["user_id", "read_at", "agency_id", "person_id"]),
    "ix_notification_agency_unread": (["agency_id", "read_at"], ["agency_id", "read_at", "user_id", "person_id"]),
}


def upgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        for name, (_before, now) in _INDEXES.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, now, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        for name, (before, _now) in _INDEXES.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, before, unique=False)
