from datetime import datetime
from typing import Optional

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from models.clock import utc_now


class CareTeamMember(SQLModel, table=True):
    """An agency (and optionally a named member of staff) in a person's care team."""

    __tablename__ = "care_team_member"
    __table_args__ = (
        # Exactly one current key worker per person.
        Index(
            "uq_care_team_one_key_worker",
            "person_id",
            unique=True,
            sqlite_where=text("is_key_worker AND left_at IS NULL"),
            postgresql_where=text("is_key_worker AND left_at IS NULL"),
        ),
        Index("ix_care_team_agency_person", "agency_id", "person_id"),
        # Whether an agency is in a person's care team now, from the index alone (a worklist asks it of
        # every action it counts; migration 0013_worklist).
        Index(
            "ix_care_team_agency_current",
            "agency_id",
            "person_id",
            sqlite_where=text("left_at IS NULL"),
            postgresql_where=text("left_at IS NULL"),
        ),
        # The people a member of staff is key worker for now, from the index alone (their reviews).
        Index("ix_care_team_key_worker", "user_id", "is_key_worker", "left_at", "person_id"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    agency_id: int = Field(foreign_key="agency.id")
    user_id: Optional[int] = Field(default=None, foreign_key="user_account.id", index=True)
    role: str = Field(max_length=80)
    is_key_worker: bool = Field(default=False)
    joined_at: datetime = Field(default_factory=utc_now)
    left_at: Optional[datetime] = Field(default=None)


class AgencyCaseload(SQLModel, table=True):
    """How many people an agency has on its caseload now: the distinct people in whose care team it
    is (a row of care_team_member with left_at null), so My work says it without counting them.
    Written only by database triggers on care_team_member (migration 0021_caseload_count), in the
    transaction that changes a care team, whatever writes it (the pages, the API, the demo data's
    bulk load, a fix by hand)."""

    __tablename__ = "agency_caseload"

    # No foreign key: emptying the tables in any order works, as for discharge_board_entry.
    agency_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    people: int = 0
