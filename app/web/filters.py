"""Jinja filters for how OnePlan shows dates and error lists."""

from datetime import UTC, date
from zoneinfo import ZoneInfo

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
