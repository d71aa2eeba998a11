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


# The standards as the service specification states them, written out by hand.
EXPECTED_STANDARDS = {
    Urgency.urgent: ("Urgent community response", "hours", 2, 0.7),
    Urgency.two_day: ("Within 2 days", "calendar_days", 2, None),
    Urgency.routine: ("Routine", "working_days", 10, None),
}


@pytest.mark.parametrize("urgency", list(EXPECTED_STANDARDS))
def test_each_response_standard_is_as_written(urgency):
    standard = clocks.response_standards()[urgency]
    assert (standard.label, standard.clock, standard.amount, standard.target_share) == EXPECTED_STANDARDS[urgency]
    assert standard.urgency is urgency and standard.meaning


DUE = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "before_due, text, band",
    [
        (timedelta(hours=1, minutes=1), "1 hour 1 minute left", "on-time"),
        (timedelta(hours=1, seconds=1), "1 hour left", "on-time"),
        (timedelta(hours=1), "1 hour left", "due-soon"),
        (timedelta(minutes=1), "1 minute left", "due-soon"),
        (timedelta(0), "less than a minute left", "due-soon"),
    ],
)
def test_a_clock_more_than_an_hour_from_its_due_time_is_on_time(before_due, text, band):
    clock = clocks.clock_for(DUE, DUE - before_due)
    assert (clock.text, clock.band, clock.overdue) == (text, band, False)


def test_a_clock_a_second_past_its_due_time_is_overdue():
    clock = clocks.clock_for(DUE, DUE + timedelta(seconds=1))
    assert (clock.text, clock.band, clock.overdue) == ("Overdue by less than a minute", "overdue", True)


def test_a_response_at_the_due_time_meets_the_standard_and_a_second_later_misses_it():
    met = clocks.clock_for(DUE, DUE + timedelta(days=3), responded_at=DUE)
    assert (met.text, met.band, met.overdue) == ("Responded in time", "met", False)
    missed = clocks.clock_for(DUE, DUE, responded_at=DUE + timedelta(seconds=1))
    assert (missed.text, missed.band, missed.overdue) == ("Responded less than a minute late", "missed", True)


def test_times_stored_without_a_zone_are_read_as_utc():
    naive_due = datetime(2026, 1, 1, 12, 0)
    assert clocks.clock_for(naive_due, DUE - timedelta(hours=2)).text == "2 hours left"
    assert clocks.clock_for(naive_due, DUE, responded_at=datetime(2026, 1, 1, 12, 30)).text == "Responded 30 minutes late"
    assert clocks.as_utc(naive_due) == DUE and clocks.as_utc(DUE) is DUE
    assert clocks.due_by(naive_due, Urgency.urgent) == DUE + timedelta(hours=2)


@pytest.mark.parametrize(
    "span, words",
    [
        (timedelta(seconds=59), "less than a minute"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(minutes=2), "2 minutes"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(hours=2, minutes=1), "2 hours 1 minute"),
        (timedelta(days=1), "1 day"),
        (timedelta(days=2, hours=3, minutes=4), "2 days 3 hours"),
        (timedelta(days=1, minutes=5), "1 day 5 minutes"),
    ],
)
def test_a_span_is_said_in_its_two_largest_units(span, words):
    assert clocks.describe(span) == words


def test_a_due_time_is_said_in_englands_local_time():
    assert clocks.in_words(datetime(2026, 7, 3, 13, 30, tzinfo=UTC)) == "14:30 on 3 July 2026"
    assert clocks.in_words(datetime(2026, 11, 3, 9, 5)) == "09:05 on 3 November 2026"


