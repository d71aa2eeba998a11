import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.front_door import nhs_number
from models import format_nhs_number


def test_it_accepts_a_valid_number_with_or_without_spaces():
    assert nhs_number.normalise("943 476 5919") == "9434765919"
    assert nhs_number.normalise("9434765919") == "9434765919"
    assert nhs_number.normalise("943-476-5919") == "9434765919"


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "Enter an NHS number"),
        ("943476591", "10 digits"),
        ("94347659190", "10 digits"),
        ("94347659A9", "only include numbers"),
        ("9434765918", "check digit"),
    ],
)
def test_it_rejects_bad_nhs_numbers_with_a_reason(text, message):
    with pytest.raises(nhs_number.InvalidNHSNumber, match=message):
        nhs_number.normalise(text)


def test_a_check_digit_of_ten_means_no_valid_number():
    for n in range(1000):
        first_nine = f"999000{n:03d}"
        if nhs_number.check_digit(first_nine) is None:
            assert not any(nhs_number.is_valid(first_nine + str(d)) for d in range(10))
            return
    pytest.fail("no nine-digit prefix needing check digit 10 in the range tried")


def test_it_shows_numbers_as_three_three_four():
    assert format_nhs_number("9991234567") == "999 123 4567"


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_nine_digits_have_at_most_one_valid_check_digit(first_nine):
    valid = [d for d in range(10) if nhs_number.is_valid(first_nine + str(d))]
    expected = nhs_number.check_digit(first_nine)
    assert valid == ([] if expected is None else [expected])


@given(st.text(max_size=30))
def test_normalise_never_fails_with_anything_but_a_clear_reason(text):
    try:
        digits = nhs_number.normalise(text)
    except nhs_number.InvalidNHSNumber as problem:
        assert str(problem)
    else:
        assert len(digits) == 10 and digits.isdigit()


# Ten numbers, one for each check digit, worked out by hand from the modulus-11 rule
# (weights 10 down to 2; 11 minus the remainder; 11 means 0, 10 means no valid number).
CHECK_DIGITS = {
    "999000001": 8,
    "999000002": 6,
    "999000003": 4,
    "999000004": 2,
    "999000005": 0,
    "999000006": 9,
    "999000007": 7,
    "999000008": 5,
    "999000009": 3,
    "999000013": 1,
    "999000000": None,
}


@pytest.mark.parametrize("first_nine, digit", CHECK_DIGITS.items())
def test_each_check_digit_is_the_modulus_eleven_rule(first_nine, digit):
    assert nhs_number.check_digit(first_nine) == digit


def test_a_number_whose_check_digit_is_zero_is_valid():
    assert nhs_number.normalise("999 000 0050") == "9990000050"
    assert not nhs_number.is_valid("9990000051")


def test_a_check_digit_needs_exactly_nine_digits():
    with pytest.raises(ValueError):
        nhs_number.check_digit("99900000")
    with pytest.raises(ValueError):
        nhs_number.check_digit("9990000050")


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "Enter an NHS number"),
        (" - ", "Enter an NHS number"),
        ("943476591", "NHS number must be 10 digits"),
        ("94347659A9", "NHS number must only include numbers"),
        ("9434765918", "Enter a valid NHS number (the check digit does not match)"),
        ("9990000000", "Enter a valid NHS number (the check digit does not match)"),
    ],
)
def test_each_rejection_says_exactly_what_is_wrong(text, message):
    with pytest.raises(nhs_number.InvalidNHSNumber) as problem:
        nhs_number.normalise(text)
    assert str(problem.value) == message


@pytest.mark.parametrize(
    "text, shaped",
    [
        ("943 476 5919", True),
        ("943-476-5918", True),  # shaped like one, though its check digit is wrong
        ("Williamson", False),
        ("Williamson1", False),
        ("943 476 591", False),
        ("94347659190", False),
        ("", False),
    ],
)
def test_only_ten_digits_look_like_an_nhs_number(text, shaped):
    assert nhs_number.looks_like(text) is shaped
