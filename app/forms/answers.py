"""Answers to a section's questions: read from its form, checked, and shown as people read them.

Reading (`read_section`) turns what was typed into values (a date's three boxes into a date, a
number's text into a number) and is the web layer's business; checking (`check_answers`) is a
rule of the record, so every way in (a form, the FHIR API, a person's own page) is checked the
same: a listed option, a number in range, a real date on the right side of today, text within
its length, and every required question answered. Answers are stored as JSON: text, option
values, numbers, and dates as ISO text.
"""

import re
from collections.abc import Mapping
from datetime import date
from typing import Any, Optional

from app.checks import capitalised, date_problem
from app.forms.questions import DEFAULT_MAX_LENGTH, Question, Section, in_sentence

NUMBER = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")


def field_id(question: Question) -> str:
    """The id of the field a question's message sits by: a date's first box, else the question's key."""
    return f"{question.key}-day" if question.type == "date" else question.key


# --- Reading a section's form ---------------------------------------------------------------


def read_section(section: Section, form: Any, *, today: Optional[date] = None) -> tuple[dict[str, Any], dict[str, str]]:
    """Every answer in the section from its form (anything with `get` and `getlist`), then checked:
    the answers, and messages by field id. An answer that cannot be read is left out (None)."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in section.questions:
        answers[question.key] = _read(question, form, errors)
    checked = check_answers(section, answers, today=today)
    for question in section.questions:
        message = checked.get(field_id(question))
        if message is None or any(k == question.key or k.startswith(question.key + "-") for k in errors):
            continue
        errors[field_id(question)] = message
        if question.type not in ("text", "long_text"):
            answers[question.key] = None  # an answer that is not one of the choices, or out of range, is not kept
    return clean(section, answers), errors


def _read(question: Question, form: Any, errors: dict[str, str]) -> Any:
    key, kind = question.key, question.type
    if kind in ("text", "long_text"):
        return (form.get(key) or "").replace("\r\n", "\n").strip() or None
    if kind in ("choice", "yes_no"):
        return (form.get(key) or "").strip() or None
    if kind == "multi_choice":
        return [v.strip() for v in form.getlist(key) if v and v.strip()] or None
    if kind == "number":
        raw = (form.get(key) or "").strip().replace(",", "")
        if not raw:
            return None
        if len(raw) > 15 or not NUMBER.match(raw):
            errors[key] = f"{capitalised(question.label)} must be a number"
            return None
        value = float(raw)
        return int(value) if value.is_integer() else value
    if kind == "date":
        return _read_date(question, form, errors)
    raise ValueError(f"unknown question type {kind!r}")


def _read_date(question: Question, form: Any, errors: dict[str, str]) -> Optional[str]:
    """A date from the NHS.UK date input's three boxes (`<key>-day`, `-month`, `-year`), as ISO text."""
    label = capitalised(in_sentence(question.label))
    parts = [(form.get(f"{question.key}-{part}") or "").strip() for part in ("day", "month", "year")]
    if not any(parts):
        return None
    missing = [part for part, value in zip(("day", "month", "year"), parts, strict=True) if not value]
    if missing:
        errors[f"{question.key}-{missing[0]}"] = f"{label} must include a {missing[0]}"
        return None
    try:
        if not all(p.isascii() and p.isdigit() for p in parts) or len(parts[2]) != 4:
            raise ValueError(parts)
        return date(int(parts[2]), int(parts[1]), int(parts[0])).isoformat()
    except ValueError:
        errors[field_id(question)] = f"{label} must be a real date"
        return None


# --- Checking answers ----------------------------------------------------------------------


def check_answers(section: Section, answers: Mapping[str, Any], *, today: Optional[date] = None) -> dict[str, str]:
    """What is wrong with these answers to the section's questions, by field id (nothing: {}).
    Every question is optional unless marked required; a given answer must be valid."""
    errors: dict[str, str] = {}
    for question in section.questions:
        message = check_answer(question, answers.get(question.key), today=today)
        if message:
            errors[field_id(question)] = message
    return errors


