"""Who a person (or their carer) is, when they sign in to their own pages: one small interface.

`IdentityProvider` is all the rest of app/my_record asks of identity: turn what someone brings
(here an invitation code, then a username and password) into the `PersonAccount` it belongs to.
`InvitationIdentity` is OnePlan's own provider. NHS login (OpenID Connect) would be a second
provider with the same two methods: `enrol` links the `sub` claim of a verified NHS login ID token
to the person whose invitation code (or NHS number, at P9 identity level) matches, and
`authenticate` finds the account by that `sub` (see the README, "People's own pages").

Sessions are kept on the server as staff sessions are: the cookie carries a random id only."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Optional, Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from app.db import insert_once
from app.my_record import invitations
from app.trust import accounts, audit, passwords, second_factor
from app.versioned import SaveResult
from models import AuditOutcome, Person, PersonAccount, PersonInvitation, PersonSession
from models.person_account import PERSON

USERNAME_MAX = 64
LOCK_AFTER = 10
BAD_CODE = "The invitation code is not right, has been used, or has expired. Check it, or ask your key worker for a new one"
GENERIC_FAILURE = "The username or password is not right. Check them and try again."
LOCKED = "Your account is locked because of too many failed sign-in attempts. Ask your key worker to help you."
USERNAME_TAKEN = "That username is already taken. Choose another"


@dataclass(frozen=True)
class Enrol:
    """Take up an invitation: the code, and the username and password the person chooses."""

    code: str
    username: str
    password: str
    confirm_password: str
    full_name: str = ""  # a carer's name as they want it shown; a person's own is their record's

    @property
    def login_name(self) -> str:
        return self.username.strip().lower()


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


class IdentityProvider(Protocol):
    """What the person's pages need of identity: swap the implementation, keep the pages."""

    def enrol(self, session: Session, command: Enrol) -> SaveResult[PersonAccount]: ...

    def authenticate(self, session: Session, command: Credentials) -> SaveResult[PersonAccount]: ...


