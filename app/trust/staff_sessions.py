"""Signed-in sessions kept on the server: the cookie carries only a random id, so a session
ends for good at sign-out, after idle time, a fixed time after sign-in however busy, or when an
administrator locks the account, even if someone kept a copy of the cookie. A new id is issued
at every sign-in."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Optional

from sqlalchemy import bindparam, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from app.trust.accounts import accepts_credentials
from models import HubNetwork, StaffSession, User

# last_seen_at is written at most this often, so reading a page rarely costs a write.
TOUCH_EVERY = timedelta(seconds=60)
ABSOLUTE_HOURS = 12
_TOUCH = "oneplan_staff_session_seen"  # session.info key: (staff session id, when), written at commit
_CURRENT = "oneplan_staff_session"  # session.info key: the session row user_for found live


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(session: Session, user: User, now: Optional[datetime] = None) -> str:
    """A new session for `user`; the caller puts the returned id in the cookie and commits."""
    now = now or datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    assert user.id is not None  # a saved user
    session.add(StaffSession(token_hash=_digest(token), user_id=user.id, started_at=now, last_seen_at=now))
    return token


AGENCY_IS_HUB = "oneplan_agency_is_hub"  # session.info: (user id, whether their agency is a hub), this request


ALSO_READ = "oneplan_staff_session_also"  # session.info: (user id, the value of `also`), this request


@lru_cache(maxsize=4)
def _session_statement(also: Any = None) -> Any:
    """The signed-in session and its user, built once (every request asks it). With them, whether the
    user's agency serves networks as a specialist hub, so the header's "Hub caseload" link costs no
    query of its own (app/trust/access.py works_for_hub), and `also`, a value about the user (a
    scalar subquery on user_account) the caller wants read in the same statement."""
    serves_as_hub = select(HubNetwork.id).where(HubNetwork.hub_agency_id == User.agency_id).exists()
    return (
        select(StaffSession, User, serves_as_hub, *([also] if also is not None else []))
        .join(User, col(User.id) == StaffSession.user_id)
        .where(StaffSession.token_hash == bindparam("token_hash"))
    )


def user_for(
    session: Session,
    token: Optional[str],
    idle_minutes: int,
    now: Optional[datetime] = None,
    *,
    absolute_hours: int = ABSOLUTE_HOURS,
    also: Any = None,
) -> Optional[User]:
    """The active user whose live session this is, or None (unknown, ended, idle, older than
    `absolute_hours`, or inactive account). An idle or expired session is ended; a live one is
    marked seen (at most once a minute), by the caller's commit. `also` (a scalar subquery on
    user_account, the same object every time) is read with them, into session.info[ALSO_READ]."""
    if not token or len(token) > 100:
        return None
    now = now or datetime.now(UTC)
    row = session.exec(_session_statement(also), params={"token_hash": _digest(token)}).first()
    if row is None:
        return None
    staff_session, user, hub = row[:3]
    session.info[AGENCY_IS_HUB] = (user.id, bool(hub))
    if also is not None:
        session.info[ALSO_READ] = (user.id, row[3])
    if staff_session.ended_at is not None:
        return None
    seen = _aware(staff_session.last_seen_at)
    if now - seen > timedelta(minutes=idle_minutes):
        _end(session, [StaffSession.id == staff_session.id], "idle", now)
        return None
    if now - _aware(staff_session.started_at) > timedelta(hours=absolute_hours):
        _end(session, [StaffSession.id == staff_session.id], "lifetime", now)
        return None
    if not accepts_credentials(user):
        return None
    if now - seen > TOUCH_EVERY:
        session.info[_TOUCH] = (staff_session.id, now)
    session.info[_CURRENT] = staff_session
    return user


def current(session: Session) -> Optional[StaffSession]:
    """The live session `user_for` found for this request (no further query), or None."""
    return session.info.get(_CURRENT)


def end(session: Session, token: Optional[str], because: str, now: Optional[datetime] = None) -> None:
    """End one session (sign-out); the caller commits."""
    if token and len(token) <= 100:
        _end(session, [StaffSession.token_hash == _digest(token)], because, now)


def end_all(session: Session, user_id: int, because: str, now: Optional[datetime] = None) -> None:
    """End every live session of a user (their account was locked or deactivated); the caller commits."""
    _end(session, [StaffSession.user_id == user_id], because, now)


def end_others(session: Session, user_id: int, token: Optional[str], because: str, now: Optional[datetime] = None) -> None:
    """End every live session of a user but this one (they changed their password here); the caller commits."""
    keep = _digest(token) if token else ""
    _end(session, [StaffSession.user_id == user_id, StaffSession.token_hash != keep], because, now)


def _end(session: Session, where: list, because: str, now: Optional[datetime]) -> None:
    session.execute(
        update(StaffSession)
        .where(*where)
        .where(col(StaffSession.ended_at).is_(None))
        .values(ended_at=now or datetime.now(UTC), ended_because=because)
    )


@sa_event.listens_for(OrmSession, "before_commit")
def _write_last_seen(session: OrmSession) -> None:
    """Mark the session seen as part of the request's own commit (a refused request's too, after its
    rollback): a page that only reads takes the database's write lock at its end, with its audit
    events, not from its first query."""
    if session.get_nested_transaction() is not None:
        return
    touch = session.info.pop(_TOUCH, None)
    if touch is not None:
        staff_session_id, now = touch
        session.execute(update(StaffSession).where(StaffSession.id == staff_session_id).values(last_seen_at=now))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
