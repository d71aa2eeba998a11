from datetime import datetime
from typing import Optional

from sqlmodel import Field, SQLModel

from models.clock import utc_now


class CarePlan(SQLModel, table=True):
    """The one care plan for a person, shared by every agency in the care team."""

    __tablename__ = "care_plan"

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    opened_at: datetime = Field(default_factory=utc_now)
    opened_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    version: int = Field(default=1)
