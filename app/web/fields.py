"""Reading form fields, with the NHS.UK error messages for what is missing or wrong.

Each reader returns the clean value (or None) and records a message under the field's
id in `errors`, so the page can show the error summary and the message by the field.
This is the web layer's one place for turning typed-in text into values: the ids of
records, the version a user saw, dates from the NHS.UK date input's three boxes.
"""

from collections.abc import Mapping
from datetime import date
from typing import Any, Optional

from flask import abort

from app import checks

ID_MAX = 2**31 - 1  # record ids are 32-bit: a larger number names nothing


def record_id(raw: Any) -> Optional[int]:
    """A record's id as typed or sent (a form field, a query argument): a whole number that can name a
    row, or None. The one id guard for ids that do not come in the address (app/web/protection.py
    guards those)."""
    text = str(raw or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    value = int(text)
    return value if 0 < value <= ID_MAX else None


def record_ids(values: list[str]) -> list[int]:
    """Every usable id in a list of form values (ticked boxes), in order, without repeats."""
    found = [record_id(v) for v in values]
    return list(dict.fromkeys(v for v in found if v is not None))


def seen_version(form: Mapping[str, Any]) -> int:
    """The version of the record the user saw, which every save carries (a 400 if it is missing)."""
    raw = str(form.get("version") or "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        abort(400, "The form is missing the version you saw. Reload the page and try again.")
    return int(raw)


def page_number(args: Mapping[str, Any]) -> int:
    """The page of a list asked for; anything that is not a small whole number means the first."""
    raw = str(args.get("page") or "")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) <= 6 and int(raw) > 0 else 1


def on_form(errors: Mapping[str, str], field_ids: Mapping[str, str]) -> dict[str, str]:
    """A command's errors (by its field names) under the ids of the form's fields, where they differ
    (a date's first box: `date_of_birth` -> `dob-day`), so each message sits by its field."""
    return {field_ids.get(name, name): message for name, message in errors.items()}


def text(form, name: str, label: str, errors: dict, *, required: bool = False, max_length: int = 200) -> Optional[str]:
    value = (form.get(name) or "").strip()
    problem = checks.text_problem(value, label, max_length=max_length, required=required)
    if problem:
        errors[name] = problem
    if not value:
        return None
    return value[:max_length]


def choice(form, name: str, enum_cls, message: str, errors: dict, *, required: bool = True):
    """One of an enum's values; anything else (or nothing, when required) is an error."""
    raw = form.get(name) or ""
    if not raw:
        if required:
            errors[name] = message
        return None
    try:
        return enum_cls(raw)
    except ValueError:
        errors[name] = message
        return None


def whole_number(form, name: str, message: str, errors: dict, *, required: bool = True) -> Optional[int]:
    raw = (form.get(name) or "").strip()
    if not raw:
        if required:
            errors[name] = message
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        errors[name] = message
        return None
    return int(raw)


def date_parts(
    form,
    name: str,
    label: str,
    errors: dict,
    *,
    required: bool = False,
    past: bool = False,
    future: bool = False,
    today: Optional[date] = None,
) -> Optional[date]:
    """A date from the NHS.UK date input's three boxes: `<name>-day`, `-month`, `-year`."""
    parts = [(form.get(f"{name}-{part}") or "").strip() for part in ("day", "month", "year")]
    if not any(parts):
        if required:
            errors[f"{name}-day"] = f"Enter {label}"
        return None
    missing = [part for part, value in zip(("day", "month", "year"), parts, strict=True) if not value]
    if missing:
        errors[f"{name}-{missing[0]}"] = f"{checks.capitalised(label)} must include a {missing[0]}"
        return None
    if not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
        errors[f"{name}-day"] = f"{checks.capitalised(label)} must be a real date"
        return None
    try:
        value = date(int(parts[2]), int(parts[1]), int(parts[0]))
    except (ValueError, OverflowError):  # not a day of the calendar, or a number too long for one
        errors[f"{name}-day"] = f"{checks.capitalised(label)} must be a real date"
        return None
    problem = checks.date_problem(value, label, today=today or date.today(), past=past, future=future)
    if problem:
        errors[f"{name}-day"] = problem
    return value
