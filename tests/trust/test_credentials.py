"""Every way a credential is accepted (a password at sign-in, a web session, an API bearer token)
stops working at once when the account is locked or deactivated."""

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from app.trust import api_tokens
from models import AuditEvent, AuditOutcome
from tests.conftest import PASSWORD, AuthActions
from tests.factories import World


def _lock(app, db, world):
    """As too many wrong passwords in a row do (app/trust/accounts.py)."""
    world.nurse.locked_at, world.nurse.failed_sign_ins = datetime.now(UTC), app.config["SIGN_IN_LOCKOUT_FAILURES"]
    db.add(world.nurse)
    db.commit()


def _lock_by_wrong_passwords(app, db, world):
    """From another browser, as someone guessing the password would."""
    guesser = AuthActions(app.test_client())
    for _ in range(app.config["SIGN_IN_LOCKOUT_FAILURES"]):
        guesser.sign_in("nurse", "wrong password!!")
    db.refresh(world.nurse)
    assert world.nurse.locked_at is not None


def _deactivate(app, db, world):
    world.nurse.is_active = False
    db.add(world.nurse)
    db.commit()


STOPS = {"locked": _lock, "locked by wrong passwords": _lock_by_wrong_passwords, "deactivated": _deactivate}


@pytest.fixture
def world(db):
    return World(db)


def _fhir_search(client, token):
    return client.get("/fhir/Organization?name=North", headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("stop", STOPS)
def test_an_api_token_stops_working_when_its_account_is_locked_or_deactivated(app, client, db, world, stop):
    token = api_tokens.issue(db, world.nurse, "GP system")
    db.commit()
    assert _fhir_search(client, token).status_code == 200
    STOPS[stop](app, db, world)
    response = _fhir_search(client, token)
    assert response.status_code == 401
    assert "locked or deactivated" in response.get_json(force=True)["issue"][0]["diagnostics"]
    refusal = db.exec(select(AuditEvent).where(AuditEvent.action == "fhir_sign_in")).all()[-1]
    assert refusal.outcome == AuditOutcome.refused


@pytest.mark.parametrize("stop", STOPS)
def test_a_web_session_stops_working_when_its_account_is_locked_or_deactivated(app, client, auth, db, world, stop):
    auth.sign_in("nurse")
    assert client.get("/").status_code == 200
    STOPS[stop](app, db, world)
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("stop", STOPS)
def test_the_right_password_does_not_sign_in_to_a_locked_or_deactivated_account(app, client, auth, db, world, stop):
    STOPS[stop](app, db, world)
    response = auth.sign_in("nurse", PASSWORD)
    assert response.status_code == 401
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("stop", STOPS)
def test_no_new_api_token_is_issued_to_a_locked_or_deactivated_account(app, runner, db, world, stop):
    STOPS[stop](app, db, world)
    result = runner.invoke(args=["issue-token", "nurse", "--label", "GP system"])
    assert result.exit_code != 0 and "No active, unlocked user" in result.output
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "issue_api_token")).all() == []
