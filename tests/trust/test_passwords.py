"""ASVS 5.0 level 2 for passwords: every password set (by an administrator, on the command line, or
by the person themselves) is checked against a maintained list of passwords found in breaches and
against the username, with a message by the field."""

import pytest
from sqlmodel import select

from app import checks
from app.trust import passwords
from models import User
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


@pytest.mark.parametrize(
    "password, message",
    [("sunshine12345", checks.PASSWORD_COMMON), ("new.person is my name", checks.PASSWORD_HAS_USERNAME)],
)
def test_the_administrators_form_and_the_command_line_refuse_it_with_the_message(client, auth, db, world, runner, password, message):
    auth.sign_in("admin")
    response = auth.post(
        "/admin/users/new",
        {
            "username": "new.person",
            "full_name": "New Person",
            "agency_id": str(world.nursing.id),
            "role": "practitioner",
            "profession": "district_nurse",
            "password": password,
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page and 'href="#password"' in page
    assert db.exec(select(User).where(User.username == "new.person")).first() is None
    result = runner.invoke(
        args=[
            *("create-user", "--username", "new.person", "--full-name", "CLI Person", "--agency", world.nursing.name),
            *("--role", "practitioner", "--profession", "district_nurse"),
        ],
        input=password + "\n",
    )
    assert result.exit_code != 0 and message in result.output
    assert db.exec(select(User).where(User.username == "new.person")).first() is None
