"""Break-glass access: a reason from a list and in the user's own words buys a short read of
a record outside the access rules; every use is audited and a network lead reviews it."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Optional, cast

from sqlalchemy import CursorResult, and_, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app import checks
from app.trust import access, audit
from app.versioned import SaveResult
from models import AccessGrant, Agency, AuditEvent, Person, User

REASON_TEXT_MIN = 10
REASON_TEXT_MAX = 500
REVIEW_NOTE_MAX = 500
REVIEWS_SHOWN = 100
ALREADY_OPEN = "You can already open this record: it needs no break-glass access."


@dataclass(frozen=True)
class BreakGlass:
    """Why the user needs to open a record outside the rules: a reason from the list
    (access.BREAK_GLASS_REASONS) and an explanation in their own words."""

    reason_code: str
    reason_text: Optional[str]


def check(command: BreakGlass) -> dict[str, str]:
    """Both a reason from the list and an explanation of 10 to 500 characters are required."""
    errors: dict[str, str] = {}
    if command.reason_code not in access.BREAK_GLASS_REASONS:
        errors["reason_code"] = "Select why you need to see this record"
    text = command.reason_text
    message = checks.text_problem(text, "why you need to see this record now", max_length=REASON_TEXT_MAX, required=True)
    if message is None and text is not None and len(text) < REASON_TEXT_MIN:
        message = f"Explain why you need to see this record now, in {REASON_TEXT_MIN} characters or more"
    if message:
        errors["reason_text"] = message
    return errors


def grant(
    session: Session, user: User, person: Person, command: BreakGlass, minutes: int, now: Optional[datetime] = None
) -> SaveResult[AccessGrant]:
    """Open the record to this user for `minutes`, for a stated reason, audited with it. Only someone
    refused who may break glass can (AccessRefused for anyone who may never; refused if the record is
    open to them already)."""
    if access.break_glass_candidate(session, user, person).allowed:
        return SaveResult(refused=ALREADY_OPEN)
    errors = check(command)
    if errors:
        return SaveResult(errors=errors)
    assert user.id is not None and person.id is not None  # saved rows
    assert command.reason_text is not None  # check() requires it
    now = now or datetime.now(UTC)
    row = AccessGrant(
        user_id=user.id,
        agency_id=user.agency_id,
        person_id=person.id,
        reason_code=command.reason_code,
        reason_text=command.reason_text,
        granted_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        "break_glass",
        user=user,
        person_id=person.id,
        record_type="access_grant",
        record_id=row.id,
        reason=f"{access.BREAK_GLASS}: {access.BREAK_GLASS_REASONS[row.reason_code]}",
        detail=row.reason_text,
    )
    return SaveResult(item=row)


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
    """Break-glass grants for people in the lead's network (but none who objected to the lead's agency), waiting for review (oldest first)
    or reviewed (newest first), with how many pages each grant was used to view (one query)."""
    practice = aliased(Agency)
    reviewer = aliased(User)
    views = (
        select(func.count(col(AuditEvent.id)))
        .where(AuditEvent.user_id == AccessGrant.user_id)
        .where(AuditEvent.person_id == AccessGrant.person_id)
        .where(and_(col(AuditEvent.at) >= AccessGrant.granted_at, col(AuditEvent.at) <= AccessGrant.expires_at))
        .where(col(AuditEvent.reason).startswith(access.BREAK_GLASS + ":"))
        .where(AuditEvent.action != "break_glass")
        .correlate(AccessGrant)
        .scalar_subquery()
    )
    query = (
        sa_select(AccessGrant, User, Agency, Person, reviewer, views)  # sqlmodel's select is typed for four entities at most
        .join(User, col(User.id) == AccessGrant.user_id)
        .join(Agency, col(Agency.id) == AccessGrant.agency_id)
        .join(Person, col(Person.id) == AccessGrant.person_id)
        .join(practice, col(practice.id) == Person.gp_practice_id)
        .outerjoin(reviewer, col(reviewer.id) == AccessGrant.reviewed_by_id)
        .where(col(practice.network_id) == lead.network_id)
        .where(access.not_objected(lead.agency_id, AccessGrant.person_id))
    )
    if reviewed:
        query = query.where(col(AccessGrant.reviewed_at).is_not(None)).order_by(col(AccessGrant.reviewed_at).desc())
    else:
        query = query.where(col(AccessGrant.reviewed_at).is_(None)).order_by(col(AccessGrant.granted_at))
    return [Review(*row) for row in session.execute(query.limit(limit)).all()]


NOT_IN_YOUR_NETWORK = "There is no break-glass access with that number in your network."


def grant_for_review(session: Session, lead: User, grant_id: int) -> Optional[AccessGrant]:
    """A grant the lead may review: one for a person in the lead's network (None for any other)."""
    row = session.get(AccessGrant, grant_id)
    if row is None:
        return None
    person = session.get(Person, row.person_id)
    if person is None or lead.network_id is None or access.person_network_id(session, person) != lead.network_id:
        return None
    if lead.agency_id in access.objected_agency_ids(session, row.person_id):
        return None
    return row


@dataclass(frozen=True)
class ReviewBreakGlass:
    """A network lead marks one break-glass access as reviewed: whether it was appropriate (required),
    and a note (optional when it was, required when it was not)."""

    grant_id: int
    appropriate: Optional[bool]
    note: Optional[str]


APPROPRIATE_LABELS = {True: "Appropriate", False: "Not appropriate"}


def outcome_label(appropriate: Optional[bool]) -> str:
    """The review's outcome in words ("Not recorded" for reviews made before the outcome was asked)."""
    return "Not recorded" if appropriate is None else APPROPRIATE_LABELS[appropriate]


def check_review(command: ReviewBreakGlass) -> dict[str, str]:
    """A choice of appropriate or not; a note of up to 500 characters, required when not appropriate."""
    errors: dict[str, str] = {}
    if command.appropriate is None:
        errors["appropriate"] = "Select whether the access was appropriate"
    message = checks.text_problem(command.note, "the review note", max_length=REVIEW_NOTE_MAX)
    if message is None and command.appropriate is False and not command.note:
        message = "Enter why the access was not appropriate"
    if message:
        errors["note"] = message
    return errors


ALREADY_REVIEWED = "Someone else had already reviewed that break-glass access."


def review(session: Session, command: ReviewBreakGlass, lead: User, now: Optional[datetime] = None) -> SaveResult[AccessGrant]:
    """Record the lead's review of a grant in their network, once: if someone reviewed it first,
    theirs stands and this one is refused. Audited; the caller commits."""
    row = grant_for_review(session, lead, command.grant_id)
    if row is None:
        return SaveResult(forbidden=NOT_IN_YOUR_NETWORK)
    errors = check_review(command)
    if errors:
        return SaveResult(errors=errors)
    now = now or datetime.now(UTC)
    result = cast(
        CursorResult[Any],
        session.execute(
            update(AccessGrant)
            .where(col(AccessGrant.id) == row.id)
            .where(col(AccessGrant.reviewed_at).is_(None))
            .values(reviewed_at=now, reviewed_by_id=lead.id, review_note=command.note, review_appropriate=command.appropriate)
        ),
    )
    if result.rowcount != 1:
        return SaveResult(refused=ALREADY_REVIEWED)
    session.refresh(row)  # the UPDATE went around the loaded row
    audit.record(
        session,
        "review_break_glass",
        user=lead,
        person_id=row.person_id,
        record_type="access_grant",
        record_id=row.id,
        reason=f"Reviewed: {outcome_label(command.appropriate).lower()}",
        detail=command.note,
    )
    return SaveResult(item=row)
