"""ASVS 5.0 level 2 for passwords: every password set (by an administrator, on the command line, or
by the person themselves) is checked against a maintained list of passwords found in breaches and
against the username, with a message by the field."""

import pytest

from app import checks
from app.trust import passwords
from tests.factories import World


@pytest.fixture
def world(db):
    return World(db)


@pytest.mark.parametrize(
    "password", ["qwertyuiop123", "iloveyou1234", "Password2024!", "!!sunshine2025", "FOOTBALLFOOTBALL", "abcabcabcabc", "xxxxxxxxxxxxxxxx"]
)
def test_a_breached_password_is_refused_whatever_its_case_or_padding(password):
    assert passwords.problem(password, "jo.bloggs") == checks.PASSWORD_COMMON


def test_the_list_is_the_packages_not_a_hand_typed_one():
    assert passwords.is_common("password") and passwords.is_common("123456")
    assert len(passwords._breached()) >= 10_000


@pytest.mark.parametrize("password", ["jo.bloggs-is-here", "my JO.BLOGGS password"])
def test_a_password_containing_the_username_is_refused(password):
    assert passwords.problem(password, "Jo.Bloggs") == checks.PASSWORD_HAS_USERNAME


@pytest.mark.parametrize("password", ["correct horse battery staple", "a long enough password", "plum kettle 47 orbit"])
def test_an_uncommon_password_without_the_username_is_accepted(password):
    assert passwords.problem(password, "jo.bloggs") is None
