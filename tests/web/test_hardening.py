"""Hardening: lock-out after repeated failures that only an administrator lifts, a new session
id at every sign-in, sessions that really end (a copied cookie is worthless after sign-out or
idle time), password rules with a clear message, request size limits, and a Content-Security-
Policy with no inline script."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from app import checks
from models import AuditEvent, StaffSession, User
from tests.conftest import AuthActions
from tests.factories import World


@pytest.fixture
def world(db):
    return World(db)


@pytest.fixture
def lockable(app):
    """Lock-out after 3 failures, so the test reaches it quickly."""
    app.config.update(SIGN_IN_LOCKOUT_FAILURES=3)
    return app


def _session_id(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("sid")


def test_repeated_failures_lock_the_account_even_against_the_right_password(client, auth, db, world, lockable):
    for _ in range(3):
        auth.sign_in("nurse", "wrong password!!")
    response = auth.sign_in("nurse")
    page = response.get_data(as_text=True)
    assert response.status_code == 401 and "Your account is locked" in page and "Ask an administrator" in page
    db.refresh(world.nurse)
    assert world.nurse.locked_at is not None
    locked = db.exec(select(AuditEvent).where(AuditEvent.action == "account_locked")).one()
    assert locked.username == "nurse" and "3 failed sign-ins" in locked.reason


def test_a_lock_ends_the_accounts_live_sessions(app, client, auth, db, world, lockable):
    auth.sign_in("nurse")
    other = app.test_client()
    for _ in range(3):
        AuthActions(other).sign_in("nurse", "wrong password!!")
    assert client.get("/").status_code == 302


def test_an_administrator_unlocks_the_account_and_it_is_audited(app, client, auth, db, world, lockable):
    for _ in range(3):
        auth.sign_in("nurse", "wrong password!!")
    admin = app.test_client()
    admin_auth = AuthActions(admin)
    admin_auth.sign_in("admin")
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "Locked" in page and f"/admin/users/{world.nurse.id}/unlock" in page
    response = admin_auth.post(f"/admin/users/{world.nurse.id}/unlock")
    assert response.status_code == 302
    assert "is unlocked" in admin.get("/admin/users").get_data(as_text=True)
    db.refresh(world.nurse)
    assert world.nurse.locked_at is None and world.nurse.failed_sign_ins == 0
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "unlock_account")).one()
    assert event.username == "admin" and event.record_id == str(world.nurse.id)
    assert auth.sign_in("nurse").status_code == 302


def test_only_administrators_unlock_accounts(client, auth, db, world, lockable):
    world.nurse.locked_at = datetime.now(UTC)
    db.add(world.nurse)
    db.commit()
    auth.sign_in("lead")
    assert auth.post(f"/admin/users/{world.nurse.id}/unlock").status_code == 403
    db.refresh(world.nurse)
    assert world.nurse.locked_at is not None


def test_sign_in_issues_a_new_session_id_every_time(client, auth, db, world):
    client.get("/sign-in")
    assert _session_id(client) is None
    auth.sign_in("nurse")
    first = _session_id(client)
    auth.sign_in("nurse")
    second = _session_id(client)
    assert first and second and first != second
    rows = db.exec(select(StaffSession).order_by(StaffSession.id)).all()
    assert len(rows) == 2 and rows[0].ended_because == "signed in again" and rows[1].ended_at is None
    assert first not in {r.token_hash for r in rows}  # only a hash of the id is stored


def test_the_session_cookie_changes_at_sign_in(client, auth, db, world):
    client.get("/sign-in")
    before = client.get_cookie("session").value
    auth.sign_in("nurse")
    assert client.get_cookie("session").value != before


def test_a_copied_cookie_is_worthless_after_sign_out(app, client, auth, db, world):
    auth.sign_in("nurse")
    copied = client.get_cookie("session").value
    auth.sign_out()
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get(f"/people/{world.person.id}").status_code == 302
    assert db.exec(select(StaffSession)).one().ended_because == "signed out"


def test_a_session_idle_on_the_server_is_ended_even_with_a_fresh_cookie(app, client, auth, db, world):
    auth.sign_in("nurse")
    row = db.exec(select(StaffSession)).one()
    row.last_seen_at = datetime.now(UTC) - timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] + 1)
    db.add(row)
    db.commit()
    assert client.get("/").status_code == 302
    db.refresh(row)
    assert row.ended_because == "idle"


def test_an_idle_cookie_ends_the_server_session_too(app, client, auth, db, world):
    auth.sign_in("nurse")
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - app.config["IDLE_TIMEOUT_MINUTES"] * 60 - 5
    assert client.get("/").status_code == 302
    assert db.exec(select(StaffSession)).one().ended_because == "idle"


@pytest.mark.parametrize(
    "password, message",
    [
        ("short", "Password must be 12 characters or more"),
        ("x" * 129, "Password must be 128 characters or fewer"),
        (" padded password ", "Password must not start or end with a space"),
        ("sunshine12345", checks.PASSWORD_COMMON),
        ("new.person is my name", checks.PASSWORD_HAS_USERNAME),
    ],
)
def test_every_form_that_sets_a_password_says_what_is_wrong_with_it(client, auth, db, world, runner, password, message):
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
            "create-user",
            "--username",
            "new.person",
            "--full-name",
            "CLI Person",
            "--agency",
            world.nursing.name,
            "--role",
            "practitioner",
            "--profession",
            "district_nurse",
        ],
        input=password + "\n",
    )
    assert result.exit_code != 0 and message in result.output
    assert db.exec(select(User).where(User.username == "new.person")).first() is None


def test_the_password_hint_states_the_rule_before_anyone_gets_it_wrong(client, auth, world):
    auth.sign_in("admin")
    assert "12 characters or more" in client.get("/admin/users/new").get_data(as_text=True)


def test_a_request_over_the_size_limit_gets_the_413_page_and_writes_nothing(client, auth, db, world, app):
    auth.sign_in("nurse")
    before = len(db.exec(select(AuditEvent)).all())
    response = auth.post(f"/people/{world.person.id}/consent", {"version": "0", "carer_name": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)})
    assert response.status_code == 413 and "What you sent is too large" in response.get_data(as_text=True)
    db.expire_all()
    assert len(db.exec(select(AuditEvent)).all()) == before


def test_no_page_carries_inline_script_without_the_nonce(client, auth, db, world):
    import re

    auth.sign_in("nurse")
    for url in ("/", f"/people/{world.person.id}", f"/people/{world.person.id}/consent", f"/people/{world.person.id}/access-log"):
        response = client.get(url)
        policy = response.headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
        nonce = policy.split("'nonce-")[1].split("'")[0]
        html = response.get_data(as_text=True)
        for script in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in script or f'nonce="{nonce}"' in script, (url, script)
        assert not re.search(r"\son[a-z]+=\"", html), url  # no inline event handlers either
