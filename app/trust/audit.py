"""The audit trail: every view and every change of a person's data, and every refusal.

`record` is the one way in. It adds the event to the caller's transaction; when that
transaction commits, its events take the next places in the hash chain (app/trust/audit_chain.py),
so an event exists exactly when the change it describes does: a rolled-back transaction, or a
rolled-back part of one (a savepoint), leaves none of the events recorded in it.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from app.db import CLIENT_ADDRESS
from app.trust import audit_chain
from models import AuditOutcome, User
from models.clock import utc_now

_PENDING = "oneplan_audit_pending"
_MARKS = "oneplan_audit_marks"  # savepoint -> how many events were pending when it began


@dataclass
class PendingEvent:
    """An audit event waiting for its transaction's commit, when audit_chain writes its row
    (audit_event, models/audit.py AuditEvent: the same fields, but for its place in the chain and
    its hashes, which the database gives it). A plain object: the row is written by one statement
    for the commit's events, never through the ORM, and every page records one."""

    action: str
    outcome: AuditOutcome
    user_id: Optional[int] = None
    username: Optional[str] = None
    agency_id: Optional[int] = None
    role: Optional[str] = None
    record_type: Optional[str] = None
    record_id: Optional[str] = None
    person_id: Optional[int] = None
    reason: Optional[str] = None
    detail: Optional[str] = None
    client_address: Optional[str] = None
    at: datetime = field(default_factory=utc_now)


def record(
    session: Session,
    action: str,
    *,
    user: Optional[User] = None,
    username: Optional[str] = None,
    role: Optional[str] = None,  # for someone who is not staff: "person" or "carer" (app/my_record)
    outcome: AuditOutcome = AuditOutcome.allowed,
    person_id: Optional[int] = None,
    record_type: Optional[str] = None,
    record_id: object = None,
    reason: Optional[str] = None,
    detail: Optional[str] = None,
) -> "PendingEvent":
    """Add an audit event to the session's transaction (the caller commits it with the change).

    `reason` is OnePlan's own words (why access was allowed or refused); anything a person
    typed (search terms, a break-glass explanation) goes in `detail`, which the
    administrators' audit page never shows."""
    event = PendingEvent(
        user_id=user.id if user else None,
        username=(user.username if user else username),
        agency_id=user.agency_id if user else None,
        role=user.role.value if user else role,
        action=action,
        outcome=outcome,
        person_id=person_id,
        record_type=record_type,
        record_id=None if record_id is None else str(record_id)[:64],
        reason=reason[:500] if reason else None,
        detail=detail[:500] if detail else None,
        client_address=session.info.get(CLIENT_ADDRESS),
    )
    if not session.in_transaction():
        session.begin()  # so that a rollback, which forgets the event, is seen even before any SQL ran
    session.info.setdefault(_PENDING, []).append(event)
    return event


@sa_event.listens_for(OrmSession, "before_commit")
def _seal_pending_events(session: OrmSession) -> None:
    """At commit, chain the transaction's events (in the order recorded) and add them. A savepoint
    being released is not the commit: its events wait for the transaction's."""
    if session.get_nested_transaction() is not None:
        return
    session.info.pop(_MARKS, None)
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    audit_chain.append(session.connection(), pending)


@sa_event.listens_for(OrmSession, "after_transaction_create")
def _mark_savepoint(session: OrmSession, transaction: SessionTransaction) -> None:
    if transaction.nested:
        session.info.setdefault(_MARKS, {})[transaction] = len(session.info.get(_PENDING, []))


@sa_event.listens_for(OrmSession, "after_soft_rollback")
def _forget_pending_events(session: OrmSession, previous_transaction: SessionTransaction) -> None:
    """A rolled-back change leaves no audit event, as it leaves no change: all of the transaction's
    events, or only those recorded since the savepoint that was rolled back."""
    if previous_transaction.nested:
        kept = session.info.get(_MARKS, {}).pop(previous_transaction, 0)
        del session.info.get(_PENDING, [])[kept:]
        return
    session.info.pop(_MARKS, None)
    session.info.pop(_PENDING, None)
