"""The audit trail: every view and every change of a person's data, and every refusal."""
from typing import Optional

from flask import has_request_context, request
from sqlmodel import Session

from models import AuditEvent, AuditOutcome, User


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
    """Add an audit event to the session's transaction (the caller commits it with the change)."""
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
    session.add(event)
    return event
