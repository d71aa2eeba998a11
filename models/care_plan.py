from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.clock import utc_now
from models.enums import ActionStatus, ContactKind, GoalStatus, NeedStatus, PlanItemType, enum_column


class CarePlan(SQLModel, table=True):
    """The one care plan for a person, shared by every agency in the care team."""

    __tablename__ = "care_plan"
    # Whether each plan a key worker leads is due for review, from the index alone (migration 0013_worklist).
    __table_args__ = (Index("ix_care_plan_review", "person_id", "review_due_on", "id"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    opened_at: datetime = Field(default_factory=utc_now)
    opened_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    # Raised by every change to the plan or anything in it; each revision takes the new number,
    # so the plan's history is one numbered sequence.
    version: int = Field(default=1)
    # Copied from the agreement part when it is saved, so worklists find reviews by index.
    review_due_on: Optional[date] = Field(default=None, index=True)
    agreed_on: Optional[date] = Field(default=None)
    updated_at: Optional[datetime] = Field(default=None)
    updated_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")


class PlanItem(SQLModel):
    """What every editable part of a plan carries: its own version for saves, the plan version
    it last changed in (for "changed since you last looked"), and who changed it."""

    care_plan_id: int = Field(foreign_key="care_plan.id", index=True)
    version: int = Field(default=1)
    changed_in: int = Field(default=1)
    created_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utc_now)
    updated_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    updated_agency_id: Optional[int] = Field(default=None, foreign_key="agency.id")
    updated_at: datetime = Field(default_factory=utc_now)
    # The last change was the person's own, from their own pages (issue 14): staff see it marked.
    person_words: bool = Field(default=False)


class CarePlanPart(PlanItem, table=True):
    """One of the plan's own parts (about me, contingency, advance care, agreement): answers to
    the questions in app/data/care_plan_parts.json."""

    __tablename__ = "care_plan_part"
    __table_args__ = (UniqueConstraint("care_plan_id", "part_key", name="uq_care_plan_part"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    part_key: str = Field(max_length=40)
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # 0 until first written; each save must carry the version it saw.
    version: int = Field(default=0)


class CarePlanNeed(PlanItem, table=True):
    """A need in the plan, linked to the assessment finding it came from when it came from one."""

    __tablename__ = "care_plan_need"

    id: Optional[int] = Field(default=None, primary_key=True)
    need: str = Field(max_length=200)
    detail: Optional[str] = Field(default=None, sa_column=Column(Text))
    status: NeedStatus = Field(default=NeedStatus.active, sa_column=enum_column(NeedStatus, "need_status", default=NeedStatus.active))
    suggested_need_id: Optional[int] = Field(default=None, foreign_key="suggested_need.id", index=True)


class CarePlanGoal(PlanItem, table=True):
    """A goal in the person's own words, with a target date."""

    __tablename__ = "care_plan_goal"

    id: Optional[int] = Field(default=None, primary_key=True)
    need_id: Optional[int] = Field(default=None, foreign_key="care_plan_need.id", index=True)
    goal: str = Field(sa_column=Column(Text, nullable=False))
    target_on: Optional[date] = Field(default=None)
    status: GoalStatus = Field(default=GoalStatus.proposed, sa_column=enum_column(GoalStatus, "goal_status", default=GoalStatus.proposed))


class CarePlanAction(PlanItem, table=True):
    """Something an agency (and optionally a named practitioner) will do; requested of the agency
    until it accepts or declines (app/handshake.py)."""

    __tablename__ = "care_plan_action"
    __table_args__ = (
        Index("ix_care_plan_action_owner", "owner_agency_id", "status", "due_on"),
        # A worklist in due-date order: read in index order and stopped at the page's end.
        Index("ix_care_plan_action_owner_due", "owner_agency_id", "due_on"),
        Index("ix_care_plan_action_owner_user", "owner_user_id", "status"),
        # What is asked of an agency (My work's count, the worklist's first choice), with the person
        # the record rule checks, from the index alone (migration 0018_w_my_work).
        Index("ix_care_plan_action_asked", "owner_agency_id", "status", "person_id"),
        # The worklist's page and count from the index alone, in due-date order, with the person the
        # record rule checks; on PostgreSQL only the actions still to do (migration 0013_worklist).
        Index(
            "ix_care_plan_action_worklist",
            "owner_agency_id",
            "due_on",
            "id",
            "status",
            "person_id",
            postgresql_where=text("status IN ('requested', 'accepted', 'in_progress')"),
        ),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    need_id: Optional[int] = Field(default=None, foreign_key="care_plan_need.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    description: str = Field(sa_column=Column(Text, nullable=False))
    owner_agency_id: int = Field(foreign_key="agency.id")
    owner_user_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    frequency: Optional[str] = Field(default=None, max_length=80)
    start_on: Optional[date] = Field(default=None)
    due_on: Optional[date] = Field(default=None)
    status: ActionStatus = Field(
        default=ActionStatus.requested, sa_column=enum_column(ActionStatus, "action_status", default=ActionStatus.requested)
    )
    status_reason: Optional[str] = Field(default=None, max_length=500)  # why it was declined or cancelled
    requested_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    responded_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    responded_at: Optional[datetime] = Field(default=None)
    completed_at: Optional[datetime] = Field(default=None)


class CarePlanContact(PlanItem, table=True):
    """A personal or professional contact; out-of-hours contacts are part of the crisis plan."""

    __tablename__ = "care_plan_contact"

    id: Optional[int] = Field(default=None, primary_key=True)
    kind: ContactKind = Field(sa_column=enum_column(ContactKind, "contact_kind"))
    name: str = Field(max_length=120)
    relationship: Optional[str] = Field(default=None, max_length=80)
    organisation: Optional[str] = Field(default=None, max_length=160)
    phone: Optional[str] = Field(default=None, max_length=40)
    when_to_call: Optional[str] = Field(default=None, max_length=200)
    out_of_hours: bool = Field(default=False)
    active: bool = Field(default=True)  # removed contacts stay for the history


class CarePlanRevision(SQLModel, table=True):
    """An immutable snapshot of one change to the plan: which item, its values after, what changed,
    who, which agency, when. The plan version it made is unique, so the history is one sequence."""

    __tablename__ = "care_plan_revision"
    __table_args__ = (
        UniqueConstraint("care_plan_id", "plan_version", name="uq_care_plan_revision_version"),
        Index("ix_care_plan_revision_item", "care_plan_id", "item_type", "item_key", "plan_version"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    care_plan_id: int = Field(foreign_key="care_plan.id")
    plan_version: int
    item_type: PlanItemType = Field(sa_column=enum_column(PlanItemType, "plan_item_type", length=16))
    item_key: str = Field(max_length=40)  # the part's key, or the item's id
    values: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    changed: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    summary: str = Field(max_length=300)
    saved_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    saved_agency_id: Optional[int] = Field(default=None, foreign_key="agency.id")
    saved_at: datetime = Field(default_factory=utc_now)
    person_words: bool = Field(default=False)  # the person's own change, from their own pages


class CarePlanView(SQLModel, table=True):
    """The plan version a user last looked at, for "changed since you last looked"."""

    __tablename__ = "care_plan_view"
    __table_args__ = (UniqueConstraint("care_plan_id", "user_id", name="uq_care_plan_view"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    care_plan_id: int = Field(foreign_key="care_plan.id")
    user_id: int = Field(foreign_key="user_account.id", index=True)
    seen_version: int
    seen_at: datetime = Field(default_factory=utc_now)
