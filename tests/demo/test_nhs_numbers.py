"""The demo NHS numbers: every one a valid, distinct 10-digit number from the 999 test range, at any
size the range can hold, and "not known" for everyone beyond it (never a number outside the range)."""

import itertools

import pytest

from app.demo import district
from app.front_door import nhs_number
from tests import factories


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


def test_the_allocator_gives_every_number_of_the_range_then_not_known_at_the_edge():
    """Person 909,091 gets the range's last number; person 909,092 and everyone after, none."""
    people = list(itertools.islice(district.allocate_nhs_numbers(200_000), district.NHS_NUMBER_CAPACITY + 3))
    numbered, unnumbered = people[: district.NHS_NUMBER_CAPACITY], people[district.NHS_NUMBER_CAPACITY :]
    assert all(n is not None and len(n) == 10 and n.startswith("999") for n in numbered)
    assert len(set(numbered)) == district.NHS_NUMBER_CAPACITY == 909_091
    assert numbered == list(district.nhs_numbers(200_000))  # the same numbers, in the same order, as before
    assert unnumbered == [None, None, None]


def test_how_many_people_have_no_number():
    assert district.without_nhs_number(0) == 0
    assert district.without_nhs_number(909_091) == 0
    assert district.without_nhs_number(909_092) == 1
    assert district.without_nhs_number(2_400_000) == 1_490_909


def test_demo_data_takes_west_yorkshires_size_saying_how_many_will_have_no_nhs_number(runner, db):
    """Checked against a database that already holds data, so nothing is built (the message comes first)."""
    factories.person(db)
    said = runner.invoke(args=["demo-data", "--people", "2400000"])
    assert "the first 909,091 people get one, and 1,490,909 are recorded with NHS number not known" in said.output
    assert "Invalid value" not in said.output  # the option takes the number
    assert "already holds data" in said.output
    too_many = runner.invoke(args=["demo-data", "--people", "2400001"])
    assert too_many.exit_code != 0 and "Invalid value" in too_many.output
    at_capacity = runner.invoke(args=["demo-data", "--people", "909091"])
    assert "not known" not in at_capacity.output
