"""Inbox items: telling a member of staff (or every member of an agency) that something needs them.

Every item about a person goes only to those the access rules let be told about them
(app/trust/access.py): never to an agency the person has objected to, nor to its staff. An inbox
also leaves out items about someone who objected after they were sent."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Optional, cast

from sqlalchemy import ColumnElement, CursorResult, and_, bindparam, case, exists, or_, update
from sqlmodel import Session, col, select

from app import paging
from app.trust import access
from models import ConsentObjection, Notification, User


@dataclass(frozen=True)
class Link:
    """Where an inbox item leads: a page's endpoint and its arguments (`_anchor` for a place on the
    page). The web layer makes the address when the inbox is shown, so the domain never builds one."""

    endpoint: str
    args: dict[str, Any] = field(default_factory=dict)


def to_plan(person_id: int, anchor: Optional[str] = None) -> Link:
    return Link("care_plan.show", {"person_id": person_id, **({"_anchor": anchor} if anchor else {})})


def to_record(person_id: int) -> Link:
    return Link("care_plan.person", {"person_id": person_id})


def to_reviews() -> Link:
    """The worklist's list of care plans due for review."""
    return Link("work.worklist", {"_anchor": "reviews"})


def to_referral(referral_id: int) -> Link:
    return Link("front_door.referral", {"referral_id": referral_id})


def notify(
    session: Session,
    kind: str,
    message: str,
    *,
    user_id: Optional[int] = None,
    agency_id: Optional[int] = None,
    person_id: Optional[int] = None,
    link: Optional[Link] = None,
    topic: Optional[str] = None,
) -> Optional[Notification]:
    """Add an inbox item in the caller's transaction, unless the recipient may not be told about
    the person (then None)."""
    if not access.may_be_told(session, person_id, {(user_id, agency_id)}):
        return None
    item = Notification(
        kind=kind,
        topic=topic,
        message=message[:500],
        user_id=user_id,
        agency_id=agency_id,
        person_id=person_id,
        link_endpoint=link.endpoint if link else None,
        link_args=dict(link.args) if link else {},
    )
    session.add(item)
    return item


def notify_once(
    session: Session,
    kind: str,
    topic: str,
    recipients: set[tuple[Optional[int], Optional[int]]],
    message: str,
    *,
    person_id: Optional[int] = None,
    link: Optional[Link] = None,
) -> None:
    """One unread item per recipient (user id, or agency id for the whole agency) and topic: an unread
    one already there is brought to the top with the new message instead of being repeated. Recipients
    who may not be told about the person are left out."""
    recipients = access.may_be_told(session, person_id, recipients)
    if not recipients:
        return
    unread = session.exec(select(Notification).where(Notification.topic == topic).where(col(Notification.read_at).is_(None))).all()
    existing = {(n.user_id, None if n.user_id else n.agency_id): n for n in unread}
    now = datetime.now(UTC)
    for user_id, agency_id in sorted(recipients, key=lambda r: (r[0] or 0, r[1] or 0)):
        item = existing.get((user_id, agency_id))
        if item is None:
            item = Notification(
                kind=kind,
                topic=topic,
                user_id=user_id,
                agency_id=agency_id,
                person_id=person_id,
                message="",
                link_endpoint=link.endpoint if link else None,
                link_args=dict(link.args) if link else {},
            )
        item.message = message[:500]
        item.created_at = now
        session.add(item)


def _mine(user: User) -> ColumnElement[bool]:
    """Items for me or my whole agency, except any about a person who has objected to my agency."""
    return _for(user.id, user.agency_id)


def _for(user_id: Any, agency_id: Any) -> ColumnElement[bool]:
    """`_mine` for a user's id and their agency's: values, or parameters of a statement built once."""
    return and_(
        or_(col(Notification.user_id) == user_id, (col(Notification.user_id).is_(None)) & (col(Notification.agency_id) == agency_id)),
        access.not_objected(agency_id, Notification.person_id),
    )


# The header counts unread items up to one more than this and says "99+" past it: a busy agency's
# shared inbox held 19,600 unread items at 2.4 million people, and counting them all cost 2.6 ms on
# every page its staff opened, growing with the district.
UNREAD_MOST = 99


def _up_to_most(*where: Any, correlate: Any = None) -> Any:
    """How many notifications `where` finds, counted up to UNREAD_MOST + 1 (a scalar subquery;
    `correlate`: the outer table it refers to, if any)."""
    picked = select(col(Notification.id)).where(*where)
    return paging.count_up_to(picked.correlate(correlate) if correlate is not None else picked, UNREAD_MOST + 1)


def shown_count(count: int) -> str:
    """The unread count as the header says it: the number, or "99+" past UNREAD_MOST."""
    return str(count) if count <= UNREAD_MOST else f"{UNREAD_MOST}+"


@lru_cache(maxsize=1)
def _unread_statement() -> Any:
    """The unread count's statement, built once: the header asks for it on every page."""
    return select(_up_to_most(_for(bindparam("user_id"), bindparam("agency_id")), col(Notification.read_at).is_(None)))


@lru_cache(maxsize=1)
def signed_in_unread_count() -> Any:
    """The unread count of the user of the statement it is put in (a scalar subquery on user_account;
    each part counted up to UNREAD_MOST + 1, so a count past UNREAD_MOST is "99+", not exact):
    read with the signed-in session (app/trust/staff_sessions.py), a full page's header costs no query
    of its own. An agency that no person has objected to (most, at any time) needs no check of each
    item's person: its count is the user's items and the agency's, each a range of its index
    (ix_notification_user_unread, ix_notification_agency_unread); otherwise `_mine` item by item."""
    user_id, agency_id = col(User.id), col(User.agency_id)
    unread = col(Notification.read_at).is_(None)
    any_objection = (
        exists().where(col(ConsentObjection.agency_id) == agency_id, col(ConsentObjection.withdrawn_at).is_(None)).correlate(User)
    )
    item_by_item = _up_to_most(_for(user_id, agency_id), unread, correlate=User)
    users = _up_to_most(col(Notification.user_id) == user_id, unread, correlate=User)
    agencys = _up_to_most(col(Notification.user_id).is_(None), col(Notification.agency_id) == agency_id, unread, correlate=User)
    return case((any_objection, item_by_item), else_=users + agencys)


def unread_count(session: Session, user: User) -> int:
    return session.exec(_unread_statement(), params={"user_id": user.id, "agency_id": user.agency_id}).one()


def inbox(session: Session, user: User, limit: int = 100) -> list[Notification]:
    """Unread first, newest first."""
    return list(
        session.exec(
            select(Notification)
            .where(_mine(user))
            .order_by(col(Notification.read_at).is_not(None), col(Notification.created_at).desc(), col(Notification.id).desc())
            .limit(limit)
        )
    )


def mark_read(session: Session, user: User, notification_id: Optional[int] = None) -> int:
    """Mark one of my items read, or all of them; returns how many changed."""
    statement = update(Notification).where(_mine(user)).where(col(Notification.read_at).is_(None))
    if notification_id is not None:
        statement = statement.where(col(Notification.id) == notification_id)
    result = cast(CursorResult[Any], session.execute(statement.values(read_at=datetime.now(UTC))))
    return result.rowcount