def check_answer(question: Question, value: Any, *, today: Optional[date] = None) -> Optional[str]:
    """Why this answer to the question cannot be kept, in words for the page; None if it can."""
    label, kind = question.label, question.type
    if value is None or value == "" or value == []:
        if not question.required:
            return None
        return f"Select {in_sentence(label)}" if kind in ("choice", "yes_no", "multi_choice") else f"Enter {in_sentence(label)}"
    if kind in ("text", "long_text"):
        limit = question.max_length or DEFAULT_MAX_LENGTH[kind]
        if not isinstance(value, str):
            return f"{capitalised(label)} must be text"
        return f"{capitalised(label)} must be {limit} characters or fewer" if len(value) > limit else None
    if kind in ("choice", "yes_no"):
        return (
            None if isinstance(value, str) and question.option(value) is not None else f"Select one of the options for {in_sentence(label)}"
        )
    if kind == "multi_choice":
        return _check_multi_choice(question, value)
    if kind == "number":
        return _check_number(question, value)
    if kind == "date":
        return _check_date(question, value, today or date.today())
    raise ValueError(f"unknown question type {kind!r}")


def _check_multi_choice(question: Question, value: Any) -> Optional[str]:
    label = in_sentence(question.label)
    if not isinstance(value, list) or any(not isinstance(v, str) or question.option(v) is None for v in value):
        return f"Select one of the options for {label}"
    exclusive = [o for o in question.options if o.exclusive and o.value in value]
    if exclusive and len(set(value)) > 1:
        return f"Select ‘{exclusive[0].label}’ on its own, or the {label} that apply"
    return None


def _check_number(question: Question, value: Any) -> Optional[str]:
    label = capitalised(question.label)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{label} must be a number"
    if question.whole and not float(value).is_integer():
        return f"{label} must be a whole number"
    low, high = question.minimum, question.maximum
    if low is not None and high is not None and (value < low or value > high):
        return f"{label} must be between {_number(low)} and {_number(high)}"
    if low is not None and value < low:
        return f"{label} must be {_number(low)} or more"
    if high is not None and value > high:
        return f"{label} must be {_number(high)} or less"
    return None


def _check_date(question: Question, value: Any, today: date) -> Optional[str]:
    label = in_sentence(question.label)
    try:
        day = date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        day = None
    if day is None:
        return f"{capitalised(label)} must be a real date"
    return date_problem(day, label, today=today, past=question.past_only, future=question.future_only)


def clean(section: Section, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers as stored: one per question, in order; numbers whole where the question asks for
    whole numbers, and a multiple choice in the order of its options."""
    stored: dict[str, Any] = {}
    for question in section.questions:
        value = answers.get(question.key)
        if value in ("", []):
            value = None
        if question.type == "number" and question.whole and isinstance(value, float) and value.is_integer():
            value = int(value)
        if question.type == "multi_choice" and isinstance(value, list):
            value = [o.value for o in question.options if o.value in value]
        stored[question.key] = value
    return stored


# --- How answers read ----------------------------------------------------------------------


def answer_text(question: Question, value: Any) -> str:
    """An answer as people read it: option labels, "3 units", "12 March 2026"; "" when unanswered."""
    if value is None or value == "" or value == []:
        return ""
    kind = question.type
    if kind == "yes_no" and isinstance(value, bool):
        value = "yes" if value else "no"
    if kind in ("choice", "yes_no"):
        return _option_label(question, value)
    if kind == "multi_choice":
        values = value if isinstance(value, list) else [value]
        return ", ".join(_option_label(question, v) for v in values)
    if kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{_number(value)} {question.unit}" if question.unit else _number(value)
    if kind == "date":
        try:
            day = date.fromisoformat(str(value))
        except ValueError:
            return str(value)
        return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    return str(value)


def _option_label(question: Question, value: Any) -> str:
    option = question.option(value)
    # An answer saved under an older template may no longer be an option: show it as stored.
    return option.label if option else str(value)


def _number(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)
