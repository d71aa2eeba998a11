"""The response clocks: 2 hours, 2 days, 10 working days (England's bank holidays skipped)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from app.front_door import clocks
from models import Urgency

UTC = UTC


def test_the_two_hour_clock_runs_across_midnight():
    received = datetime(2026, 11, 20, 23, 15, tzinfo=UTC)
    assert clocks.due_by(received, Urgency.urgent) == datetime(2026, 11, 21, 1, 15, tzinfo=UTC)


def test_the_two_day_clock_counts_weekends():
    received = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # a Friday
    assert clocks.due_by(received, Urgency.two_day) == datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def test_routine_is_the_end_of_the_tenth_working_day_skipping_weekends():
    received = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # Monday 2 November 2026 (GMT)
    due = clocks.due_by(received, Urgency.routine)
    assert due == datetime(2026, 11, 16, 23, 59, 59, tzinfo=UTC)  # Monday 16th, 10 working days on


def test_routine_skips_christmas_and_the_substitute_boxing_day():
    received = datetime(2026, 12, 21, 12, 0, tzinfo=UTC)  # Monday
    # Working days after: 22, 23, 24, (25 Christmas, 26-27 weekend, 28 substitute Boxing Day), 29, 30, 31,
    # (1 Jan bank holiday, 2-3 weekend), 4, 5, 6, 7 -> the 10th is Thursday 7 January 2027.
    assert clocks.due_by(received, Urgency.routine).date() == date(2027, 1, 7)


def test_routine_received_at_the_weekend_counts_from_monday():
    saturday = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
    assert clocks.due_by(saturday, Urgency.routine).date() == date(2026, 12, 4)


def test_working_days_are_counted_in_englands_local_date():
    # 23:30 UTC on 31 May 2026 is 00:30 on Monday 1 June in British Summer Time.
    late = datetime(2026, 5, 31, 23, 30, tzinfo=UTC)
    due = clocks.due_by(late, Urgency.routine)
    local = due.astimezone(clocks.ENGLAND)
    assert local.date() == date(2026, 6, 15) and (local.hour, local.minute) == (23, 59)


@pytest.mark.parametrize(
    "day, working",
    [
        (date(2026, 4, 3), False),
        (date(2026, 4, 6), False),
        (date(2026, 4, 7), True),
        (date(2026, 11, 21), False),
        (date(2026, 8, 31), False),
    ],
)
def test_bank_holidays_and_weekends_are_not_working_days(day, working):
    assert clocks.is_working_day(day) is working


def test_the_clock_says_how_long_is_left_or_how_overdue():
    due = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert clocks.clock_for(due, due - timedelta(hours=3, minutes=20)).text == "3 hours 20 minutes left"
    soon = clocks.clock_for(due, due - timedelta(minutes=30))
    assert (soon.text, soon.band) == ("30 minutes left", "due-soon")
    late = clocks.clock_for(due, due + timedelta(days=1, hours=2))
    assert (late.text, late.band, late.overdue) == ("Overdue by 1 day 2 hours", "overdue", True)


def test_a_decided_referral_shows_whether_the_standard_was_met():
    due = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert clocks.clock_for(due, due, responded_at=due - timedelta(minutes=5)).band == "met"
    missed = clocks.clock_for(due, due, responded_at=due + timedelta(minutes=90))
    assert (missed.band, missed.text) == ("missed", "Responded 1 hour 30 minutes late")


def test_the_standards_are_data_with_the_national_two_hour_target():
    standards = clocks.response_standards()
    assert set(standards) == set(Urgency)
    assert standards[Urgency.urgent].target_share == 0.7 and standards[Urgency.routine].clock == "working_days"