class InvitationIdentity:
    """An invitation code from the key worker, then a username and a password under the same
    password rule as staff (app/trust/passwords.py), hashed with the same Argon2 hasher."""

    def __init__(self, hasher: PasswordHasher):
        self.hasher = hasher

    def check(self, session: Session, command: Enrol) -> dict[str, str]:
        errors: dict[str, str] = {}
        if invitations.usable(session, command.code) is None:
            errors["code"] = BAD_CODE if command.code.strip() else "Enter the invitation code from your key worker"
        username = command.login_name
        if not username:
            errors["username"] = "Choose a username"
        elif len(username) > USERNAME_MAX:
            errors["username"] = f"Username must be {USERNAME_MAX} characters or fewer"
        elif not all(c.isascii() and (c.isalnum() or c in "._-") for c in username):
            errors["username"] = "Username must only include letters, numbers, full stops, hyphens and underscores"
        elif session.exec(select(PersonAccount.id).where(PersonAccount.username == username)).first() is not None:
            errors["username"] = USERNAME_TAKEN
        problem = passwords.problem(command.password, username) if command.password else "Choose a password"
        if problem:
            errors["password"] = problem
        elif command.confirm_password != command.password:
            errors["confirm_password"] = passwords.NOT_THE_SAME
        if len(command.full_name.strip()) > 120:
            errors["full_name"] = "Your name must be 120 characters or fewer"
        return errors

    def enrol(self, session: Session, command: Enrol) -> SaveResult[PersonAccount]:
        """Make the account the invitation is for, and spend the invitation (once, however many
        try it at once). Audited; the caller commits."""
        errors = self.check(session, command)
        if errors:
            return SaveResult(errors=errors)
        invitation = invitations.usable(session, command.code)
        assert invitation is not None and invitation.id is not None
        now = datetime.now(UTC)
        spent = session.execute(
            update(PersonInvitation)
            .where(col(PersonInvitation.id) == invitation.id, col(PersonInvitation.used_at).is_(None))
            .values(used_at=now)
            .returning(col(PersonInvitation.id))
        ).first()
        if spent is None:
            return SaveResult(errors={"code": BAD_CODE})
        person = session.get(Person, invitation.person_id)
        assert person is not None
        full_name = person.full_name if invitation.kind == PERSON else (command.full_name.strip() or invitation.carer_name or "Carer")
        values = {
            "person_id": person.id,
            "kind": invitation.kind,
            "username": command.login_name,
            "password_hash": self.hasher.hash(command.password),
            "full_name": full_name,
            "shares_assessment": invitation.shares_assessment,
            "invitation_id": invitation.id,
            "failed_sign_ins": 0,
            "seen_plan_version": 0,
            "created_at": now,
        }
        account_id = insert_once(session, PersonAccount, values, unique=["username"])
        if account_id is None:
            return SaveResult(errors={"username": USERNAME_TAKEN})
        account = session.get(PersonAccount, account_id)
        assert account is not None
        audit.record(
            session,
            "create_person_account",
            username=account.username,
            role=account.kind,
            person_id=person.id,
            record_type="person_account",
            record_id=account.id,
        )
        return SaveResult(item=account)

    def authenticate(self, session: Session, command: Credentials) -> SaveResult[PersonAccount]:
        """A username and password. Wrong passwords in a row lock the account; a carer whose access
        was withdrawn cannot sign in. Every try is audited; the caller commits either way."""
        username = command.username.strip().lower()[:USERNAME_MAX]
        account = session.exec(select(PersonAccount).where(PersonAccount.username == username)).first()
        if account is None or account.withdrawn_at is not None:
            _check_nothing(self.hasher, command.password)
            audit.record(session, "person_sign_in", username=username, outcome=AuditOutcome.refused, reason="unknown or withdrawn account")
            return SaveResult(errors={"username": GENERIC_FAILURE})
        if account.locked_at is not None:
            audit.record(
                session, "person_sign_in", username=username, role=account.kind, outcome=AuditOutcome.refused, reason="account locked"
            )
            return SaveResult(errors={"username": LOCKED})
        try:
            self.hasher.verify(account.password_hash, command.password or "")
        except (VerificationError, InvalidHashError):
            tries = session.execute(
                update(PersonAccount)
                .where(col(PersonAccount.id) == account.id)
                .values(failed_sign_ins=col(PersonAccount.failed_sign_ins) + 1)
                .returning(col(PersonAccount.failed_sign_ins))
            ).scalar_one()
            if tries >= LOCK_AFTER:
                session.execute(update(PersonAccount).where(col(PersonAccount.id) == account.id).values(locked_at=datetime.now(UTC)))
            audit.record(
                session,
                "person_sign_in",
                username=username,
                role=account.kind,
                person_id=account.person_id,
                outcome=AuditOutcome.refused,
                reason=f"wrong password (failure {tries} in a row)",
            )
            return SaveResult(errors={"username": LOCKED if tries >= LOCK_AFTER else GENERIC_FAILURE})
        session.execute(update(PersonAccount).where(col(PersonAccount.id) == account.id).values(failed_sign_ins=0))
        audit.record(session, "person_sign_in", username=username, role=account.kind, person_id=account.person_id)
        return SaveResult(item=account)


def _check_nothing(hasher: PasswordHasher, password: str) -> None:
    """The work of one password check where there is no account to check: every try costs the same."""
    accounts._check_nothing(hasher, password)


# --- Sessions ------------------------------------------------------------------------------------

ABSOLUTE_HOURS = 12


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(session: Session, account: PersonAccount, now: Optional[datetime] = None) -> str:
    now = now or datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    assert account.id is not None
    session.add(PersonSession(token_hash=_digest(token), account_id=account.id, started_at=now, last_seen_at=now))
    return token


def account_for(session: Session, token: Optional[str], idle_minutes: int, now: Optional[datetime] = None) -> Optional[PersonAccount]:
    """The account whose live session this is: not ended, idle, too old, locked or withdrawn (a carer's
    session ends the moment the person withdraws their access)."""
    if not token or len(token) > 100:
        return None
    now = now or datetime.now(UTC)
    row = session.exec(
        select(PersonSession, PersonAccount)
        .join(PersonAccount, col(PersonAccount.id) == PersonSession.account_id)
        .where(PersonSession.token_hash == _digest(token))
    ).first()
    if row is None:
        return None
    person_session, account = row
    if person_session.ended_at is not None or account.locked_at is not None or account.withdrawn_at is not None:
        return None
    if now - _aware(person_session.last_seen_at) > timedelta(minutes=idle_minutes) or now - _aware(person_session.started_at) > timedelta(
        hours=ABSOLUTE_HOURS
    ):
        end(session, token, now)
        return None
    if now - _aware(person_session.last_seen_at) > timedelta(seconds=60):
        person_session.last_seen_at = now
        session.add(person_session)
    session.info[_CURRENT] = person_session
    return account


