"""Staff accounts: password hashing, sign-in with throttling, and creating users."""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from app.trust import audit
from models import Agency, AuditOutcome, Network, Profession, Role, User  # noqa: F401 (Role, Profession used by the CLI)

USERNAME_MAX = 64
PASSWORD_MIN = 12
PASSWORD_MAX = 128


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
        last = last.replace(tzinfo=timezone.utc)
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
    and `lockout_failures` in a row lock the account until an administrator unlocks it."""
    now = now or datetime.now(timezone.utc)
    username = (username or "").strip().lower()[:USERNAME_MAX]
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.is_active:
        # Spend the same time as a real check so timing does not reveal which usernames exist.
        try:
            hasher.verify(_DUMMY_HASHES.setdefault(id(hasher), hasher.hash("not-a-real-password")), password or "x")
        except VerificationError:
            pass
        audit.record(session, "sign_in", username=username, outcome=AuditOutcome.refused, reason="unknown or inactive account")
        session.commit()
        return SignInResult(None, GENERIC_FAILURE)

    if user.locked_at is not None:
        audit.record(session, "sign_in", user=user, outcome=AuditOutcome.refused, reason="account locked")
        session.commit()
        return SignInResult(None, LOCKED)

    wait = lock_remaining(user, now, max_failures, lock_seconds)
    if wait:
        audit.record(session, "sign_in", user=user, outcome=AuditOutcome.refused, reason=f"throttled for {wait}s")
        session.commit()
        return SignInResult(None, f"Too many failed attempts. Wait {wait} seconds, then try again.")

    try:
        hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        user.failed_sign_ins += 1
        user.last_failed_sign_in_at = now
        audit.record(
            session, "sign_in", user=user, outcome=AuditOutcome.refused,
            reason=f"wrong password (failure {user.failed_sign_ins} in a row)",
        )
        if user.failed_sign_ins >= lockout_failures:
            user.locked_at = now
            audit.record(session, "account_locked", user=user, record_type="user", record_id=user.id,
                         reason=f"{user.failed_sign_ins} failed sign-ins in a row")
            session.commit()
            return SignInResult(None, LOCKED)
        session.commit()
        return SignInResult(None, GENERIC_FAILURE)

    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    user.failed_sign_ins = 0
    user.last_failed_sign_in_at = None
    audit.record(session, "sign_in", user=user)
    session.commit()
    return SignInResult(user)


_DUMMY_HASHES: dict[int, str] = {}


def unlock(session: Session, user: User, by: User) -> None:
    """An administrator lifts a lock-out: the failure count starts again. Audited; commits."""
    user.locked_at = None
    user.failed_sign_ins = 0
    user.last_failed_sign_in_at = None
    session.add(user)
    audit.record(session, "unlock_account", user=by, record_type="user", record_id=user.id, detail=user.username)
    session.commit()


def password_problem(password: str) -> Optional[str]:
    """The password rule, as a message, or None if the password is acceptable."""
    if len(password) < PASSWORD_MIN:
        return f"Password must be {PASSWORD_MIN} characters or more"
    if len(password) > PASSWORD_MAX:
        return f"Password must be {PASSWORD_MAX} characters or fewer"
    if password.strip() != password:
        return "Password must not start or end with a space"
    return None


def validate_new_user(session: Session, form: dict) -> tuple[dict, dict]:
    """Check the fields of a new account; returns (clean values, errors by field)."""
    errors: dict[str, str] = {}
    clean: dict = {}
    username = (form.get("username") or "").strip().lower()
    if not username:
        errors["username"] = "Enter a username"
    elif len(username) > USERNAME_MAX:
        errors["username"] = f"Username must be {USERNAME_MAX} characters or fewer"
    elif not all(c.isalnum() or c in "._-" for c in username):
        errors["username"] = "Username must only include letters, numbers, full stops, hyphens and underscores"
    elif session.exec(select(User.id).where(User.username == username)).first() is not None:
        errors["username"] = "That username is already taken"
    clean["username"] = username

    full_name = (form.get("full_name") or "").strip()
    if not full_name:
        errors["full_name"] = "Enter the person's full name"
    elif len(full_name) > 120:
        errors["full_name"] = "Full name must be 120 characters or fewer"
    clean["full_name"] = full_name

    clean["agency_id"] = _lookup_id(session, Agency, form.get("agency_id"), "agency_id", "Select an agency", errors)
    clean["role"] = _enum(Role, form.get("role"), "role", "Select a role", errors)
    clean["profession"] = _enum(Profession, form.get("profession"), "profession", "Select a profession", errors)
    network_raw = form.get("network_id") or ""
    clean["network_id"] = (
        _lookup_id(session, Network, network_raw, "network_id", "Select a network", errors) if network_raw else None
    )
    if clean.get("role") is Role.network_lead and clean.get("network_id") is None and "network_id" not in errors:
        errors["network_id"] = "Select the network this lead leads"

    password = form.get("password") or ""
    problem = password_problem(password)
    if problem:
        errors["password"] = problem
    clean["password"] = password
    return clean, errors


def _enum(enum_cls, raw, field: str, message: str, errors: dict):
    try:
        return enum_cls(raw)
    except ValueError:
        errors[field] = message
        return None


def _lookup_id(session: Session, model, raw, field: str, message: str, errors: dict):
    try:
        row_id = int(raw)
    except (TypeError, ValueError):
        errors[field] = message
        return None
    # Ids are 32-bit; a larger number would overflow the database driver rather than miss.
    if not 0 < row_id < 2**31 or session.get(model, row_id) is None:
        errors[field] = message
        return None
    return row_id


def create_user(session: Session, clean: dict, hasher: PasswordHasher, created_by: Optional[User] = None) -> User:
    """Add a user from validated values (see validate_new_user) and audit it."""
    user = User(
        username=clean["username"],
        password_hash=hasher.hash(clean["password"]),
        full_name=clean["full_name"],
        agency_id=clean["agency_id"],
        role=clean["role"],
        profession=clean["profession"],
        network_id=clean.get("network_id"),
    )
    session.add(user)
    session.flush()
    audit.record(session, "create_user", user=created_by, record_type="user", record_id=user.id, detail=user.username)
    return user
