"""The checks a front-door command makes of its own values, in the NHS.UK words the form shows.

They hold whatever the way in (the intake form, the triage form, the FHIR API): each records a
message under the command's field name in `errors`, so a form shows it by its field and the API
names the field in its OperationOutcome.
"""
from datetime import date
from typing import Optional

EARLIEST_YEAR = 1880


def text(errors: dict[str, str], name: str, value: Optional[str], label: str, *, required: bool = False,
         max_length: int = 200) -> None:
    """Text that is required is given; any text is within its length."""
    if not value or not value.strip():
        if required:
            errors[name] = f"Enter {label}"
        return
    if len(value) > max_length:
        errors[name] = f"{capitalised(label)} must be {max_length} characters or fewer"


def chosen(errors: dict[str, str], name: str, value: object, message: str) -> None:
    """A required choice (an option, a record from a list) was made."""
    if value is None:
        errors[name] = message


def a_date(errors: dict[str, str], name: str, value: Optional[date], label: str, *, today: date, required: bool = False,
           past: bool = False) -> None:
    """A date that is required is given, after 1880, and (for things that have happened) not after today."""
    if value is None:
        if required:
            errors[name] = f"Enter {label}"
        return
    if past and value > today:
        errors[name] = f"{capitalised(label)} must be today or in the past"
    elif value.year < EARLIEST_YEAR:
        errors[name] = f"{capitalised(label)} must be after {EARLIEST_YEAR}"


def capitalised(label: str) -> str:
    return label[0].upper() + label[1:]
