"""Bearer tokens for the FHIR API: issued to one user, shown once, stored only as a SHA-256."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Optional

from sqlmodel import Session, select

from app.trust import audit
from app.trust.accounts import accepts_credentials
from models import ApiToken, User

LABEL_MAX = 80


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def label_problem(label: str) -> Optional[str]:
    """A token is labelled with what it is for (the sending system's name), in 1 to 80 characters."""
    return None if 0 < len(label.strip()) <= LABEL_MAX else f"Give a label of 1 to {LABEL_MAX} characters."


def issue(session: Session, user: User, label: str, days: Optional[int] = 90, now: Optional[datetime] = None) -> str:
    """A new token for `user`; the caller shows it once (only its hash is kept) and commits."""
    now = now or datetime.now(UTC)
    token = "op_" + secrets.token_urlsafe(32)
    assert user.id is not None  # a saved user
    session.add(
        ApiToken(
            user_id=user.id, token_hash=_digest(token), label=label, created_at=now, expires_at=now + timedelta(days=days) if days else None
        )
    )
    audit.record(session, "issue_api_token", user=user, detail=label)
    return token


def user_for(session: Session, token: str, now: Optional[datetime] = None) -> Optional[User]:
    """The user a current token belongs to, or None (unknown, revoked, expired, or its account
    deactivated or locked)."""
    if not token or len(token) > 200:
        return None
    now = now or datetime.now(UTC)
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == _digest(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and _aware(row.expires_at) <= now:
        return None
    user = session.get(User, row.user_id)
    return user if accepts_credentials(user) else None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
