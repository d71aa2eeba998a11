"""Break-glass access: a reason from a list and in the user's own words buys a short read of
a record outside the access rules; every use is audited and a network lead reviews it."""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional

from sqlalchemy import and_, func, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from app.trust import access
from app.trust import audit
from app.web import fields
from models import AccessGrant, Agency, AuditEvent, Person, User

REASON_TEXT_MAX = 500
REVIEW_NOTE_MAX = 500
REVIEWS_SHOWN = 100


def validate(form) -> tuple[dict, dict]:
    """Both a reason from the list and an explanation in the user's words are required."""
    errors: dict[str, str] = {}
    code = form.get("reason_code") or ""
    if code not in access.BREAK_GLASS_REASONS:
        errors["reason_code"] = "Select why you need to see this record"
    text = fields.text(form, "reason_text", "why you need to see this record now", errors, required=True,
                       max_length=REASON_TEXT_MAX)
    if text and "reason_text" not in errors and len(text) < 10:
        errors["reason_text"] = "Explain why you need to see this record now, in 10 characters or more"
    return {"reason_code": code, "reason_text": text}, errors


def grant(session: Session, user: User, person: Person, clean: dict, minutes: int, now: Optional[datetime] = None) -> AccessGrant:
    """Open the record to this user for `minutes`, audited with the reason; the caller commits."""
    now = now or datetime.now(timezone.utc)
    row = AccessGrant(user_id=user.id, agency_id=user.agency_id, person_id=person.id, reason_code=clean["reason_code"],
                      reason_text=clean["reason_text"], granted_at=now, expires_at=now + timedelta(minutes=minutes))
    session.add(row)
    session.flush()
    audit.record(session, "break_glass", user=user, person_id=person.id, record_type="access_grant", record_id=row.id,
                 reason=f"{access.BREAK_GLASS}: {access.BREAK_GLASS_REASONS[row.reason_code]}", detail=row.reason_text)
    return row


@dataclass
class Review:
    grant: AccessGrant
    user: User
    agency: Agency
    person: Person
    reviewer: Optional[User]
    pages_viewed: int

    @property
    def reason(self) -> str:
        return access.BREAK_GLASS_REASONS.get(self.grant.reason_code, self.grant.reason_code)


def reviews(session: Session, lead: User, reviewed: bool = False, limit: int = REVIEWS_SHOWN) -> list[Review]:
    """Break-glass grants for people in the lead's network, waiting for review (oldest first)
    or reviewed (newest first), with how many pages each grant was used to view (one query)."""
    practice = aliased(Agency)
    reviewer = aliased(User)
    views = (
        select(func.count(AuditEvent.id))
        .where(AuditEvent.user_id == AccessGrant.user_id)
        .where(AuditEvent.person_id == AccessGrant.person_id)
        .where(and_(AuditEvent.at >= AccessGrant.granted_at, AuditEvent.at <= AccessGrant.expires_at))
        .where(AuditEvent.reason.startswith(access.BREAK_GLASS + ":"))  # type: ignore[union-attr]
        .where(AuditEvent.action != "break_glass")
        .correlate(AccessGrant)
        .scalar_subquery()
    )
    query = (
        select(AccessGrant, User, Agency, Person, reviewer, views)
        .join(User, User.id == AccessGrant.user_id)
        .join(Agency, Agency.id == AccessGrant.agency_id)
        .join(Person, Person.id == AccessGrant.person_id)
        .join(practice, practice.id == Person.gp_practice_id)
        .outerjoin(reviewer, reviewer.id == AccessGrant.reviewed_by_id)
        .where(practice.network_id == lead.network_id)
    )
    if reviewed:
        query = query.where(AccessGrant.reviewed_at.is_not(None)).order_by(AccessGrant.reviewed_at.desc())  # type: ignore[union-attr]
    else:
        query = query.where(AccessGrant.reviewed_at.is_(None)).order_by(AccessGrant.granted_at)  # type: ignore[union-attr]
    return [Review(*row) for row in session.exec(query.limit(limit)).all()]


def grant_for_review(session: Session, lead: User, grant_id: int) -> Optional[AccessGrant]:
    """A grant the lead may review: one for a person in the lead's network."""
    row = session.get(AccessGrant, grant_id)
    if row is None:
        return None
    person = session.get(Person, row.person_id)
    if person is None or lead.network_id is None or access.person_network_id(session, person) != lead.network_id:
        return None
    return row


def mark_reviewed(session: Session, row: AccessGrant, lead: User, note: Optional[str], now: Optional[datetime] = None) -> bool:
    """Record the lead's review (once: False if someone reviewed it first), audited; commits."""
    now = now or datetime.now(timezone.utc)
    result = session.exec(
        update(AccessGrant).where(AccessGrant.id == row.id).where(AccessGrant.reviewed_at.is_(None))  # type: ignore[union-attr]
        .values(reviewed_at=now, reviewed_by_id=lead.id, review_note=note)
    )  # type: ignore[call-overload]
    if result.rowcount != 1:
        session.rollback()
        return False
    audit.record(session, "review_break_glass", user=lead, person_id=row.person_id, record_type="access_grant", record_id=row.id,
                 detail=note)
    session.commit()
    return True
