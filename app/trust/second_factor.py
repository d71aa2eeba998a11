"""The second factor every staff account has (ASVS 5.0 level 2): an authenticator app's six-digit
code (TOTP, RFC 6238), set up at first sign-in and asked for at every sign-in after it, with ten
one-time recovery codes for a lost phone. A code is good for its 30 seconds and the ones either
side (clocks drift), and once only; wrong codes in a row lock the account as wrong passwords do."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Optional

import pyotp
import segno
from sqlalchemy import or_, update
from sqlmodel import Session, col

from app.trust import audit, staff_sessions
from app.versioned import SaveResult
from models import AuditOutcome, RecoveryCode, StaffSession, User

ISSUER = "OnePlan"
RECOVERY_CODE_COUNT = 10
LOCK_AFTER = 10  # wrong codes in a row

ENTER_CODE = "Enter the 6-digit code from your authenticator app"
WRONG_CODE = "The code is not right. Enter the code your authenticator app shows now, or one of your recovery codes"
WRONG_SET_UP_CODE = "The code is not right. Check the app was set up with the key on this page, then enter the code it shows now"
LOCKED = "Your account is locked because of too many wrong codes. Ask an administrator to unlock it."


@dataclass(frozen=True)
class Code:
    code: str


@dataclass(frozen=True)
class SetUp:
    """What the set-up page shows: the new secret, typed or scanned into the app."""

    secret: str
    uri: str
    qr_code: str  # an SVG data: address of the same otpauth URI


def new_secret() -> str:
    return pyotp.random_base32()


def set_up(user: User, secret: str) -> SetUp:
    return set_up_for(user.username, secret)


def set_up_for(name: str, secret: str) -> SetUp:
    """What the set-up page shows for an account called `name` (staff, or a person's own, app/my_record)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=ISSUER)
    return SetUp(secret=secret, uri=uri, qr_code=segno.make(uri, error="m").svg_data_uri(scale=5, dark="#212b32"))


def code_step(secret: str, code: str, now: datetime, after: Optional[int]) -> Optional[int]:
    """The time step a typed code is for (this one or one either side), if later than `after`: the same
    rule for a person's own account (app/my_record) as for staff."""
    digits = _digits(code or "")
    return _matching_step(secret, digits, now, after) if digits else None


def grouped(secret: str) -> str:
    """The key in fours, as authenticator apps print it, so it can be typed without losing one's place."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirm(
    session: Session, user: User, staff_session: Optional[StaffSession], secret: str, command: Code, now: Optional[datetime] = None
) -> SaveResult[list[str]]:
    """Keep `secret` as the account's second factor once the app shows a code for it, and count this
    session as having given it. The item is the new recovery codes, shown this once. Audited."""
    now = now or datetime.now(UTC)
    digits = _digits(command.code)
    if not digits:
        return SaveResult(errors={"code": ENTER_CODE})
    step = _matching_step(secret, digits, now, after=None)
    if step is None:
        return SaveResult(errors={"code": WRONG_SET_UP_CODE})
    user.totp_secret, user.totp_confirmed_at, user.totp_last_step = secret, now, step
    user.failed_second_factors = 0
    session.add(user)
    codes = issue_recovery_codes(session, user, now)
    _passed(session, staff_session, now)
    audit.record(session, "set_up_second_factor", user=user, record_type="user", record_id=user.id)
    return SaveResult(item=codes)


def verify(
    session: Session, user: User, staff_session: Optional[StaffSession], command: Code, now: Optional[datetime] = None
) -> SaveResult[User]:
    """An authenticator code not used before, or an unused recovery code (which is then spent).
    A wrong one is counted (atomically) and audited; the LOCK_AFTER-th in a row locks the account
    and ends its sessions (`refused`). The caller commits either way."""
    now = now or datetime.now(UTC)
    typed = (command.code or "").strip()
    if not typed:
        return SaveResult(errors={"code": ENTER_CODE})
    assert user.totp_secret is not None and user.id is not None  # only asked of an account that has one
    digits = _digits(typed)
    how = None
    if digits:
        step = _matching_step(user.totp_secret, digits, now, after=user.totp_last_step)
        if step is not None and _claim_step(session, user.id, step):
            user.totp_last_step, how = step, "authenticator code"
    elif _spend_recovery_code(session, user.id, typed, now):
        how = "recovery code"
    if how is None:
        return _wrong(session, user, now)
    user.failed_second_factors = 0
    session.add(user)
    _passed(session, staff_session, now)
    audit.record(session, "second_factor", user=user, reason=how)
    return SaveResult(item=user)


def reset(session: Session, user: User, now: Optional[datetime] = None) -> None:
    """An administrator takes away a lost authenticator (and its recovery codes): the account's
    sessions end, and its next sign-in sets up a new one. Audited; the caller commits."""
    now = now or datetime.now(UTC)
    assert user.id is not None
    user.totp_secret, user.totp_confirmed_at, user.totp_last_step = None, None, None
    user.failed_second_factors = 0
    session.add(user)
    session.execute(
        update(RecoveryCode).where(col(RecoveryCode.user_id) == user.id, col(RecoveryCode.used_at).is_(None)).values(used_at=now)
    )
    staff_sessions.end_all(session, user.id, "second factor reset", now)
    audit.record(session, "reset_second_factor", record_type="user", record_id=user.id, detail=user.username)


def _passed(session: Session, staff_session: Optional[StaffSession], now: datetime) -> None:
    if staff_session is not None:
        staff_session.second_factor_at = now
        session.add(staff_session)


def _wrong(session: Session, user: User, now: datetime) -> SaveResult[User]:
    failures = session.execute(
        update(User)
        .where(col(User.id) == user.id)
        .values(failed_second_factors=col(User.failed_second_factors) + 1)
        .returning(col(User.failed_second_factors))
    ).scalar_one()
    user.failed_second_factors = failures
    audit.record(session, "second_factor", user=user, outcome=AuditOutcome.refused, reason=f"wrong code (failure {failures} in a row)")
    if failures >= LOCK_AFTER:
        user.locked_at = now
        session.add(user)
        assert user.id is not None
        staff_sessions.end_all(session, user.id, "locked", now)
        audit.record(session, "account_locked", user=user, record_type="user", record_id=user.id, reason=f"{failures} wrong codes in a row")
        return SaveResult(refused=LOCKED)
    return SaveResult(errors={"code": WRONG_CODE})


def _digits(code: str) -> Optional[str]:
    """Six digits, however spaced ("123 456")."""
    digits = "".join(code.split())
    return digits if len(digits) == 6 and digits.isascii() and digits.isdigit() else None


def _matching_step(secret: str, digits: str, now: datetime, after: Optional[int]) -> Optional[int]:
    """The time step (now, or one either side) whose code this is, if later than `after`."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def _claim_step(session: Session, user_id: int, step: int) -> bool:
    """Record the step as used, unless a request racing with the same code did first: one statement."""
    last = col(User.totp_last_step)
    claimed = session.execute(
        update(User).where(col(User.id) == user_id, or_(last.is_(None), last < step)).values(totp_last_step=step).returning(col(User.id))
    ).first()
    return claimed is not None


def _recovery_digest(code: str) -> str:
    """Codes are random (50 bits), so a plain SHA-256 is enough to keep them unreadable at rest."""
    normalised = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def issue_recovery_codes(session: Session, user: User, now: datetime, count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """A fresh set of codes, returned this once; any earlier set stops working."""
    assert user.id is not None
    session.execute(
        update(RecoveryCode).where(col(RecoveryCode.user_id) == user.id, col(RecoveryCode.used_at).is_(None)).values(used_at=now)
    )
    codes = []
    for _ in range(count):
        raw = secrets.token_hex(5)
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_digest(raw), created_at=now))
    return codes


def _spend_recovery_code(session: Session, user_id: int, typed: str, now: datetime) -> bool:
    """Mark the code used, if it is this account's and unused: one statement, so two requests racing
    with the same code cannot both succeed."""
    if len(typed) > 40:
        return False
    spent = session.execute(
        update(RecoveryCode)
        .where(
            col(RecoveryCode.user_id) == user_id,
            col(RecoveryCode.code_hash) == _recovery_digest(typed),
            col(RecoveryCode.used_at).is_(None),
        )
        .values(used_at=now)
        .returning(col(RecoveryCode.id))
    ).first()
    return spent is not None
