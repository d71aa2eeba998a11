from datetime import datetime
from typing import Optional

from sqlmodel import Field, SQLModel

from models.clock import utc_now


class ApiToken(SQLModel, table=True):
    """A bearer token for the FHIR API, issued to one user; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    label: str = Field(max_length=80)
    created_at: datetime = Field(default_factory=utc_now)
    expires_at: Optional[datetime] = Field(default=None)
    revoked_at: Optional[datetime] = Field(default=None)
