from datetime import date, datetime
from typing import Optional

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from models.clock import utc_now
from models.enums import Labelled, enum_column


class DelayReason(Labelled):
    """What holds a person in hospital once they are ready to leave."""

    package_of_care = "package_of_care", "Package of care"
    equipment = "equipment", "Equipment"
    assessment = "assessment", "Assessment"
    housing = "housing", "Housing"
    family = "family", "Family choice or support"
    care_home = "care_home", "Care home place"
    transport = "transport", "Transport"
    medicines = "medicines", "Medicines to take home"
    other = "other", "Another reason"


class DischargeWait(SQLModel, table=True):
    """A ward's referral for supported discharge, as the network's discharge board follows it: what
    holds the person (a coded delay reason) and the date they got home. Made when first recorded."""

    __tablename__ = "discharge_wait"

    id: Optional[int] = Field(default=None, primary_key=True)
    referral_id: int = Field(foreign_key="referral.id", unique=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    delay_reason: Optional[DelayReason] = Field(default=None, sa_column=enum_column(DelayReason, "delay_reason", nullable=True))
    delay_note: Optional[str] = Field(default=None, sa_column=Column(Text))
    home_on: Optional[date] = Field(default=None, index=True)
    updated_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    updated_at: datetime = Field(default_factory=utc_now)
    version: int = Field(default=1)


class DischargeGate(SQLModel, table=True):
    """A plan action that has to be done before the person can go home."""

    __tablename__ = "discharge_gate"

    id: Optional[int] = Field(default=None, primary_key=True)
    wait_id: int = Field(foreign_key="discharge_wait.id", index=True)
    action_id: int = Field(foreign_key="care_plan_action.id", index=True)


class DischargeBoardEntry(SQLModel, table=True):
    """A referral on a network's discharge board, as the board reads it: its network (the one triage
    allocated, else that of the person's GP practice), the day the person was ready to leave, the
    day they got home and what holds them. Written only by database triggers on `referral`,
    `discharge_wait`, `person` and `agency` (migration 0013_growth), so the board reads one page of
    one network's waits from an index, whatever the size of the district."""

    __tablename__ = "discharge_board_entry"
    __table_args__ = (
        # A network's waits (home_on null), longest since ready first; those home, latest first.
        Index("ix_discharge_board_entry_network", "network_id", "home_on", "ready_on", "referral_id", "delay_reason"),
        # The figures across networks over their twelve weeks: those waiting, and those home since.
        Index("ix_discharge_board_entry_home_on", "home_on", "ready_on", "network_id", "delay_reason"),
    )

    # No foreign key: a referral's entry goes with it (a trigger), and emptying the tables in any order works.
    referral_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    network_id: Optional[int] = Field(default=None)
    ready_on: date
    home_on: Optional[date] = Field(default=None)
    delay_reason: Optional[DelayReason] = Field(default=None, sa_column=enum_column(DelayReason, "delay_reason", nullable=True))
