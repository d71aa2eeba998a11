"""NHS numbers: ten digits, the last a modulus-11 check digit."""

import re

_NON_DIGITS = re.compile(r"[\s-]")


class InvalidNHSNumber(ValueError):
    pass


def check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit for nine digits; None where 10 would be needed (no valid number)."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    digit = 11 - (total % 11)
    if digit == 11:
        return 0
    if digit == 10:
        return None
    return digit


def normalise(text: str) -> str:
    """Strip spaces and hyphens; return the 10 digits or raise InvalidNHSNumber with a reason."""
    digits = _NON_DIGITS.sub("", text or "")
    if not digits:
        raise InvalidNHSNumber("Enter an NHS number")
    if not digits.isdigit():
        raise InvalidNHSNumber("NHS number must only include numbers")
    if len(digits) != 10:
        raise InvalidNHSNumber("NHS number must be 10 digits")
    expected = check_digit(digits[:9])
    if expected is None or expected != int(digits[9]):
        raise InvalidNHSNumber("Enter a valid NHS number (the check digit does not match)")
    return digits


def is_valid(text: str) -> bool:
    try:
        normalise(text)
    except InvalidNHSNumber:
        return False
    return True


def looks_like(text: str) -> bool:
    """True for input shaped like an NHS number (10 digits, optional spaces), valid or not."""
    digits = _NON_DIGITS.sub("", text or "")
    return digits.isdigit() and len(digits) == 10
