from datetime import datetime
from typing import Optional

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models.clock import utc_now


class AccessGrant(SQLModel, table=True):
    """Break-glass: a time-limited right for one user to read one person's record outside
    the access rules, with the reason they gave, until a network lead reviews it."""

    __tablename__ = "access_grant"
    __table_args__ = (Index("ix_access_grant_user_person", "user_id", "person_id", "expires_at"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id")
    agency_id: int = Field(foreign_key="agency.id")
    person_id: int = Field(foreign_key="person.id", index=True)
    reason_code: str = Field(max_length=32)
    reason_text: str = Field(max_length=500)
    granted_at: datetime = Field(default_factory=utc_now)
    expires_at: datetime
    reviewed_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    reviewed_at: Optional[datetime] = Field(default=None, index=True)
    review_note: Optional[str] = Field(default=None, max_length=500)
    # The lead's finding: was the access appropriate? (None until reviewed, and for reviews made before it was asked.)
    review_appropriate: Optional[bool] = Field(default=None)
