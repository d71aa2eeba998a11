"""review outcome: a network lead's break-glass review records whether the access was appropriate

Revision ID: 0011_review_outcome
Revises: 0011_contact_timeline
Create Date: 2026-11-30 12:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_review_outcome"
down_revision = "0011_contact_timeline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("access_grant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_appropriate", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("access_grant", schema=None) as batch_op:
        batch_op.drop_column("review_appropriate")
