"""The shared timeline of contacts (issue 16): a visit, a phone call, a meeting about the person,
recorded by any agency in the care team, with the plan actions it moved on."""

from datetime import date, datetime, time
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from models.clock import utc_now
from models.enums import Labelled, enum_column


class ContactHow(Labelled):
    """How the contact was made."""

    visit = "visit", "Visit"
    phone = "phone", "Phone call"
    video = "video", "Video call"
    meeting = "meeting", "Meeting"
    message = "message", "Message"


class ContactRecord(SQLModel, table=True):
    """One contact with or about the person, on their timeline. Versioned: a change carries the
    version its author saw."""

    __tablename__ = "contact_record"
    __table_args__ = (
        # The timeline, newest first, whole or by agency: read in index order.
        Index("ix_contact_record_person_when", "person_id", "contact_on", "contact_time"),
        Index("ix_contact_record_person_agency", "person_id", "agency_id", "contact_on"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    contact_on: date
    contact_time: Optional[time] = Field(default=None)
    how: ContactHow = Field(sa_column=enum_column(ContactHow, "contact_how", length=16))
    with_whom: str = Field(max_length=160)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    # The plan actions this contact moved on, as they were: [{"action_id", "description", "moved"}].
    moved: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    agency_id: int = Field(foreign_key="agency.id")
    recorded_by_id: int = Field(foreign_key="user_account.id")
    recorded_at: datetime = Field(default_factory=utc_now)
    version: int = Field(default=1)
    updated_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    updated_at: Optional[datetime] = Field(default=None)
