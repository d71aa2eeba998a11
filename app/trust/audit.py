"""The audit trail: every view and every change of a person's data, and every refusal.

`record` is the one way in. It adds the event to the caller's transaction; when that
transaction commits, its events take the next places in the hash chain (app/audit_chain.py),
so an event exists exactly when the change it describes does.
"""
from typing import Optional

from flask import has_request_context, request
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from app.trust import audit_chain
from models import AuditEvent, AuditOutcome, User

_PENDING = "oneplan_audit_pending"


def client_address() -> Optional[str]:
    if not has_request_context():
        return None
    return (request.remote_addr or "")[:64] or None


def record(
    session: Session,
    action: str,
    *,
    user: Optional[User] = None,
    username: Optional[str] = None,
    outcome: AuditOutcome = AuditOutcome.allowed,
    person_id: Optional[int] = None,
    record_type: Optional[str] = None,
    record_id: object = None,
    reason: Optional[str] = None,
    detail: Optional[str] = None,
) -> AuditEvent:
    """Add an audit event to the session's transaction (the caller commits it with the change).

    `reason` is OnePlan's own words (why access was allowed or refused); anything a person
    typed (search terms, a break-glass explanation) goes in `detail`, which the
    administrators' audit page never shows."""
    event = AuditEvent(
        user_id=user.id if user else None,
        username=(user.username if user else username),
        agency_id=user.agency_id if user else None,
        role=user.role.value if user else None,
        action=action,
        outcome=outcome,
        person_id=person_id,
        record_type=record_type,
        record_id=None if record_id is None else str(record_id)[:64],
        reason=reason[:500] if reason else None,
        detail=detail[:500] if detail else None,
        client_address=client_address(),
    )
    if not session.in_transaction():
        session.begin()  # so that a rollback, which forgets the event, is seen even before any SQL ran
    session.info.setdefault(_PENDING, []).append(event)
    return event


@sa_event.listens_for(OrmSession, "before_commit")
def _seal_pending_events(session: OrmSession) -> None:
    """At commit, chain the transaction's events (in the order recorded) and add them."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    audit_chain.seal(session.connection(), pending)
    session.add_all(pending)


@sa_event.listens_for(OrmSession, "after_soft_rollback")
def _forget_pending_events(session: OrmSession, _previous_transaction) -> None:
    """A rolled-back change leaves no audit event, as it leaves no change."""
    session.info.pop(_PENDING, None)
