from datetime import datetime
from typing import Optional

from sqlmodel import Field, SQLModel

from models.clock import utc_now


class StaffSession(SQLModel, table=True):
    """A signed-in browser session. The cookie holds a random id whose SHA-256 is kept here,
    so signing out, idling out or an administrator's lock ends the session on the server:
    a copied cookie is worthless afterwards."""

    __tablename__ = "staff_session"

    id: Optional[int] = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    started_at: datetime = Field(default_factory=utc_now)
    last_seen_at: datetime = Field(default_factory=utc_now)
    ended_at: Optional[datetime] = Field(default=None)
    ended_because: Optional[str] = Field(default=None, max_length=32)
    # When this session's owner gave their second factor; until then it opens only the page that asks.
    second_factor_at: Optional[datetime] = Field(default=None)
