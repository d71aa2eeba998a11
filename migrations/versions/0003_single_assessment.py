"""single assessment: sections, revisions, suggested needs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 19:32:55.465748
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessment_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("section_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("section_version", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("changed", sa.JSON(), nullable=False),
        sa.Column("saved_by_id", sa.Integer(), nullable=True),
        sa.Column("saved_agency_id", sa.Integer(), nullable=True),
        sa.Column("saved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
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
    )
    with op.batch_alter_table("assessment_revision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_revision_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index("ix_assessment_revision_section", ["assessment_id", "section_key", "section_version"], unique=False)

    op.create_table(
        "assessment_section",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("section_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_agency_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
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
        sa.UniqueConstraint("assessment_id", "section_key", name="uq_assessment_section"),
    )
    with op.batch_alter_table("assessment_section", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_section_assessment_id"), ["assessment_id"], unique=False)

    op.create_table(
        "suggested_need",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("rule_key", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("need", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("section_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["assessment_revision.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("assessment_id", "rule_key", name="uq_suggested_need_rule"),
    )
    with op.batch_alter_table("suggested_need", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suggested_need_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_suggested_need_person_id"), ["person_id"], unique=False)

    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template_version", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("completed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("completed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("review_due_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key("fk_assessment_completed_by", "user_account", ["completed_by_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_constraint("fk_assessment_completed_by", type_="foreignkey")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("review_due_on")
        batch_op.drop_column("completed_by_id")
        batch_op.drop_column("completed_at")
        batch_op.drop_column("template_version")

    with op.batch_alter_table("suggested_need", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suggested_need_person_id"))
        batch_op.drop_index(batch_op.f("ix_suggested_need_assessment_id"))

    op.drop_table("suggested_need")
    with op.batch_alter_table("assessment_section", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_section_assessment_id"))

    op.drop_table("assessment_section")
    with op.batch_alter_table("assessment_revision", schema=None) as batch_op:
        batch_op.drop_index("ix_assessment_revision_section")
        batch_op.drop_index(batch_op.f("ix_assessment_revision_assessment_id"))

    op.drop_table("assessment_revision")
