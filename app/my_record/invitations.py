"""Invitation codes: how a person (or a carer the person nominated) first gets into their own pages.

A key worker or the single point of access makes a code for the person; the person makes one for
their carer. The code is shown once (only its SHA-256 is kept), works once, and only until it
expires or is cancelled. It is written down on the person's copy of the plan or read out on the phone."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Optional

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.trust import audit
from models import Person, PersonAccount, PersonInvitation, User
from models.person_account import CARER, PERSON

VALID_DAYS = 14
CARER_NAME_MAX = 120
# Letters and digits that cannot be mistaken for each other when read out on the phone.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12


@dataclass(frozen=True)
class Invite:
    """Invite the person, or (kind CARER, named) a carer, to the person's own pages."""

    kind: str
    carer_name: str = ""
    shares_assessment: bool = False


@dataclass(frozen=True)
class Made:
    invitation: PersonInvitation
    code: str  # shown this once


def digest(code: str) -> str:
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def grouped(code: str) -> str:
    """The code in fours, to read out or write down: ABCD-EFGH-JKLM."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def check(command: Invite) -> dict[str, str]:
    errors: dict[str, str] = {}
    if command.kind not in (PERSON, CARER):
        errors["kind"] = "Select who the invitation is for"
    if command.kind == CARER:
        name = command.carer_name.strip()
        if not name:
            errors["carer_name"] = "Enter your carer's name"
        elif len(name) > CARER_NAME_MAX:
            errors["carer_name"] = f"Carer's name must be {CARER_NAME_MAX} characters or fewer"
    return errors


def invite(
    session: Session,
    person: Person,
    command: Invite,
    *,
    by: Optional[User] = None,
    by_account: Optional[PersonAccount] = None,
    now: Optional[datetime] = None,
) -> Made:
    """A new code for the person or their carer, valid for VALID_DAYS. Inviting the person again
    cancels their unused codes. Audited; the caller commits."""
    now = now or datetime.now(UTC)
    assert person.id is not None
    if command.kind == PERSON:
        session.execute(
            update(PersonInvitation)
            .where(
                col(PersonInvitation.person_id) == person.id,
                col(PersonInvitation.kind) == PERSON,
                col(PersonInvitation.used_at).is_(None),
                col(PersonInvitation.cancelled_at).is_(None),
            )
            .values(cancelled_at=now)
        )
    code = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
    row = PersonInvitation(
        person_id=person.id,
        kind=command.kind,
        code_hash=digest(code),
        carer_name=command.carer_name.strip() or None if command.kind == CARER else None,
        shares_assessment=command.shares_assessment if command.kind == CARER else False,
        created_by_id=by.id if by else None,
        created_by_account_id=by_account.id if by_account else None,
        created_at=now,
        expires_at=now + timedelta(days=VALID_DAYS),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        "invite_person" if command.kind == PERSON else "invite_carer",
        user=by,
        username=by_account.username if by_account else None,
        role=by_account.kind if by_account else None,
        person_id=person.id,
        record_type="person_invitation",
        record_id=row.id,
    )
    return Made(row, code)


def usable(session: Session, code: str, now: Optional[datetime] = None) -> Optional[PersonInvitation]:
    """The invitation this code opens, if it is unused, not cancelled and not expired."""
    now = now or datetime.now(UTC)
    if not code or len(code) > 40:
        return None
    row = session.exec(select(PersonInvitation).where(PersonInvitation.code_hash == digest(code))).first()
    if row is None or row.used_at is not None or row.cancelled_at is not None or _aware(row.expires_at) <= now:
        return None
    return row


def for_person(session: Session, person_id: int) -> list[PersonInvitation]:
    return list(
        session.exec(
            select(PersonInvitation).where(PersonInvitation.person_id == person_id).order_by(col(PersonInvitation.created_at).desc())
        )
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
