"""fhir: agencies carry their ODS code; a referral sent over FHIR keeps what was sent (its coded
elements) and the sender's identifiers, unique per system, for conditional create

Revision ID: 0010_fhir
Revises: 0009_audit_anchor
Create Date: 2026-11-30 11:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_fhir"
down_revision = "0009_audit_anchor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ods_code", sa.String(length=12), nullable=True))
        batch_op.create_unique_constraint("uq_agency_ods_code", ["ods_code"])
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sent_as", sa.JSON(), nullable=True))
    op.create_table(
        "referral_identifier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("system", sa.String(length=200), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["referral_id"], ["referral.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("system", "value", name="uq_referral_identifier"),
    )
    with op.batch_alter_table("referral_identifier", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_identifier_referral_id"), ["referral_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("referral_identifier", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_identifier_referral_id"))
    op.drop_table("referral_identifier")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_column("sent_as")
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.drop_constraint("uq_agency_ods_code", type_="unique")
        batch_op.drop_column("ods_code")
