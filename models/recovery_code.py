from datetime import datetime
from typing import Optional

from sqlmodel import Field, SQLModel

from models.clock import utc_now


class RecoveryCode(SQLModel, table=True):
    """A one-time code that stands in for the authenticator app (lost or broken phone). Only its
    SHA-256 is kept: the codes are shown once, at set-up, and each works once."""

    __tablename__ = "recovery_code"

    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    code_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utc_now)
    used_at: Optional[datetime] = Field(default=None)
