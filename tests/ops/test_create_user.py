from sqlmodel import select

from models import AuditEvent, User
from tests.factories import World


def test_it_creates_a_user_with_the_password_from_standard_input(runner, db, auth):
    World(db)
    result = runner.invoke(
        args=[
            "create-user",
            "--username",
            "Jo.Bloggs",
            "--full-name",
            "Jo Bloggs",
            "--agency",
            "North Community Nursing",
            "--role",
            "practitioner",
            "--profession",
            "district_nurse",
        ],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created user jo.bloggs" in result.output
    user = db.exec(select(User).where(User.username == "jo.bloggs")).one()
    assert user.password_hash.startswith("$argon2")
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "create_user")).one().record_id == str(user.id)
    assert auth.sign_in("jo.bloggs", "a long enough password").status_code == 302


def test_it_refuses_an_unknown_agency_with_a_clear_message(runner, db):
    World(db)
    result = runner.invoke(
        args=["create-user", "--username", "x", "--full-name", "X", "--agency", "Nowhere", "--role", "practitioner", "--profession", "gp"],
        input="a long enough password\n",
    )
    assert result.exit_code != 0 and "No agency is called 'Nowhere'" in result.output


def test_it_refuses_a_short_password_and_a_taken_username(runner, db):
    World(db)
    short = runner.invoke(
        args=[
            "create-user",
            "--username",
            "newbie",
            "--full-name",
            "N",
            "--agency",
            "North Community Nursing",
            "--role",
            "practitioner",
            "--profession",
            "gp",
        ],
        input="short\n",
    )
    assert short.exit_code != 0 and "12 characters or more" in short.output
    taken = runner.invoke(
        args=[
            "create-user",
            "--username",
            "nurse",
            "--full-name",
            "N",
            "--agency",
            "North Community Nursing",
            "--role",
            "practitioner",
            "--profession",
            "gp",
        ],
        input="a long enough password\n",
    )
    assert taken.exit_code != 0 and "already taken" in taken.output


def test_a_network_lead_needs_a_network(runner, db):
    World(db)
    result = runner.invoke(
        args=[
            "create-user",
            "--username",
            "newlead",
            "--full-name",
            "N",
            "--agency",
            "Northgate Surgery",
            "--role",
            "network_lead",
            "--profession",
            "gp",
        ],
        input="a long enough password\n",
    )
    assert result.exit_code != 0 and "network" in result.output
