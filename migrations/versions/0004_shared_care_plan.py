"""shared care plan: parts, needs, goals, actions, contacts, revisions, who saw which version;
notification topics

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 01:36:27.167577
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "care_plan_contact",
        sa.Column("care_plan_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_in", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_agency_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("personal", "professional", name="contact_kind", native_enum=False, length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("relationship", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("organisation", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=True),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("when_to_call", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("out_of_hours", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["care_plan_id"],
            ["care_plan.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["updated_agency_id"],
            ["agency.id"],
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("care_plan_contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_plan_contact_care_plan_id"), ["care_plan_id"], unique=False)

    op.create_table(
        "care_plan_part",
        sa.Column("care_plan_id", sa.Integer(), nullable=False),
        sa.Column("changed_in", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_agency_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["care_plan_id"],
            ["care_plan.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["updated_agency_id"],
            ["agency.id"],
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("care_plan_id", "part_key", name="uq_care_plan_part"),
    )
    with op.batch_alter_table("care_plan_part", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_plan_part_care_plan_id"), ["care_plan_id"], unique=False)

    op.create_table(
        "care_plan_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("care_plan_id", sa.Integer(), nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("item_type", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("item_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("changed", sa.JSON(), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("saved_by_id", sa.Integer(), nullable=True),
        sa.Column("saved_agency_id", sa.Integer(), nullable=True),
        sa.Column("saved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["care_plan_id"],
            ["care_plan.id"],
        ),
        sa.ForeignKeyConstraint(
            ["saved_agency_id"],
            ["agency.id"],
        ),
        sa.ForeignKeyConstraint(
            ["saved_by_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("care_plan_id", "plan_version", name="uq_care_plan_revision_version"),
    )
    with op.batch_alter_table("care_plan_revision", schema=None) as batch_op:
        batch_op.create_index("ix_care_plan_revision_item", ["care_plan_id", "item_type", "item_key", "plan_version"], unique=False)

    op.create_table(
        "care_plan_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("care_plan_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("seen_version", sa.Integer(), nullable=False),
        sa.Column("seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["care_plan_id"],
            ["care_plan.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("care_plan_id", "user_id", name="uq_care_plan_view"),
    )
    with op.batch_alter_table("care_plan_view", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_plan_view_user_id"), ["user_id"], unique=False)

    op.create_table(
        "care_plan_need",
        sa.Column("care_plan_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_in", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_agency_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("status", sa.Enum("active", "met", "no_longer_needed", name="need_status", native_enum=False, length=32), nullable=False),
        sa.Column("suggested_need_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["care_plan_id"],
            ["care_plan.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["suggested_need_id"],
            ["suggested_need.id"],
        ),
        sa.ForeignKeyConstraint(
            ["updated_agency_id"],
            ["agency.id"],
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("care_plan_need", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_plan_need_care_plan_id"), ["care_plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_care_plan_need_suggested_need_id"), ["suggested_need_id"], unique=False)

    op.create_table(
        "care_plan_action",
        sa.Column("care_plan_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_in", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_agency_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_agency_id", sa.Integer(), nullable=False),
        sa.Column("owner_user_id", sa.Integer(), nullable=True),
        sa.Column("frequency", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("start_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "requested", "accepted", "declined", "in_progress", "done", "cancelled", name="action_status", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("status_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("responded_by_id", sa.Integer(), nullable=True),
        sa.Column("responded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("completed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["care_plan_id"],
            ["care_plan.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["care_plan_need.id"],
        ),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"],
            ["agency.id"],
        ),
        sa.ForeignKeyConstraint(
            ["owner_user_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["responded_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["updated_agency_id"],
            ["agency.id"],
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("care_plan_action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_plan_action_care_plan_id"), ["care_plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_care_plan_action_need_id"), ["need_id"], unique=False)
        batch_op.create_index("ix_care_plan_action_owner", ["owner_agency_id", "status", "due_on"], unique=False)
        batch_op.create_index("ix_care_plan_action_owner_due", ["owner_agency_id", "due_on"], unique=False)
        batch_op.create_index("ix_care_plan_action_owner_user", ["owner_user_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_care_plan_action_person_id"), ["person_id"], unique=False)

    op.create_table(
        "care_plan_goal",
        sa.Column("care_plan_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_in", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_agency_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=True),
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("target_on", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("proposed", "active", "achieved", "no_longer_wanted", name="goal_status", native_enum=False, length=32),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["care_plan_id"],
            ["care_plan.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["care_plan_need.id"],
        ),
        sa.ForeignKeyConstraint(
            ["updated_agency_id"],
            ["agency.id"],
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("care_plan_goal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_plan_goal_care_plan_id"), ["care_plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_care_plan_goal_need_id"), ["need_id"], unique=False)

    with op.batch_alter_table("care_plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_due_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("agreed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("updated_by_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_care_plan_review_due_on"), ["review_due_on"], unique=False)
        batch_op.create_foreign_key("fk_care_plan_updated_by_id", "user_account", ["updated_by_id"], ["id"])

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True))
        batch_op.create_index(batch_op.f("ix_notification_topic"), ["topic"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_topic"))
        batch_op.drop_column("topic")

    with op.batch_alter_table("care_plan", schema=None) as batch_op:
        batch_op.drop_constraint("fk_care_plan_updated_by_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_care_plan_review_due_on"))
        batch_op.drop_column("updated_by_id")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("agreed_on")
        batch_op.drop_column("review_due_on")

    with op.batch_alter_table("care_plan_goal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_plan_goal_need_id"))
        batch_op.drop_index(batch_op.f("ix_care_plan_goal_care_plan_id"))

    op.drop_table("care_plan_goal")
    with op.batch_alter_table("care_plan_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_plan_action_person_id"))
        batch_op.drop_index("ix_care_plan_action_owner_user")
        batch_op.drop_index("ix_care_plan_action_owner_due")
        batch_op.drop_index("ix_care_plan_action_owner")
        batch_op.drop_index(batch_op.f("ix_care_plan_action_need_id"))
        batch_op.drop_index(batch_op.f("ix_care_plan_action_care_plan_id"))

    op.drop_table("care_plan_action")
    with op.batch_alter_table("care_plan_need", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_plan_need_suggested_need_id"))
        batch_op.drop_index(batch_op.f("ix_care_plan_need_care_plan_id"))

    op.drop_table("care_plan_need")
    with op.batch_alter_table("care_plan_view", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_plan_view_user_id"))

    op.drop_table("care_plan_view")
    with op.batch_alter_table("care_plan_revision", schema=None) as batch_op:
        batch_op.drop_index("ix_care_plan_revision_item")

    op.drop_table("care_plan_revision")
    with op.batch_alter_table("care_plan_part", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_plan_part_care_plan_id"))

    op.drop_table("care_plan_part")
    with op.batch_alter_table("care_plan_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_plan_contact_care_plan_id"))

    op.drop_table("care_plan_contact")
