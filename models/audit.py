from datetime import datetime
from typing import Optional

from sqlalchemy import Column, Index, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.clock import utc_now
from models.enums import AuditOutcome, enum_column


class AuditEvent(SQLModel, table=True):
    """Append-only record of who did what to which record, when, why and from where.

    No foreign keys: an audit row must outlive anything it mentions, and names are
    copied so the row reads on its own. Each row carries its place in the chain (`seq`,
    1, 2, 3... with no gaps), the hash of the row before it and its own hash, so an
    edited, deleted or reordered row is found by `flask --app app audit verify`.
    """

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_person_at", "person_id", "at"), UniqueConstraint("seq", name="uq_audit_event_seq"))

    id: Optional[int] = Field(default=None, primary_key=True)
    seq: Optional[int] = Field(default=None, sa_column=Column(Integer, nullable=False))
    at: datetime = Field(default_factory=utc_now, index=True)
    user_id: Optional[int] = Field(default=None, index=True)
    username: Optional[str] = Field(default=None, max_length=64)
    agency_id: Optional[int] = Field(default=None)
    role: Optional[str] = Field(default=None, max_length=32)
    action: str = Field(max_length=48)
    outcome: AuditOutcome = Field(sa_column=enum_column(AuditOutcome, "audit_outcome", length=16))
    record_type: Optional[str] = Field(default=None, max_length=48)
    record_id: Optional[str] = Field(default=None, max_length=64)
    person_id: Optional[int] = Field(default=None)
    reason: Optional[str] = Field(default=None, max_length=500)
    detail: Optional[str] = Field(default=None, max_length=500)
    client_address: Optional[str] = Field(default=None, max_length=64)
    prev_hash: Optional[str] = Field(default=None, sa_column=Column(String(64), nullable=False))
    hash: Optional[str] = Field(default=None, sa_column=Column(String(64), nullable=False))


class AuditChainHead(SQLModel, table=True):
    """The one row that says where the audit chain ends: the last event's `seq`.

    Every append moves it in the same statement that writes the event (migration
    0019_r_audit_one_statement: on SQLite the trigger audit_event_moves_head after the
    INSERT ... SELECT, under the write lock; on PostgreSQL audit_event_append(), which moves
    it first and so holds its row lock), so appends are serialised and the chain never
    forks; and a deleted last event is found because the head still counts it.
    """

    __tablename__ = "audit_chain_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = Field(default=0)
