"""foundation: networks, agencies, users, people, care teams, audit

Revision ID: 0001
Revises:
Create Date: 2026-11-22 19:11:08.840570
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
        sa.Column("outcome", sa.Enum("allowed", "refused", name="audit_outcome", native_enum=False, length=16), nullable=False),
        sa.Column("record_type", sqlmodel.sql.sqltypes.AutoString(length=48), nullable=True),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("client_address", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_user_id"), ["user_id"], unique=False)
        batch_op.create_index("ix_audit_person_at", ["person_id", "at"], unique=False)

    op.create_table(
        "network",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("hub_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "agency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "gp_practice",
                "community_nursing",
                "social_care",
                "therapy",
                "community_matron",
                "voluntary",
                "pharmacy",
                "hospital",
                "mental_health",
                "spa_hub",
                name="agency_kind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("network_id", sa.Integer(), nullable=True),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["network.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agency_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_agency_network_id"), ["network_id"], unique=False)

    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nhs_number", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("given_name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("family_name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("given_name_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("family_name_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("address_line_1", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("address_line_2", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("town", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("postcode", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("postcode_key", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("gp_practice_id", sa.Integer(), nullable=True),
        sa.Column("communication_needs", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("next_of_kin_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("next_of_kin_relationship", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("next_of_kin_phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("carer_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("carer_phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint("length(nhs_number) = 10", name="ck_person_nhs_number_length"),
        sa.ForeignKeyConstraint(
            ["gp_practice_id"],
            ["agency.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nhs_number"),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_date_of_birth"), ["date_of_birth"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_family_name_key"), ["family_name_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_given_name_key"), ["given_name_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_gp_practice_id"), ["gp_practice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_postcode_key"), ["postcode_key"], unique=False)

    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("full_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum("spa_coordinator", "practitioner", "network_lead", "administrator", name="role", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "profession",
            sa.Enum(
                "district_nurse",
                "community_matron",
                "social_worker",
                "occupational_therapist",
                "physiotherapist",
                "pharmacist",
                "gp",
                "support_worker",
                "voluntary_sector_worker",
                "mental_health_nurse",
                "care_coordinator",
                "manager",
                "administrator",
                name="profession",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("network_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
        sa.Column("last_failed_sign_in_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.id"],
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["network.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_account_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_account_network_id"), ["network_id"], unique=False)

    op.create_table(
        "care_team_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("is_key_worker", sa.Boolean(), nullable=False),
        sa.Column("joined_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("left_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
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
    with op.batch_alter_table("care_team_member", schema=None) as batch_op:
        batch_op.create_index("ix_care_team_agency_person", ["agency_id", "person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_care_team_member_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_care_team_member_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "uq_care_team_one_key_worker",
            ["person_id"],
            unique=True,
            sqlite_where=sa.text("is_key_worker AND left_at IS NULL"),
            postgresql_where=sa.text("is_key_worker AND left_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("care_team_member", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_care_team_one_key_worker",
            sqlite_where=sa.text("is_key_worker AND left_at IS NULL"),
            postgresql_where=sa.text("is_key_worker AND left_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_care_team_member_user_id"))
        batch_op.drop_index(batch_op.f("ix_care_team_member_person_id"))
        batch_op.drop_index("ix_care_team_agency_person")

    op.drop_table("care_team_member")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_account_network_id"))
        batch_op.drop_index(batch_op.f("ix_user_account_agency_id"))

    op.drop_table("user_account")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_postcode_key"))
        batch_op.drop_index(batch_op.f("ix_person_gp_practice_id"))
        batch_op.drop_index(batch_op.f("ix_person_given_name_key"))
        batch_op.drop_index(batch_op.f("ix_person_family_name_key"))
        batch_op.drop_index(batch_op.f("ix_person_date_of_birth"))

    op.drop_table("person")
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_network_id"))
        batch_op.drop_index(batch_op.f("ix_agency_kind"))

    op.drop_table("agency")
    op.drop_table("network")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_person_at")
        batch_op.drop_index(batch_op.f("ix_audit_event_user_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))

    op.drop_table("audit_event")
