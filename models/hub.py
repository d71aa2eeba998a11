from datetime import datetime
from typing import Optional

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.clock import utc_now
from models.enums import Labelled, enum_column


class HubNetwork(SQLModel, table=True):
    """A specialist hub (an agency: frailty, falls, palliative care, heart failure, respiratory...)
    serves this network; a hub serves several."""

    __tablename__ = "hub_network"
    __table_args__ = (UniqueConstraint("hub_agency_id", "network_id", name="uq_hub_network"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    hub_agency_id: int = Field(foreign_key="agency.id", index=True)
    network_id: int = Field(foreign_key="network.id", index=True)


class HubReferralStatus(Labelled):
    requested = "requested", "Requested"
    accepted = "accepted", "Involved"
    declined = "declined", "Declined"
    ended = "ended", "No longer involved"


class HubReferral(SQLModel, table=True):
    """A network's referral of a person to a specialist hub, from their plan: requested until the hub
    accepts (and joins the care team) or declines; ended when the hub is no longer involved."""

    __tablename__ = "hub_referral"

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    hub_agency_id: int = Field(foreign_key="agency.id", index=True)
    network_id: Optional[int] = Field(default=None, foreign_key="network.id", index=True)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    status: HubReferralStatus = Field(sa_column=enum_column(HubReferralStatus, "hub_referral_status", length=16))
    referred_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    referred_at: datetime = Field(default_factory=utc_now)
    responded_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    responded_at: Optional[datetime] = Field(default=None)
    response_note: Optional[str] = Field(default=None, max_length=500)
    ended_at: Optional[datetime] = Field(default=None)
    care_team_member_id: Optional[int] = Field(default=None, foreign_key="care_team_member.id")
    version: int = Field(default=1)