def test_today_is_englands_date():
    assert clocks.today_in_england(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == date(2026, 7, 1)
    assert clocks.today_in_england(datetime(2026, 12, 31, 23, 30)) == date(2026, 12, 31)


def test_counting_working_days_skips_weekends_and_holidays():
    friday = date(2026, 11, 20)
    assert clocks.add_working_days(friday, 0) == friday
    assert clocks.add_working_days(friday, 1) == date(2026, 11, 23)
    assert clocks.add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert clocks.is_working_day(date(2026, 11, 20)) and not clocks.is_working_day(date(2026, 11, 22))


# --- The data files are checked on load --------------------------------------------------------

GOOD = {
    "urgent": {"urgency": "urgent", "label": "Urgent", "clock": "hours", "amount": 2, "target_share": 0.7},
    "two_day": {"urgency": "two_day", "label": "Two days", "clock": "calendar_days", "amount": 2},
    "routine": {"urgency": "routine", "label": "Routine", "clock": "working_days", "amount": 10, "target_share": None},
}


@pytest.fixture
def data_folder(tmp_path, monkeypatch):
    """Point the clocks at a data folder of the test's own, and forget what was loaded."""
    import json
    import shutil

    from app.config import DATA

    shutil.copy(DATA / "bank_holidays_england.json", tmp_path)
    monkeypatch.setattr(clocks, "DATA", tmp_path)
    clocks.response_standards.cache_clear()
    clocks.bank_holidays.cache_clear()

    def write(name, content):
        (tmp_path / name).write_text(json.dumps(content))

    yield write
    clocks.response_standards.cache_clear()
    clocks.bank_holidays.cache_clear()


def standards_with(**changes):
    return {"standards": [dict(entry, **changes.get(key, {})) for key, entry in GOOD.items()]}


def test_a_well_formed_standards_file_loads(data_folder):
    data_folder("response_standards.json", standards_with(routine={"target_share": 1, "meaning": "Ten days"}))
    standards = clocks.response_standards()
    assert standards[Urgency.routine].target_share == 1 and standards[Urgency.routine].meaning == "Ten days"
    assert standards[Urgency.two_day].target_share is None and standards[Urgency.two_day].meaning == ""
    assert standards[Urgency.urgent] == clocks.ResponseStandard(Urgency.urgent, "Urgent", "hours", 2, 0.7, "")


@pytest.mark.parametrize(
    "change",
    [
        {"clock": "fortnights"},
        {"amount": 0},
        {"amount": -1},
        {"amount": 2.5},
        {"amount": "2"},
        {"target_share": 0},
        {"target_share": 1.5},
        {"urgency": "whenever"},
    ],
)
def test_a_bad_standard_is_refused_on_load(data_folder, change):
    data_folder("response_standards.json", standards_with(urgent=change))
    with pytest.raises(clocks.DataFileError, match="response_standards.json: bad standard"):
        clocks.response_standards()


@pytest.mark.parametrize("field", ["urgency", "label", "clock", "amount"])
def test_a_standard_missing_a_field_is_refused_on_load(data_folder, field):
    content = standards_with()
    del content["standards"][0][field]
    data_folder("response_standards.json", content)
    with pytest.raises(clocks.DataFileError, match="bad standard"):
        clocks.response_standards()


def test_every_urgency_needs_a_standard(data_folder):
    data_folder("response_standards.json", {"standards": [GOOD["urgent"], GOOD["routine"]]})
    with pytest.raises(clocks.DataFileError, match="must define a standard for every urgency"):
        clocks.response_standards()
    data_folder("response_standards.json", {})
    clocks.response_standards.cache_clear()
    with pytest.raises(clocks.DataFileError, match="every urgency"):
        clocks.response_standards()


@pytest.mark.parametrize("content", [{"dates": ["2026-12-25", "25/12/2026"]}, {"days": ["2026-12-25"]}])
def test_bank_holidays_must_be_iso_dates(data_folder, content):
    data_folder("bank_holidays_england.json", content)
    with pytest.raises(clocks.DataFileError, match="dates must be YYYY-MM-DD"):
        clocks.bank_holidays()


def test_the_bank_holidays_are_read_from_their_file(data_folder):
    data_folder("bank_holidays_england.json", {"dates": ["2026-11-23"]})
    assert clocks.bank_holidays() == frozenset({date(2026, 11, 23)})
    assert not clocks.is_working_day(date(2026, 11, 23)) and clocks.is_working_day(date(2026, 12, 25))
