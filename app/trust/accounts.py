"""Staff accounts: password hashing, sign-in with its lock-out, and creating users."""

import contextlib
import functools
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Optional, TypeGuard

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import update
from sqlmodel import Session, col, select

from app import checks
from app.db import insert_once
from app.trust import attempt_counts, audit, passwords
from app.versioned import SaveResult
from models import Agency, AuditOutcome, Network, Profession, Role, User

USERNAME_MAX = 64
FULL_NAME_MAX = 120
USERNAME_TAKEN = "That username is already taken"
PASSWORD_MIN = checks.PASSWORD_MIN
PASSWORD_MAX = checks.PASSWORD_MAX


def password_hasher(cost: Optional[dict] = None) -> PasswordHasher:
    hasher = PasswordHasher(**(cost or {}))
    _dummy_hash(hasher)  # made now, once, so no sign-in spends the time of making it
    return hasher


def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash of no one's password, made with the hasher's own cost, to check a password against
    when there is no usable account's hash to check: so every sign-in costs one check."""
    return _dummy_hash_for(hasher.time_cost, hasher.memory_cost, hasher.parallelism, hasher.hash_len, hasher.salt_len, hasher.type)


@functools.cache
def _dummy_hash_for(time_cost: int, memory_cost: int, parallelism: int, hash_len: int, salt_len: int, kind: Type) -> str:
    return PasswordHasher(time_cost, memory_cost, parallelism, hash_len, salt_len, type=kind).hash(secrets.token_urlsafe(24))


@dataclass
class SignInResult:
    user: Optional[User]
    message: Optional[str] = None  # shown to the person signing in when user is None


GENERIC_FAILURE = "The username or password is not right. Check them and try again."
LOCKED = "Your account is locked because of too many failed sign-in attempts. Ask an administrator to unlock it."


def accepts_credentials(user: Optional[User]) -> TypeGuard[User]:
    """Whether any credential of this account may be used (its password, a web session, an API
    token): not for a deactivated or locked account, from the moment it is either."""
    return user is not None and user.is_active and user.locked_at is None


def sign_in(
    session: Session,
    username: str,
    password: str,
    *,
    hasher: PasswordHasher,
    lockout_failures: int = 10,
    now: Optional[datetime] = None,
) -> SignInResult:
    """Check a username and password. A try on an account is counted before its password is
    checked, in the database itself, so however many tries arrive at once no more than
    `lockout_failures` passwords in a row are checked: that many lock the account until an
    administrator unlocks it. Every failure is audited. The count and the audit events are the
    caller's to commit, whether the sign-in succeeded or not."""
    now = now or datetime.now(UTC)
    username = (username or "").strip().lower()[:USERNAME_MAX]
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.is_active:
        # A name with no usable account fails exactly as an account does, try for try: one
        # password check, the same message, and the lock-out message from the same try on.
        _check_nothing(hasher, password)
        failures = attempt_counts.add(session.connection(), _NAME_FAILURES + username, expires_at=None, now=now.timestamp())
        audit.record(session, "sign_in", username=username, outcome=AuditOutcome.refused, reason="unknown or inactive account")
        return SignInResult(None, LOCKED if failures >= lockout_failures else GENERIC_FAILURE)

    tries, locked_at = _count_try(session, user, now)
    if locked_at is not None or tries > lockout_failures:
        _check_nothing(hasher, password)
        audit.record(session, "sign_in", user=user, outcome=AuditOutcome.refused, reason="account locked")
        return SignInResult(None, LOCKED)

    try:
        hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        audit.record(session, "sign_in", user=user, outcome=AuditOutcome.refused, reason=f"wrong password (failure {tries} in a row)")
        if tries >= lockout_failures:
            _lock(session, user, tries, now)
            return SignInResult(None, LOCKED)
        return SignInResult(None, GENERIC_FAILURE)

    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    session.execute(update(User).where(col(User.id) == user.id).values(failed_sign_ins=0, last_failed_sign_in_at=None))
    audit.record(session, "sign_in", user=user)
    return SignInResult(user)


def _count_try(session: Session, user: User, now: datetime) -> tuple[int, Optional[datetime]]:
    """Count a try as a failure until its password proves right: failed_sign_ins + 1 in one UPDATE
    that returns the new count (never read, add one, write back, which loses counts when tries
    arrive together). Its row stays locked to this transaction, so tries on one account take turns."""
    tries, locked_at = session.execute(
        update(User)
        .where(col(User.id) == user.id)
        .values(failed_sign_ins=col(User.failed_sign_ins) + 1, last_failed_sign_in_at=now)
        .returning(col(User.failed_sign_ins), col(User.locked_at))
    ).one()
    return tries, locked_at


