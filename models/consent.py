from datetime import datetime
from typing import Optional

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from models.clock import utc_now


class Consent(SQLModel, table=True):
    """The person's sharing decisions, as the care team recorded them (one row a person)."""

    __tablename__ = "consent"

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    # None: not asked yet; True/False: what the person said.
    shares_with_care_team: Optional[bool] = Field(default=None)
    carer_name: Optional[str] = Field(default=None, max_length=120)
    carer_relationship: Optional[str] = Field(default=None, max_length=60)
    carer_contact: Optional[str] = Field(default=None, max_length=120)
    recorded_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    recorded_at: datetime = Field(default_factory=utc_now)
    version: int = Field(default=1)


class ConsentObjection(SQLModel, table=True):
    """The person objects to one agency seeing their record; the access rules refuse that
    agency while the objection stands. A withdrawn objection is kept, dated."""

    __tablename__ = "consent_objection"
    __table_args__ = (
        # At most one standing objection per person and agency.
        Index(
            "uq_consent_objection_standing",
            "person_id",
            "agency_id",
            unique=True,
            sqlite_where=text("withdrawn_at IS NULL"),
            postgresql_where=text("withdrawn_at IS NULL"),
        ),
        # Whether an agency has any standing objection (the header's unread count asks it first).
        Index(
            "ix_consent_objection_agency_standing",
            "agency_id",
            sqlite_where=text("withdrawn_at IS NULL"),
            postgresql_where=text("withdrawn_at IS NULL"),
        ),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    agency_id: int = Field(foreign_key="agency.id")
    recorded_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    recorded_at: datetime = Field(default_factory=utc_now)
    withdrawn_at: Optional[datetime] = Field(default=None)
    withdrawn_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
