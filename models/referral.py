from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.clock import utc_now
from models.enums import ReferralSource, ReferralStatus, Urgency, enum_column

# A referral awaiting a decision (models.enums.AWAITING_DECISION) and not joined to another: the
# condition of the queue's partial index, which the queue's statement repeats word for word (SQLite
# uses a partial index only for a query whose WHERE holds its condition's terms as written).
AWAITING_REFERRALS = "status IN ('received', 'triaged') AND linked_to_id IS NULL"


class Referral(SQLModel, table=True):
    """A referral into the single point of access, and its triage."""

    __tablename__ = "referral"
    __table_args__ = (
        Index("ix_referral_status_due", "status", "due_by"),
        Index("ix_referral_person_status", "person_id", "status"),
        # Today's front-door figures so far, and time to triage (migration 0012_daily_figures).
        Index("ix_referral_received_at", "received_at"),
        Index("ix_referral_due_by", "due_by"),
        # Those due today so far, by urgency and whether triaged in time (migration 0014_f_due_today).
        Index("ix_referral_due_today", "due_by", "urgency", "triaged_at"),
        Index("ix_referral_triaged", "triaged_at", "received_at", "urgency"),
        Index("ix_referral_queue", "status", "linked_to_id", "due_by", "person_id"),
        # The front door's longest delayed discharges, in order, a range for each status (0024_delayed_in_order).
        Index("ix_referral_awaiting_discharge", "status", "source", "medically_optimised_on", "id"),
        # My work's new allocations: a key worker's referrals of the last fortnight (migration 0018_w_my_work).
        Index("ix_referral_key_worker", "key_worker_id", "received_at"),
        # The queue's page and count from the index alone, in due-by order: only the referrals
        # awaiting a decision and not joined to another (migrations 0013_worklist, 0014_queue_awaiting).
        Index(
            "ix_referral_awaiting",
            "due_by",
            "id",
            "status",
            "linked_to_id",
            "person_id",
            "network_id",
            postgresql_where=text(AWAITING_REFERRALS),
            sqlite_where=text(AWAITING_REFERRALS),
        ),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    source: ReferralSource = Field(sa_column=enum_column(ReferralSource, "referral_source", index=True))
    referrer_name: str = Field(max_length=120)
    referrer_agency: Optional[str] = Field(default=None, max_length=160)
    referrer_contact: Optional[str] = Field(default=None, max_length=120)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    presenting_needs: Optional[str] = Field(default=None, sa_column=Column(Text))
    requested_urgency: Urgency = Field(sa_column=enum_column(Urgency, "requested_urgency"))
    received_at: datetime = Field(default_factory=utc_now)
    received_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    received_via: str = Field(default="intake form", max_length=32)

    # Triage: the clock runs from receipt against the urgency (requested until decided).
    status: ReferralStatus = Field(sa_column=enum_column(ReferralStatus, "referral_status"))
    urgency: Urgency = Field(sa_column=enum_column(Urgency, "urgency", index=True))
    due_by: datetime
    triaged_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    triaged_at: Optional[datetime] = Field(default=None)
    decided_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    decided_at: Optional[datetime] = Field(default=None)
    network_id: Optional[int] = Field(default=None, foreign_key="network.id", index=True)
    key_worker_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    signposted_to: Optional[str] = Field(default=None, max_length=200)
    decline_reason: Optional[str] = Field(default=None, max_length=1000)
    redirect_reason: Optional[str] = Field(default=None, max_length=1000)
    decision_note: Optional[str] = Field(default=None, max_length=2000)
    closed_at: Optional[datetime] = Field(default=None)
    closed_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")

    # A referral for a person who already has an open one joins it instead of starting a parallel track.
    linked_to_id: Optional[int] = Field(default=None, foreign_key="referral.id", index=True)

    # Hospital discharge.
    ward: Optional[str] = Field(default=None, max_length=80)
    expected_discharge_on: Optional[date] = Field(default=None)
    medically_optimised_on: Optional[date] = Field(default=None)

    # Raised on every triage write; a write carrying an older version is refused.
    version: int = Field(default=1)

    # A referral sent over FHIR: the coded elements of the ServiceRequest as sent (identifier, code,
    # category, reasonCode, performer, requester, locationCode, intent, meta.profile), returned as sent.
    sent_as: Optional[dict[str, Any]] = Field(default=None, sa_column=Column(JSON, nullable=True))


class ReferralIdentifier(SQLModel, table=True):
    """An identifier the sending system gave a referral (ServiceRequest.identifier): unique per
    system, so a retried send finds the referral it made the first time (FHIR conditional create)."""

    __tablename__ = "referral_identifier"
    __table_args__ = (UniqueConstraint("system", "value", name="uq_referral_identifier"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    referral_id: int = Field(foreign_key="referral.id", index=True)
    system: str = Field(max_length=200)
    value: str = Field(max_length=200)
