"""Whether a password is one that attackers try first: the 30,000 passwords found most often in
breached password dumps, as shipped (and maintained) in the zxcvbn package, read offline. A listed
password with digits or symbols added at either end ("Password2024!") is as easy to guess, so it
counts too, and so does a listed word, or a few characters, said over and over ("footballfootball",
"abcabcabcabc"). The messages are app/checks.py's."""

from functools import cache
from typing import Optional

from zxcvbn.frequency_lists import FREQUENCY_LISTS

from app import checks

# What people add to a listed word to pass a "must contain a digit or symbol" rule.
_PADDING = "0123456789!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ "


@cache
def _breached() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common(password: str) -> bool:
    """A breached password, in any case, alone or with digits and symbols around it."""
    lowered = password.lower()
    listed = _breached()
    if lowered in listed:
        return True
    core = lowered.strip(_PADDING)
    if len(core) >= 4 and core in listed:
        return True
    unit = _repeated_unit(lowered)
    return unit != lowered and (len(unit) < 4 or unit in listed)


def _repeated_unit(text: str) -> str:
    """The shortest piece that `text` is made of, said over and over (`text` itself if none)."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return text


def problem(password: str, username: str) -> Optional[str]:
    """The password rule for `username`'s account, as a message by the password field, or None."""
    return checks.password_problem(password, username=username, is_common=is_common)
