"""Staff accounts: password hashing, sign-in with throttling, and creating users."""

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from app import checks
from app.db import insert_once
from app.trust import audit, passwords
from app.versioned import SaveResult
from models import Agency, AuditOutcome, Network, Profession, Role, User

USERNAME_MAX = 64
FULL_NAME_MAX = 120
USERNAME_TAKEN = "That username is already taken"
PASSWORD_MIN = checks.PASSWORD_MIN
PASSWORD_MAX = checks.PASSWORD_MAX


def password_hasher(cost: Optional[dict] = None) -> PasswordHasher:
    return PasswordHasher(**(cost or {}))


@dataclass
class SignInResult:
    user: Optional[User]
    message: Optional[str] = None  # shown to the person signing in when user is None


GENERIC_FAILURE = "The username or password is not right. Check them and try again."
LOCKED = "Your account is locked because of too many failed sign-in attempts. Ask an administrator to unlock it."


def lock_remaining(user: User, now: datetime, max_failures: int, lock_seconds: int) -> int:
    """Seconds until the next attempt is allowed: after `max_failures` failures in a row,
    each further failure doubles the wait (capped at 15 minutes)."""
    if user.failed_sign_ins < max_failures or user.last_failed_sign_in_at is None:
        return 0
    last = user.last_failed_sign_in_at
    if last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    wait = min(lock_seconds * 2 ** (user.failed_sign_ins - max_failures), 15 * 60)
    remaining = (last + timedelta(seconds=wait) - now).total_seconds()
    return max(0, int(remaining + 0.999))


def sign_in(
    session: Session,
    username: str,
    password: str,
    *,
    hasher: PasswordHasher,
    max_failures: int,
    lock_seconds: int,
    lockout_failures: int = 10,
    now: Optional[datetime] = None,
) -> SignInResult:
    """Check a username and password; every failure is counted, audited and slows the next try,
    and `lockout_failures` in a row lock the account until an administrator unlocks it. The failure
    count and the audit events are the caller's to commit, whether the sign-in succeeded or not."""
    now = now or datetime.now(UTC)
    username = (username or "").strip().lower()[:USERNAME_MAX]
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.is_active:
        # Spend the same time as a real check so timing does not reveal which usernames exist.
        with contextlib.suppress(VerificationError):
            hasher.verify(_DUMMY_HASHES.setdefault(id(hasher), hasher.hash("not-a-real-password")), password or "x")
        audit.record(session, "sign_in", username=username, outcome=AuditOutcome.refused, reason="unknown or inactive account")
        return SignInResult(None, GENERIC_FAILURE)

    if user.locked_at is not None:
        audit.record(session, "sign_in", user=user, outcome=AuditOutcome.refused, reason="account locked")
        return SignInResult(None, LOCKED)

    wait = lock_remaining(user, now, max_failures, lock_seconds)
    if wait:
        audit.record(session, "sign_in", user=user, outcome=AuditOutcome.refused, reason=f"throttled for {wait}s")
        return SignInResult(None, f"Too many failed attempts. Wait {wait} seconds, then try again.")

    try:
        hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        user.failed_sign_ins += 1
        user.last_failed_sign_in_at = now
        audit.record(
            session,
            "sign_in",
            user=user,
            outcome=AuditOutcome.refused,
            reason=f"wrong password (failure {user.failed_sign_ins} in a row)",
        )
        if user.failed_sign_ins >= lockout_failures:
            user.locked_at = now
            audit.record(
                session,
                "account_locked",
                user=user,
                record_type="user",
                record_id=user.id,
                reason=f"{user.failed_sign_ins} failed sign-ins in a row",
            )
            return SignInResult(None, LOCKED)
        return SignInResult(None, GENERIC_FAILURE)

    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    user.failed_sign_ins = 0
    user.last_failed_sign_in_at = None
    audit.record(session, "sign_in", user=user)
    return SignInResult(user)


_DUMMY_HASHES: dict[int, str] = {}


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
