"""Whether a password is one that attackers try first: the 30,000 passwords found most often in
breached password dumps, as shipped (and maintained) in the zxcvbn package, read offline. A listed
password with digits or symbols added at either end ("Password2024!") is as easy to guess, so it
counts too, and so does a listed word, or a few characters, said over and over ("footballfootball",
"abcabcabcabc"). The messages are app/checks.py's."""

from dataclasses import dataclass
from functools import cache
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from app import checks
from app.trust import audit
from app.versioned import SaveResult
from models import AuditOutcome, User

# What people add to a listed word to pass a "must contain a digit or symbol" rule.
_PADDING = "0123456789!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ "


@cache
def _breached() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common(password: str) -> bool:
    """A breached password, in any case, alone or with digits and symbols around it."""
    lowered = password.lower()
    listed = _breached()
    if lowered in listed:
        return True
    core = lowered.strip(_PADDING)
    if len(core) >= 4 and core in listed:
        return True
    unit = _repeated_unit(lowered)
    return unit != lowered and (len(unit) < 4 or unit in listed)


def _repeated_unit(text: str) -> str:
    """The shortest piece that `text` is made of, said over and over (`text` itself if none)."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return text


def problem(password: str, username: str) -> Optional[str]:
    """The password rule for `username`'s account, as a message by the password field, or None."""
    return checks.password_problem(password, username=username, is_common=is_common)


# --- a person changes their own password ------------------------------------------------------

CURRENT_WRONG = "Your current password is not right. Enter the password you signed in with"
NOT_THE_SAME = "Enter the same new password twice"
SAME_AS_BEFORE = "New password must be different from your current password"


@dataclass(frozen=True)
class ChangePassword:
    current_password: str
    new_password: str
    confirm_password: str


def change(session: Session, user: User, command: ChangePassword, hasher: PasswordHasher) -> SaveResult[User]:
    """Their current password proves it is them; the new one meets the password rule, is typed the
    same twice, and differs from the old. Audited; clears "must change" (an administrator's choice
    of password). The caller ends the account's other sessions and commits."""
    errors: dict[str, str] = {}
    try:
        hasher.verify(user.password_hash, command.current_password or "")
    except (VerificationError, InvalidHashError):
        errors["current_password"] = CURRENT_WRONG if command.current_password else "Enter your current password"
    rule = problem(command.new_password, user.username) if command.new_password else "Enter a new password"
    if rule:
        errors["new_password"] = rule
    elif command.new_password == command.current_password:
        errors["new_password"] = SAME_AS_BEFORE
    elif command.confirm_password != command.new_password:
        errors["confirm_password"] = NOT_THE_SAME
    if errors:
        if "current_password" in errors and command.current_password:
            audit.record(session, "change_password", user=user, outcome=AuditOutcome.refused, reason="current password not right")
        return SaveResult(errors=errors)
    user.password_hash = hasher.hash(command.new_password)
    user.must_change_password = False
    session.add(user)
    audit.record(session, "change_password", user=user, record_type="user", record_id=user.id)
    return SaveResult(item=user)
