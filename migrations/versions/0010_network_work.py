"""the network at work: MDT meetings (their agendas, attendees and decisions), the discharge board, specialist hubs and the palliative care register

Revision ID: 0010_network_work
Revises: 0010_fhir
Create Date: 2026-11-30 11:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010_network_work"
down_revision = "0010_fhir"
branch_labels = None
depends_on = None

DELAY_REASONS = ("package_of_care", "equipment", "assessment", "housing", "family", "care_home", "transport", "medicines", "other")


def upgrade() -> None:
    op.create_table(
        "mdt_meeting",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("network_id", sa.Integer(), sa.ForeignKey("network.id"), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("scheduled_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("scheduled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_mdt_meeting_network_id", "mdt_meeting", ["network_id"])
    op.create_index("ix_mdt_meeting_held_on", "mdt_meeting", ["held_on"])
    op.create_table(
        "mdt_attendee",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("meeting_id", sa.Integer(), sa.ForeignKey("mdt_meeting.id"), nullable=False),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agency.id"), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_mdt_attendee_meeting_id", "mdt_attendee", ["meeting_id"])
    op.create_table(
        "mdt_agenda_item",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("meeting_id", sa.Integer(), sa.ForeignKey("mdt_meeting.id"), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("added_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("actions_created", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("meeting_id", "person_id", name="uq_mdt_agenda_person"),
    )
    op.create_index("ix_mdt_agenda_item_meeting_id", "mdt_agenda_item", ["meeting_id"])
    op.create_index("ix_mdt_agenda_item_person_id", "mdt_agenda_item", ["person_id"])
    op.create_table(
        "discharge_wait",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("referral_id", sa.Integer(), sa.ForeignKey("referral.id"), nullable=False, unique=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("delay_reason", sa.Enum(*DELAY_REASONS, name="delay_reason", native_enum=False, length=32), nullable=True),
        sa.Column("delay_note", sa.Text(), nullable=True),
        sa.Column("home_on", sa.Date(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_discharge_wait_person_id", "discharge_wait", ["person_id"])
    op.create_index("ix_discharge_wait_home_on", "discharge_wait", ["home_on"])
    op.create_table(
        "discharge_gate",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("wait_id", sa.Integer(), sa.ForeignKey("discharge_wait.id"), nullable=False),
        sa.Column("action_id", sa.Integer(), sa.ForeignKey("care_plan_action.id"), nullable=False),
    )
    op.create_index("ix_discharge_gate_wait_id", "discharge_gate", ["wait_id"])
    op.create_index("ix_discharge_gate_action_id", "discharge_gate", ["action_id"])
    op.create_table(
        "hub_network",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("hub_agency_id", sa.Integer(), sa.ForeignKey("agency.id"), nullable=False),
        sa.Column("network_id", sa.Integer(), sa.ForeignKey("network.id"), nullable=False),
        sa.UniqueConstraint("hub_agency_id", "network_id", name="uq_hub_network"),
    )
    op.create_index("ix_hub_network_hub_agency_id", "hub_network", ["hub_agency_id"])
    op.create_index("ix_hub_network_network_id", "hub_network", ["network_id"])
    op.create_table(
        "hub_referral",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("hub_agency_id", sa.Integer(), sa.ForeignKey("agency.id"), nullable=False),
        sa.Column("network_id", sa.Integer(), sa.ForeignKey("network.id"), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("requested", "accepted", "declined", "ended", name="hub_referral_status", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("referred_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("referred_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("responded_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("responded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("response_note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("ended_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("care_team_member_id", sa.Integer(), sa.ForeignKey("care_team_member.id"), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_hub_referral_person_id", "hub_referral", ["person_id"])
    op.create_index("ix_hub_referral_hub_agency_id", "hub_referral", ["hub_agency_id"])
    op.create_index("ix_hub_referral_network_id", "hub_referral", ["network_id"])
    op.create_table(
        "palliative_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False, unique=True),
        sa.Column(
            "stage",
            sa.Enum("stable", "unstable", "deteriorating", "dying", name="palliative_stage", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column(
            "anticipatory_medicines",
            sa.Enum("not_needed_yet", "prescribed", "in_home", "not_known", name="anticipatory_medicines", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("medicines_note", sa.Text(), nullable=True),
        sa.Column("added_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("added_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("removed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "palliative_entry",
        "hub_referral",
        "hub_network",
        "discharge_gate",
        "discharge_wait",
        "mdt_agenda_item",
        "mdt_attendee",
        "mdt_meeting",
    ):
        op.drop_table(table)
