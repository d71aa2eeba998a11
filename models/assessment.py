from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.clock import utc_now
from models.enums import AssessmentStatus, SuggestionStatus, enum_column


class Assessment(SQLModel, table=True):
    """The one assessment for a person (the unique person_id makes it one, not a convention)."""

    __tablename__ = "assessment"

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    status: AssessmentStatus = Field(
        default=AssessmentStatus.draft,
        sa_column=enum_column(AssessmentStatus, "assessment_status", length=16, default=AssessmentStatus.draft),
    )
    template_version: str = Field(default="", max_length=20)
    opened_at: datetime = Field(default_factory=utc_now)
    opened_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    completed_at: Optional[datetime] = Field(default=None)
    completed_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    review_due_on: Optional[date] = Field(default=None)
    updated_at: Optional[datetime] = Field(default=None)
    # Raised by every change to the assessment's own fields (status, review date).
    version: int = Field(default=1)


class AssessmentSection(SQLModel, table=True):
    """One domain of the single assessment: its answers and who last wrote them."""

    __tablename__ = "assessment_section"
    __table_args__ = (UniqueConstraint("assessment_id", "section_key", name="uq_assessment_section"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    section_key: str = Field(max_length=40)
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # 0 until first written; each save must carry the version it saw.
    version: int = Field(default=0)
    updated_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    updated_agency_id: Optional[int] = Field(default=None, foreign_key="agency.id")
    updated_at: Optional[datetime] = Field(default=None)


class AssessmentRevision(SQLModel, table=True):
    """An immutable snapshot of one save: who, which agency, when, which section, what changed."""

    __tablename__ = "assessment_revision"
    __table_args__ = (Index("ix_assessment_revision_section", "assessment_id", "section_key", "section_version"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    section_key: str = Field(max_length=40)  # or "status" for completing the assessment
    section_version: int
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    changed: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    saved_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    saved_agency_id: Optional[int] = Field(default=None, foreign_key="agency.id")
    saved_at: datetime = Field(default_factory=utc_now)


class SuggestedNeed(SQLModel, table=True):
    """A need the assessment's findings suggest for the care plan, with the answer it came from."""

    __tablename__ = "suggested_need"
    __table_args__ = (UniqueConstraint("assessment_id", "rule_key", name="uq_suggested_need_rule"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    rule_key: str = Field(max_length=60)
    need: str = Field(max_length=200)
    reason: str = Field(max_length=500)
    section_key: str = Field(max_length=40)
    source: str = Field(max_length=80)
    answer: str = Field(max_length=500)
    revision_id: Optional[int] = Field(default=None, foreign_key="assessment_revision.id")
    # suggested -> adopted (the care plan took it) or dismissed; "withdrawn" when the finding no longer holds.
    status: SuggestionStatus = Field(
        default=SuggestionStatus.suggested,
        sa_column=enum_column(SuggestionStatus, "suggestion_status", length=16, default=SuggestionStatus.suggested),
    )
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)
