"""contact timeline: the shared timeline of contacts with or about a person (issue 16)

Revision ID: 0011_contact_timeline
Revises: 0010_performance
Create Date: 2026-11-30 12:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011_contact_timeline"
down_revision = "0010_performance"
branch_labels = None
depends_on = None

HOW = ("visit", "phone", "video", "meeting", "message")


def upgrade() -> None:
    op.create_table(
        "contact_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("contact_on", sa.Date(), nullable=False),
        sa.Column("contact_time", sa.Time(), nullable=True),
        sa.Column("how", sa.Enum(*HOW, name="contact_how", native_enum=False, length=16), nullable=False),
        sa.Column("with_whom", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("moved", sa.JSON(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("contact_record", schema=None) as batch_op:
        batch_op.create_index("ix_contact_record_person_when", ["person_id", "contact_on", "contact_time"], unique=False)
        batch_op.create_index("ix_contact_record_person_agency", ["person_id", "agency_id", "contact_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contact_record", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_record_person_agency")
        batch_op.drop_index("ix_contact_record_person_when")
    op.drop_table("contact_record")
