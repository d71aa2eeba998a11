"""The demo NHS numbers: every one a valid, distinct 10-digit number from the 999 test range, at any
size the range can hold, and a clear refusal beyond it."""

import pytest

from app.demo import district
from app.front_door import nhs_number


def test_the_first_numbers_start_at_the_bottom_of_the_range_skipping_prefixes_that_need_check_digit_10():
    first = list(zip(range(3), district.nhs_numbers(0), strict=False))
    # 999 000 000 would need check digit 10: there is no valid number with that prefix.
    assert nhs_number.check_digit("999000000") is None
    assert [number for _, number in first] == ["9990000018", "9990000026", "9990000034"]


def test_a_prefix_whose_check_digit_is_0_gives_a_number_ending_in_0():
    numbers = district.nhs_numbers(5)
    assert next(numbers) == "9990000050"  # 11 - (total mod 11) == 11 becomes 0
    assert nhs_number.is_valid("9990000050")


def test_the_last_number_of_the_range_is_999_999_9999_and_then_it_wraps_to_the_bottom():
    numbers = district.nhs_numbers(999_999)
    assert next(numbers) == "9999999999"
    assert next(numbers) == "9990000018"


def test_every_valid_number_in_the_range_comes_exactly_once_from_any_start():
    """The old generator ran past 999 999 999 into 11 digits (99910064866) after about 810,000 people;
    starting where it used to start at most, the whole range now comes once and only once."""
    for start in (0, 200_000):
        numbers = list(district.nhs_numbers(start))
        assert len(numbers) == len(set(numbers)) == district.NHS_NUMBER_CAPACITY
        assert all(len(n) == 10 and n.startswith("999") for n in numbers)
        assert all(nhs_number.is_valid(n) for n in numbers[::997] + numbers[-2000:])


def test_a_start_outside_the_six_digit_serials_is_refused():
    with pytest.raises(ValueError):
        next(district.nhs_numbers(1_000_000))


def test_demo_data_accepts_west_yorkshires_size_but_refuses_more_people_than_the_range_holds_and_writes_nothing(runner, db):
    from sqlalchemy import func
    from sqlmodel import select

    from models import Person, User

    refused = runner.invoke(args=["demo-data", "--people", "2400000"])
    assert refused.exit_code != 0
    assert "909,091" in refused.output and "Nothing was written" in refused.output
    assert "Invalid value" not in refused.output  # the option takes the number; the range is what refuses
    assert db.exec(select(func.count()).select_from(User)).one() == 0
    assert db.exec(select(func.count()).select_from(Person)).one() == 0
    too_many = runner.invoke(args=["demo-data", "--people", "2400001"])
    assert too_many.exit_code != 0 and "Invalid value" in too_many.output