def _lock(session: Session, user: User, tries: int, now: datetime) -> None:
    """Lock the account, once: only the try that finds it unlocked records the lock."""
    locked = session.execute(
        update(User).where(col(User.id) == user.id, col(User.locked_at).is_(None)).values(locked_at=now).returning(col(User.id))
    ).first()
    if locked is not None:
        audit.record(
            session, "account_locked", user=user, record_type="user", record_id=user.id, reason=f"{tries} failed sign-ins in a row"
        )


_NAME_FAILURES = "sign-in-failures/"  # the shared count of failures for a name with no usable account


def _check_nothing(hasher: PasswordHasher, password: str) -> None:
    """The work of one password check, where no account's password is to be checked."""
    with contextlib.suppress(VerificationError):
        hasher.verify(_dummy_hash(hasher), password or "")


def unlock(session: Session, user: User, by: User) -> None:
    """An administrator lifts a lock-out: the failure count starts again. Audited; the caller commits."""
    user.locked_at = None
    user.failed_sign_ins = 0
    user.failed_second_factors = 0
    user.last_failed_sign_in_at = None
    session.add(user)
    audit.record(session, "unlock_account", user=by, record_type="user", record_id=user.id, detail=user.username)


def password_problem(password: str, username: str = "") -> Optional[str]:
    """The password rule (app/trust/passwords.py), as a message, or None if the password is acceptable."""
    return passwords.problem(password, username)


@dataclass(frozen=True)
class NewUser:
    """A new staff account, from the administrators' page or the `create-user` command. An id or
    choice that could not be read is None (and refused as not chosen)."""

    username: str
    full_name: str
    agency_id: Optional[int]
    role: Optional[Role]
    profession: Optional[Profession]
    network_id: Optional[int]
    password: str

    @property
    def login_name(self) -> str:
        """Usernames are kept in lower case, without surrounding spaces, so "Jo.Bloggs" signs in as jo.bloggs."""
        return self.username.strip().lower()


def check_new_user(session: Session, command: NewUser) -> dict[str, str]:
    """A username of letters, numbers, full stops, hyphens and underscores that nobody has; a full name;
    an agency, role and profession; a network that exists (a network lead must have one); a password
    that meets the password rule (not a common one, not containing the username)."""
    errors: dict[str, str] = {}
    username = command.login_name
    if not username:
        errors["username"] = "Enter a username"
    elif len(username) > USERNAME_MAX:
        errors["username"] = f"Username must be {USERNAME_MAX} characters or fewer"
    elif not all(c.isalnum() or c in "._-" for c in username):
        errors["username"] = "Username must only include letters, numbers, full stops, hyphens and underscores"
    elif session.exec(select(User.id).where(User.username == username)).first() is not None:
        errors["username"] = USERNAME_TAKEN

    full_name = command.full_name.strip()
    if not full_name:
        errors["full_name"] = "Enter the person's full name"
    elif len(full_name) > FULL_NAME_MAX:
        errors["full_name"] = f"Full name must be {FULL_NAME_MAX} characters or fewer"

    if command.agency_id is None or session.get(Agency, command.agency_id) is None:
        errors["agency_id"] = "Select an agency"
    if command.role is None:
        errors["role"] = "Select a role"
    if command.profession is None:
        errors["profession"] = "Select a profession"
    if command.network_id is not None and session.get(Network, command.network_id) is None:
        errors["network_id"] = "Select a network"
    elif command.role is Role.network_lead and command.network_id is None:
        errors["network_id"] = "Select the network this lead leads"

    problem = password_problem(command.password, username)
    if problem:
        errors["password"] = problem
    return errors


def create_user(session: Session, command: NewUser, hasher: PasswordHasher, by: Optional[User] = None) -> SaveResult[User]:
    """Add the account (its password kept only as a hash) and audit it; a username someone took
    a moment ago is refused like one taken long ago. The caller commits."""
    errors = check_new_user(session, command)
    if errors:
        return SaveResult(errors=errors)
    assert command.agency_id is not None and command.role is not None and command.profession is not None  # check_new_user requires them
    row = User(
        username=command.login_name,
        password_hash=hasher.hash(command.password),
        full_name=command.full_name.strip(),
        agency_id=command.agency_id,
        role=command.role,
        profession=command.profession,
        network_id=command.network_id,
        # Whoever set this password knows it: the account's owner replaces it at first sign-in.
        must_change_password=True,
    )
    user_id = insert_once(session, User, row.model_dump(exclude={"id"}), unique=["username"])
    if user_id is None:
        return SaveResult(errors={"username": USERNAME_TAKEN})
    user = session.get(User, user_id)
    audit.record(session, "create_user", user=by, record_type="user", record_id=user_id, detail=command.login_name)
    return SaveResult(item=user)
