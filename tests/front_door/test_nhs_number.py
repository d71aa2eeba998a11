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