_CURRENT = "oneplan_person_session"  # session.info key: the live session row account_for found


def current(session: Session) -> Optional[PersonSession]:
    """The live session `account_for` found for this request, or None."""
    return session.info.get(_CURRENT)


def end(session: Session, token: Optional[str], now: Optional[datetime] = None) -> None:
    if token and len(token) <= 100:
        session.execute(
            update(PersonSession)
            .where(col(PersonSession.token_hash) == _digest(token), col(PersonSession.ended_at).is_(None))
            .values(ended_at=now or datetime.now(UTC))
        )


def end_all(session: Session, account_id: int, now: Optional[datetime] = None) -> None:
    session.execute(
        update(PersonSession)
        .where(col(PersonSession.account_id) == account_id, col(PersonSession.ended_at).is_(None))
        .values(ended_at=now or datetime.now(UTC))
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- The second factor, where staff have one -----------------------------------------------------
# The same authenticator codes and the same rules as staff (app/trust/second_factor.py): set up once,
# asked for at every sign-in after it, a code works once, wrong codes in a row lock the account.


def confirm_second_factor(
    session: Session,
    account: PersonAccount,
    person_session: Optional[PersonSession],
    secret: str,
    code: str,
    now: Optional[datetime] = None,
) -> SaveResult[PersonAccount]:
    now = now or datetime.now(UTC)
    if not (code or "").strip():
        return SaveResult(errors={"code": second_factor.ENTER_CODE})
    step = second_factor.code_step(secret, code, now, None)
    if step is None:
        return SaveResult(errors={"code": second_factor.WRONG_SET_UP_CODE})
    account.totp_secret, account.totp_confirmed_at, account.totp_last_step = secret, now, step
    session.add(account)
    _passed(session, person_session, now)
    audit.record(session, "set_up_second_factor", username=account.username, role=account.kind, person_id=account.person_id)
    return SaveResult(item=account)


def verify_second_factor(
    session: Session, account: PersonAccount, person_session: Optional[PersonSession], code: str, now: Optional[datetime] = None
) -> SaveResult[PersonAccount]:
    now = now or datetime.now(UTC)
    if not (code or "").strip():
        return SaveResult(errors={"code": second_factor.ENTER_CODE})
    assert account.totp_secret is not None and account.id is not None
    step = second_factor.code_step(account.totp_secret, code, now, account.totp_last_step)
    claimed = step is not None and (
        session.execute(
            update(PersonAccount)
            .where(
                col(PersonAccount.id) == account.id,
                or_(col(PersonAccount.totp_last_step).is_(None), col(PersonAccount.totp_last_step) < step),
            )
            .values(totp_last_step=step, failed_sign_ins=0)
            .returning(col(PersonAccount.id))
        ).first()
        is not None
    )
    if not claimed:
        failures = session.execute(
            update(PersonAccount)
            .where(col(PersonAccount.id) == account.id)
            .values(failed_sign_ins=col(PersonAccount.failed_sign_ins) + 1)
            .returning(col(PersonAccount.failed_sign_ins))
        ).scalar_one()
        audit.record(
            session,
            "second_factor",
            username=account.username,
            role=account.kind,
            person_id=account.person_id,
            outcome=AuditOutcome.refused,
            reason=f"wrong code (failure {failures} in a row)",
        )
        if failures >= LOCK_AFTER:
            session.execute(update(PersonAccount).where(col(PersonAccount.id) == account.id).values(locked_at=now))
            end_all(session, account.id, now)
            return SaveResult(refused=LOCKED)
        return SaveResult(errors={"code": second_factor.WRONG_CODE})
    _passed(session, person_session, now)
    audit.record(session, "second_factor", username=account.username, role=account.kind, person_id=account.person_id)
    return SaveResult(item=account)


def _passed(session: Session, person_session: Optional[PersonSession], now: datetime) -> None:
    if person_session is not None:
        person_session.second_factor_at = now
        session.add(person_session)


def step_owed(account: PersonAccount, person_session: Optional[PersonSession], *, required: bool) -> Optional[str]:
    """What the account still owes before its pages open: "second_factor" (its code, this session),
    "set_up_second_factor" (where staff must have one), or None."""
    if account.totp_confirmed_at is not None and (person_session is None or person_session.second_factor_at is None):
        return "second_factor"
    if account.totp_confirmed_at is None and required:
        return "set_up_second_factor"
    return None
