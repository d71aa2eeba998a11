"""The rules a command checks of its own values, in the NHS.UK words a form shows beside the field.

They hold whatever the way in (a web form, the FHIR API, a person's own page): each gives the
message for one value, or records it under the command's field name in `errors`, so a form shows
it by its field and the API names the field in its OperationOutcome. The web layer's readers
(app/web/fields.py) and the questions-as-data engine (app/forms/answers.py) use the same words.
"""

from datetime import date
from typing import Optional

EARLIEST_YEAR = 1880


def capitalised(label: str) -> str:
    """A label at the start of a sentence."""
    return label[:1].upper() + label[1:]


def text_problem(value: Optional[str], label: str, *, max_length: int, required: bool = False) -> Optional[str]:
    """Why this text cannot be kept, or None: a required field must be given ("Enter the hub's name"),
    and no field may be longer than its column ("The hub's name must be 120 characters or fewer")."""
    if not value or not value.strip():
        return f"Enter {label}" if required else None
    if len(value) > max_length:
        return f"{capitalised(label)} must be {max_length} characters or fewer"
    return None


def date_problem(
    value: Optional[date], label: str, *, today: date, required: bool = False, past: bool = False, future: bool = False
) -> Optional[str]:
    """Why this date cannot be kept, or None: given if required, after 1880, and on the right side of
    today for things that have happened (`past`) or are still to come (`future`)."""
    if value is None:
        return f"Enter {label}" if required else None
    if past and value > today:
        return f"{capitalised(label)} must be today or in the past"
    if future and value < today:
        return f"{capitalised(label)} must be today or in the future"
    if value.year < EARLIEST_YEAR:
        return f"{capitalised(label)} must be after {EARLIEST_YEAR}"
    return None


def text(errors: dict[str, str], name: str, value: Optional[str], label: str, *, required: bool = False, max_length: int = 200) -> None:
    """Text that is required is given; any text is within its length."""
    _record(errors, name, text_problem(value, label, max_length=max_length, required=required))


def chosen(errors: dict[str, str], name: str, value: object, message: str) -> None:
    """A required choice (an option, a record from a list) was made."""
    if value is None:
        errors[name] = message


def a_date(
    errors: dict[str, str],
    name: str,
    value: Optional[date],
    label: str,
    *,
    today: date,
    required: bool = False,
    past: bool = False,
    future: bool = False,
) -> None:
    """A date that is required is given, after 1880, and on the right side of today."""
    _record(errors, name, date_problem(value, label, today=today, required=required, past=past, future=future))


def _record(errors: dict[str, str], name: str, message: Optional[str]) -> None:
    if message:
        errors[name] = message


# --- passwords (ASVS 5.0 6.2) ---------------------------------------------------------------

PASSWORD_MIN = 12
PASSWORD_MAX = 128
PASSWORD_TOO_SHORT = f"Password must be {PASSWORD_MIN} characters or more"
PASSWORD_TOO_LONG = f"Password must be {PASSWORD_MAX} characters or fewer"
PASSWORD_PADDED = "Password must not start or end with a space"
PASSWORD_COMMON = "Password is too easy to guess because it is a commonly used password. Choose a different password"
PASSWORD_HAS_USERNAME = "Password must not include the username"


def password_problem(password: str, *, username: str, is_common) -> Optional[str]:
    """Why this password cannot be set, or None: 12 to 128 characters, no spaces at either end, not
    a commonly used password (`is_common` says, from a list of passwords found in breaches), and not
    containing the username."""
    if len(password) < PASSWORD_MIN:
        return PASSWORD_TOO_SHORT
    if len(password) > PASSWORD_MAX:
        return PASSWORD_TOO_LONG
    if password.strip() != password:
        return PASSWORD_PADDED
    if is_common(password):
        return PASSWORD_COMMON
    login = username.strip().lower()
    if len(login) >= 3 and login in password.lower():
        return PASSWORD_HAS_USERNAME
    return None
