from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from models.clock import utc_now


class Notification(SQLModel, table=True):
    """An item in a user's inbox (or every user's of an agency, when user_id is empty)."""

    __tablename__ = "notification"
    __table_args__ = (
        # The unread count on every page reads these alone (migration 0010): whose, unread, about whom.
        Index("ix_notification_user_unread", "user_id", "read_at", "agency_id", "person_id"),
        Index("ix_notification_agency_unread", "agency_id", "read_at", "user_id", "person_id"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    agency_id: Optional[int] = Field(default=None, foreign_key="agency.id")
    person_id: Optional[int] = Field(default=None, foreign_key="person.id")
    kind: str = Field(max_length=48)
    message: str = Field(max_length=500)
    # Where the item leads: a page's endpoint and its arguments ("_anchor" for a place on the page),
    # turned into an address when the inbox is shown, so renaming a route cannot break a stored link.
    link_endpoint: Optional[str] = Field(default=None, max_length=80)
    link_args: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
    # What the item is about ("plan_changed:42"): one unread item per topic, refreshed, not repeated.
    topic: Optional[str] = Field(default=None, max_length=120, index=True)
    created_at: datetime = Field(default_factory=utc_now)
    read_at: Optional[datetime] = Field(default=None)
