"""The response clocks of the single point of access: 2 hours, 2 days, 10 working days.

The standards are data (app/data/response_standards.json, checked on load), and so are England's
bank holidays (app/data/bank_holidays_england.json): a clinical change is a data change.
"""

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Optional
from zoneinfo import ZoneInfo

from app.config import DATA
from models import Urgency

ENGLAND = ZoneInfo("Europe/London")
CLOCKS = {"hours", "calendar_days", "working_days"}


@dataclass(frozen=True)
class ResponseStandard:
    urgency: Urgency
    label: str
    clock: str
    amount: int
    target_share: Optional[float]
    meaning: str


class DataFileError(ValueError):
    pass


@lru_cache(maxsize=1)
def response_standards() -> dict[Urgency, ResponseStandard]:
    """Load the response standards once, checking every field (a clinical change is a data change)."""
    raw = json.loads((DATA / "response_standards.json").read_text())
    standards: dict[Urgency, ResponseStandard] = {}
    for entry in raw.get("standards", []):
        try:
            urgency = Urgency(entry["urgency"])
            amount = entry["amount"]
            target = entry.get("target_share")
            if entry["clock"] not in CLOCKS or not isinstance(amount, int) or amount <= 0:
                raise ValueError(entry)
            if target is not None and not 0 < target <= 1:
                raise ValueError(entry)
            standards[urgency] = ResponseStandard(
                urgency, str(entry["label"]), entry["clock"], amount, target, str(entry.get("meaning", ""))
            )
        except (KeyError, ValueError) as problem:
            raise DataFileError(f"response_standards.json: bad standard {entry!r}") from problem
    if set(standards) != set(Urgency):
        raise DataFileError("response_standards.json must define a standard for every urgency")
    return standards


@lru_cache(maxsize=1)
def bank_holidays() -> frozenset[date]:
    """England's bank holidays, from their data file (dates as YYYY-MM-DD)."""
    raw = json.loads((DATA / "bank_holidays_england.json").read_text())
    try:
        return frozenset(date.fromisoformat(d) for d in raw["dates"])
    except (KeyError, ValueError) as problem:
        raise DataFileError("bank_holidays_england.json: dates must be YYYY-MM-DD") from problem


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not one of England's bank holidays."""
    return day.weekday() < 5 and day not in bank_holidays()


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (weekends and bank holidays skipped)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def as_utc(moment: datetime) -> datetime:
    """A stored time (UTC, kept without a zone by some databases) as an aware UTC time."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def due_by(received_at: datetime, urgency: Urgency) -> datetime:
    """When a response is due: 2 hours; 2 calendar days; or the end of the 10th working day
    after receipt, counted in England's local time. Returned in UTC."""
    standard = response_standards()[urgency]
    received = as_utc(received_at)
    if standard.clock == "hours":
        return received + timedelta(hours=standard.amount)
    if standard.clock == "calendar_days":
        return received + timedelta(days=standard.amount)
    local_day = received.astimezone(ENGLAND).date()
    last_day = add_working_days(local_day, standard.amount)
    end_of_day = datetime.combine(last_day, datetime.max.time().replace(microsecond=0), tzinfo=ENGLAND)
    return end_of_day.astimezone(UTC)


def in_words(moment: datetime) -> str:
    """A due-by time as England reads it in a message: '14:30 on 3 November 2026'."""
    local = as_utc(moment).astimezone(ENGLAND)
    return f"{local:%H:%M} on {local.day} {local:%B %Y}"


def today_in_england(now: datetime) -> date:
    """The date it is in England at `now`: what 'today' means for dates people type."""
    return as_utc(now).astimezone(ENGLAND).date()


@dataclass(frozen=True)
class Clock:
    """How a referral stands against its clock, in words and a colour band (never colour alone)."""

    text: str
    band: str  # "overdue", "due-soon", "on-time", "met", "missed"
    overdue: bool


def clock_for(due: datetime, now: datetime, responded_at: Optional[datetime] = None) -> Clock:
    """Met or missed once responded to; otherwise overdue, due within the hour, or on time."""
    due = as_utc(due)
    if responded_at is not None:
        responded_at = as_utc(responded_at)
        if responded_at <= due:
            return Clock("Responded in time", "met", False)
        return Clock(f"Responded {describe(responded_at - due)} late", "missed", True)
    left = due - now
    if left.total_seconds() < 0:
        return Clock(f"Overdue by {describe(-left)}", "overdue", True)
    band = "due-soon" if left <= timedelta(hours=1) else "on-time"
    return Clock(f"{describe(left)} left", band, False)


def describe(span: timedelta) -> str:
    """A span in the two largest units people use: '1 day 3 hours', '45 minutes'."""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    for amount, unit in ((days, "day"), (hours, "hour"), (minutes, "minute")):
        if amount:
            parts.append(f"{amount} {unit}{'' if amount == 1 else 's'}")
    return " ".join(parts[:2]) or "less than a minute"
