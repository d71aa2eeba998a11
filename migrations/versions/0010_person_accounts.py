"""person accounts: the person's (and their carer's) own accounts, invitations, sessions and
notes; plan changes marked as the person's own words (issue 14)

Revision ID: 0010_person_accounts
Revises: 0010_network_work
Create Date: 2026-11-30 11:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010_person_accounts"
down_revision = "0010_network_work"
branch_labels = None
depends_on = None

_MARKED = ("care_plan_part", "care_plan_need", "care_plan_goal", "care_plan_action", "care_plan_contact", "care_plan_revision")


def upgrade() -> None:
    op.create_table(
        "person_invitation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("carer_name", sa.String(120), nullable=True),
        sa.Column("shares_assessment", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("created_by_account_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )
    op.create_index("ix_person_invitation_person_id", "person_invitation", ["person_id"])
    op.create_table(
        "person_account",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("full_name", sa.String(120), nullable=False),
        sa.Column("shares_assessment", sa.Boolean(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), sa.ForeignKey("person_invitation.id"), nullable=True),
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
        sa.Column("locked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("withdrawn_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("totp_secret", sa.String(64), nullable=True),
        sa.Column("totp_confirmed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("totp_last_step", sa.Integer(), nullable=True),
        sa.Column("seen_plan_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_person_account_person_id", "person_account", ["person_id"])
    op.create_table(
        "person_session",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("person_account.id"), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ended_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("second_factor_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )
    op.create_index("ix_person_session_account_id", "person_session", ["account_id"])
    op.create_table(
        "person_note",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("person_account.id"), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("action_id", sa.Integer(), sa.ForeignKey("care_plan_action.id"), nullable=True),
        sa.Column("audit_seq", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
    )
    op.create_index("ix_person_note_person_id", "person_note", ["person_id"])
    for table in _MARKED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("person_words", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    for table in _MARKED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("person_words")
    op.drop_index("ix_person_note_person_id", "person_note")
    op.drop_table("person_note")
    op.drop_index("ix_person_session_account_id", "person_session")
    op.drop_table("person_session")
    op.drop_index("ix_person_account_person_id", "person_account")
    op.drop_table("person_account")
    op.drop_index("ix_person_invitation_person_id", "person_invitation")
    op.drop_table("person_invitation")
