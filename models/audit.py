from datetime import datetime
from typing import Optional

from sqlalchemy import Column, Enum as SAEnum, Index
from sqlmodel import Field, SQLModel

from models.clock import utc_now
from models.enums import AuditOutcome


class AuditEvent(SQLModel, table=True):
    """Append-only record of who did what to which record, when, why and from where.

    No foreign keys: an audit row must outlive anything it mentions, and names are
    copied so the row reads on its own.
    """

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_person_at", "person_id", "at"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utc_now, index=True)
    user_id: Optional[int] = Field(default=None, index=True)
    username: Optional[str] = Field(default=None, max_length=64)
    agency_id: Optional[int] = Field(default=None)
    role: Optional[str] = Field(default=None, max_length=32)
    action: str = Field(max_length=48)
    outcome: AuditOutcome = Field(
        sa_column=Column(SAEnum(AuditOutcome, name="audit_outcome", native_enum=False, length=16), nullable=False)
    )
    record_type: Optional[str] = Field(default=None, max_length=48)
    record_id: Optional[str] = Field(default=None, max_length=64)
    person_id: Optional[int] = Field(default=None)
    reason: Optional[str] = Field(default=None, max_length=500)
    detail: Optional[str] = Field(default=None, max_length=500)
    client_address: Optional[str] = Field(default=None, max_length=64)
