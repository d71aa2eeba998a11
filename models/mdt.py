from datetime import date, datetime
from typing import Optional

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.clock import utc_now


class MdtMeeting(SQLModel, table=True):
    """A network's multidisciplinary team meeting: scheduled by its lead, people put on its agenda
    by their key worker or the lead, and its outcomes recorded while it sits."""

    __tablename__ = "mdt_meeting"

    id: Optional[int] = Field(default=None, primary_key=True)
    network_id: int = Field(foreign_key="network.id", index=True)
    held_on: date = Field(index=True)
    place: str = Field(max_length=160)
    scheduled_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    scheduled_at: datetime = Field(default_factory=utc_now)


class MdtAttendee(SQLModel, table=True):
    """Who came to a meeting, by agency."""

    __tablename__ = "mdt_attendee"

    id: Optional[int] = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="mdt_meeting.id", index=True)
    agency_id: int = Field(foreign_key="agency.id")
    name: str = Field(max_length=120)
    recorded_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    recorded_at: datetime = Field(default_factory=utc_now)


class MdtAgendaItem(SQLModel, table=True):
    """A person on a meeting's agenda, with the question to discuss and, once discussed, the decision."""

    __tablename__ = "mdt_agenda_item"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id", name="uq_mdt_agenda_person"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="mdt_meeting.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    question: str = Field(sa_column=Column(Text, nullable=False))
    added_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    added_at: datetime = Field(default_factory=utc_now)
    decision: Optional[str] = Field(default=None, sa_column=Column(Text))
    decided_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    decided_at: Optional[datetime] = Field(default=None)
    actions_created: int = Field(default=0)
    # Raised by every recorded outcome; a save carrying an older version is refused.
    version: int = Field(default=1)
