"""Jinja filters for how OnePlan shows dates and error lists, and addresses that keep a list's query."""

from datetime import UTC, date
from typing import Any, Optional
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import request, url_for

from app.care_plan.handshake import Transition
from app.forms import answers
from models import ActionStatus, AssessmentStatus, ContactKind, GoalStatus, NeedStatus, PlanItemType, SuggestionStatus, TriageDecision

ENGLAND = ZoneInfo("Europe/London")


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")


def long_date(value) -> str:
    """12 March 1941: the NHS.UK style for dates (month names in English, whatever the machine's locale)."""
    if value is None:
        return ""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def age(born: date, today: date | None = None) -> int:
    today = today or date.today()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def error_list(errors: dict) -> list[dict]:
    """A field -> message dict as the NHS.UK error summary's list, each linking to its field."""
    return [{"text": message, "href": f"#{field}"} for field, message in errors.items()]


def local_time(moment) -> str:
    """A UTC time as England's local clock: 14:05 on 3 March 2026."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(ENGLAND)
    return f"{local.hour:02d}:{local.minute:02d} on {local.day} {MONTHS[local.month - 1]} {local.year}"


def options(items, selected=None, text=None) -> list[dict]:
    """Select/radio items for the NHS.UK macros from enums (value, label) or rows (id, name)."""
    result = []
    for item in items:
        if hasattr(item, "value") and not hasattr(item, "id"):
            value, label = item.value, (text[item] if text else item.label)
        else:
            value, label = str(item.id), (text[item] if text else item.name)
        chosen = selected is not None and (selected == item or str(selected) == value)
        result.append({"value": value, "text": label, "selected": chosen, "checked": chosen})
    return result


def url_with_query(endpoint: str, path_values: Optional[dict[str, Any]] = None, **replace: Any) -> str:
    """The address of `endpoint` with this request's query string, `replace` changing some of it.

    The query goes into the address as text, never as url_for's keywords: a visitor's
    `?endpoint=x`, `?_method=POST` or `?_scheme=javascript` is a filter the list ignores, not an
    argument that breaks (or redirects) the address."""
    query = [(name, value) for name, value in request.args.items(multi=True) if name not in replace]
    query += [(name, value) for name, value in replace.items() if value is not None]
    address = url_for(endpoint, **(path_values or {}))
    return f"{address}?{urlencode(query)}" if query else address


def init_app(app) -> None:
    app.add_template_global(answers.answer_text, "answer_text")
    # The vocabularies templates compare against, so no template spells a status as a bare string.
    for vocabulary in (
        ActionStatus,
        AssessmentStatus,
        ContactKind,
        GoalStatus,
        NeedStatus,
        PlanItemType,
        SuggestionStatus,
        TriageDecision,
        Transition,
    ):
        app.add_template_global(vocabulary, vocabulary.__name__)
    app.add_template_filter(long_date)
    app.add_template_filter(age)
    app.add_template_filter(error_list)
    app.add_template_filter(local_time)
    app.add_template_global(options)
    app.add_template_global(url_with_query)
