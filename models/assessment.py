from datetime import datetime
from typing import Optional

from sqlmodel import Field, SQLModel

from models.clock import utc_now


class Assessment(SQLModel, table=True):
    """The one assessment for a person (the unique person_id makes it one, not a convention)."""

    __tablename__ = "assessment"

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    status: str = Field(default="draft", max_length=16)
    opened_at: datetime = Field(default_factory=utc_now)
    opened_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    version: int = Field(default=1)
