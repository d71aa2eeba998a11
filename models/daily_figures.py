"""The front door's figures kept as they change, so the figures page never counts referrals.

Both tables are written only by database triggers on `referral` (and on `person` and `agency`,
whose GP practice and network decide an unallocated referral's network), made by migration
0012_daily_figures: every way a referral is written (intake, the FHIR API, triage, joining an
open referral, closing, the demo data's bulk load, a fix by hand) keeps them in step, in the same
transaction. Referrals are never deleted, so nothing is taken off for a deleted one.
"""

from datetime import date

from sqlalchemy import Column, Index
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from models.enums import ReferralSource, Urgency

NO_NETWORK = 0  # `OpenReferralCount.network_id` of open referrals with no network known


class DailyFigures(SQLModel, table=True):
    """Per day in England (local date) and per source and urgency: referrals received that day,
    referrals whose response fell due that day (and of those, triaged by then), and referrals
    triaged that day."""

    __tablename__ = "daily_figures"
    # The period's due counts by day and urgency read from the index alone (migration 0017_g_figures_cover).
    __table_args__ = (Index("ix_daily_figures_due", "day", "urgency", "due", "due_in_time"),)

    day: date = Field(primary_key=True)
    source: ReferralSource = Field(
        sa_column=Column(SAEnum(ReferralSource, name="referral_source", native_enum=False, length=32), primary_key=True)
    )
    urgency: Urgency = Field(sa_column=Column(SAEnum(Urgency, name="urgency", native_enum=False, length=32), primary_key=True))
    received: int = 0
    due: int = 0
    due_in_time: int = 0
    triaged: int = 0


class OpenReferralCount(SQLModel, table=True):
    """Open referrals (not closed, not joined to another) per network: the one allocated or
    redirected to, else the network of the person's GP practice; `NO_NETWORK` when neither."""

    __tablename__ = "open_referral_count"

    network_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    count: int = 0


class TriageTime(SQLModel, table=True):
    """How many referrals triaged on a day in England (local date), by urgency, took each time from
    receipt to triage, in whole minutes (rounded down), counted at three levels: by whole days of
    it (level 0, bucket = minutes // 1440), by whole hours (level 1, minutes // 60) and by minutes
    (level 2). The median is found level by level, reading only the buckets it falls in, so it
    costs the same whatever the number of referrals (app/front_door/figures.py)."""

    __tablename__ = "triage_time"
    # Each level's counts read from the index alone (migration 0017_g_figures_cover).
    __table_args__ = (Index("ix_triage_time_counts", "level", "day", "urgency", "bucket", "referrals"),)

    level: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    day: date = Field(primary_key=True)
    urgency: Urgency = Field(sa_column=Column(SAEnum(Urgency, name="urgency", native_enum=False, length=32), primary_key=True))
    bucket: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    referrals: int = 0
