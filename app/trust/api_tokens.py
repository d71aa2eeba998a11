"""Bearer tokens for the FHIR API: issued to one user, shown once, stored only as a SHA-256."""
import hashlib
import secrets
from datetime import datetime, timedelta, timezone
from typing import Optional

import click
from flask.cli import with_appcontext
from sqlmodel import Session, select

from app.trust import audit
from app.db import get_session
from models import ApiToken, User


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(session: Session, user: User, label: str, days: Optional[int] = 90, now: Optional[datetime] = None) -> str:
    """A new token for `user`; the caller shows it once (only its hash is kept) and commits."""
    now = now or datetime.now(timezone.utc)
    token = "op_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_digest(token), label=label, created_at=now,
                         expires_at=now + timedelta(days=days) if days else None))
    audit.record(session, "issue_api_token", user=user, detail=label)
    return token


def user_for(session: Session, token: str, now: Optional[datetime] = None) -> Optional[User]:
    """The active user a current token belongs to, or None (unknown, revoked, expired or inactive)."""
    if not token or len(token) > 200:
        return None
    now = now or datetime.now(timezone.utc)
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == _digest(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and _aware(row.expires_at) <= now:
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.is_active else None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@click.command("issue-token")
@click.argument("username")
@click.option("--label", required=True, help="What the token is for, e.g. the sending system's name.")
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 3650), help="Days until it expires.")
@with_appcontext
def issue_token_command(username: str, label: str, days: int) -> None:
    """Issue a FHIR API bearer token to USERNAME and print it (it is shown only this once)."""
    session = get_session()
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.is_active:
        raise click.ClickException(f"No active user is called {username!r}.")
    label = label.strip()
    if not label or len(label) > 80:
        raise click.ClickException("Give a label of 1 to 80 characters.")
    token = issue(session, user, label, days)
    session.commit()
    click.echo(token)
    click.echo(f"Bearer token for {username} ({label}), valid for {days} days. It is not stored and cannot be shown again.", err=True)
