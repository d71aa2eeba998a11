"""A person changes their own password (their current one proves it is them), and an account whose
password an administrator chose must get a new one at first sign-in before anything else opens."""

import pytest
from sqlmodel import select

from app import checks
from app.trust import passwords
from models import AuditEvent, AuditOutcome, StaffSession, User
from tests.conftest import PASSWORD, AuthActions
from tests.factories import World

NEW = "plum kettle 47 orbit"


@pytest.fixture
def world(db):
    return World(db)


def change(auth, current=PASSWORD, new=NEW, confirm=None):
    return auth.post("/account/password", {"current_password": current, "new_password": new, "confirm_password": confirm or new})


def test_a_user_changes_their_own_password_and_the_old_one_stops_working(app, client, auth, db, world):
    auth.sign_in("nurse")
    assert client.get("/account/password").status_code == 200
    response = change(auth)
    assert response.status_code == 302 and response.location == "/"
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "change_password")).one()
    assert event.username == "nurse" and event.outcome == AuditOutcome.allowed
    other = AuthActions(app.test_client())
    assert other.sign_in("nurse", PASSWORD).status_code == 401
    assert other.sign_in("nurse", NEW).status_code == 302


def test_the_current_password_is_required_and_a_wrong_one_changes_nothing(client, auth, db, world):
    auth.sign_in("nurse")
    before = world.nurse.password_hash
    response = change(auth, current="not my password at all")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and passwords.CURRENT_WRONG in page and 'href="#current_password"' in page
    db.refresh(world.nurse)
    assert world.nurse.password_hash == before
    refused = db.exec(select(AuditEvent).where(AuditEvent.action == "change_password")).one()
    assert refused.outcome == AuditOutcome.refused


@pytest.mark.parametrize(
    "new, confirm, field, message",
    [
        ("sunshine12345", None, "new_password", checks.PASSWORD_COMMON),
        ("nurse on the ward", None, "new_password", checks.PASSWORD_HAS_USERNAME),
        ("short", None, "new_password", checks.PASSWORD_TOO_SHORT),
        (PASSWORD, None, "new_password", passwords.SAME_AS_BEFORE),
        (NEW, "plum kettle 47 orbiT", "confirm_password", passwords.NOT_THE_SAME),
    ],
)
def test_a_new_password_that_breaks_the_rule_gets_a_message_by_its_field(client, auth, db, world, new, confirm, field, message):
    auth.sign_in("nurse")
    before = world.nurse.password_hash
    response = change(auth, new=new, confirm=confirm)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page and f'href="#{field}"' in page and "There is a problem" in page
    db.refresh(world.nurse)
    assert world.nurse.password_hash == before


def test_a_change_ends_the_accounts_other_sessions_but_not_this_one(app, client, auth, db, world):
    elsewhere = app.test_client()
    AuthActions(elsewhere).sign_in("nurse")
    auth.sign_in("nurse")
    assert change(auth).status_code == 302
    assert client.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    ended = db.exec(select(StaffSession).where(StaffSession.ended_because == "password changed")).all()
    assert len(ended) == 1


def _add_user_as_admin(auth, world, password="a long enough password"):
    auth.sign_in("admin")
    form = {
        "username": "jo.bloggs",
        "full_name": "Jo Bloggs",
        "agency_id": str(world.nursing.id),
        "role": "practitioner",
        "profession": "district_nurse",
        "password": password,
    }
    assert auth.post("/admin/users/new", form).status_code == 302
    auth.sign_out()


def test_an_account_an_administrator_made_must_change_its_password_before_anything_else(client, auth, db, world):
    _add_user_as_admin(auth, world)
    assert db.exec(select(User).where(User.username == "jo.bloggs")).one().must_change_password
    response = auth.sign_in("jo.bloggs", "a long enough password")
    assert response.status_code == 302 and response.location == "/account/password"
    for page in ("/", "/people", f"/people/{world.person.id}"):
        refused = client.get(page)
        assert refused.status_code == 302 and refused.location == "/account/password", page
    htmx = client.get("/people", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == "/account/password"
    assert "An administrator chose the password" in client.get("/account/password").get_data(as_text=True)
    assert change(auth, current="a long enough password").status_code == 302
    assert not db.exec(select(User).where(User.username == "jo.bloggs")).one().must_change_password
    assert client.get("/").status_code == 200


def test_the_page_asked_for_before_signing_in_is_kept_through_the_change(client, auth, db, world):
    _add_user_as_admin(auth, world)
    client.post(
        "/sign-in", data={"username": "jo.bloggs", "password": "a long enough password", "next": "/people", "csrf_token": auth.csrf_token()}
    )
    assert change(auth, current="a long enough password").location == "/people"


def test_one_who_owes_a_new_password_can_still_sign_out(client, auth, db, world):
    _add_user_as_admin(auth, world)
    auth.sign_in("jo.bloggs", "a long enough password")
    response = auth.sign_out()
    assert response.status_code == 302 and response.location == "/sign-in"


def test_an_account_made_on_the_command_line_must_change_its_password_too(runner, db, world):
    result = runner.invoke(
        args=[
            *("create-user", "--username", "cli.person", "--full-name", "CLI Person", "--agency", world.nursing.name),
            *("--role", "practitioner", "--profession", "district_nurse"),
        ],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert db.exec(select(User).where(User.username == "cli.person")).one().must_change_password
