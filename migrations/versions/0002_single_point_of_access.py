"""single point of access: referrals, notifications, assessment and care plan shells, API tokens

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 19:19:58.490233
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)

    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("opened_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["opened_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id"),
    )
    op.create_table(
        "care_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["opened_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id"),
    )
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("read_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_agency_unread", ["agency_id", "read_at"], unique=False)
        batch_op.create_index("ix_notification_user_unread", ["user_id", "read_at"], unique=False)

    op.create_table(
        "referral",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "gp",
                "hospital_discharge",
                "social_care",
                "ambulance",
                "community_health",
                "mental_health",
                "voluntary",
                "self_referral",
                "family",
                "other",
                name="referral_source",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("referrer_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("referrer_agency", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=True),
        sa.Column("referrer_contact", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("presenting_needs", sa.Text(), nullable=True),
        sa.Column(
            "requested_urgency",
            sa.Enum("urgent", "two_day", "routine", name="requested_urgency", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("received_by_id", sa.Integer(), nullable=True),
        sa.Column("received_via", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "received",
                "triaged",
                "accepted",
                "signposted",
                "declined",
                "redirected",
                "closed",
                name="referral_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("urgency", sa.Enum("urgent", "two_day", "routine", name="urgency", native_enum=False, length=32), nullable=False),
        sa.Column("due_by", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("triaged_by_id", sa.Integer(), nullable=True),
        sa.Column("triaged_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("network_id", sa.Integer(), nullable=True),
        sa.Column("key_worker_id", sa.Integer(), nullable=True),
        sa.Column("signposted_to", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("decline_reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("redirect_reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("decision_note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("linked_to_id", sa.Integer(), nullable=True),
        sa.Column("ward", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("expected_discharge_on", sa.Date(), nullable=True),
        sa.Column("medically_optimised_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["key_worker_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["linked_to_id"],
            ["referral.id"],
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["network.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["received_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["triaged_by_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_linked_to_id"), ["linked_to_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_referral_network_id"), ["network_id"], unique=False)
        batch_op.create_index("ix_referral_person_status", ["person_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_referral_source"), ["source"], unique=False)
        batch_op.create_index("ix_referral_status_due", ["status", "due_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_referral_urgency"), ["urgency"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_urgency"))
        batch_op.drop_index("ix_referral_status_due")
        batch_op.drop_index(batch_op.f("ix_referral_source"))
        batch_op.drop_index("ix_referral_person_status")
        batch_op.drop_index(batch_op.f("ix_referral_network_id"))
        batch_op.drop_index(batch_op.f("ix_referral_linked_to_id"))

    op.drop_table("referral")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_user_unread")
        batch_op.drop_index("ix_notification_agency_unread")

    op.drop_table("notification")
    op.drop_table("care_plan")
    op.drop_table("assessment")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))

    op.drop_table("api_token")
