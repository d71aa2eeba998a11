"""sign-in limits: counts every worker shares (requests per client address, failed sign-ins for
names that are no account)

Revision ID: 0007_sign_in_limits
Revises: 0006
Create Date: 2026-11-30 08:10:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007_sign_in_limits"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attempt_count",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("attempt_count")
