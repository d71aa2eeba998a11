import time
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from app.trust import accounts, staff_sessions
from models import AuditEvent, AuditOutcome, StaffSession
from tests.conftest import PASSWORD
from tests.factories import World


def test_it_signs_in_with_the_right_password_and_lands_on_my_work(client, auth, db):
    World(db)
    response = auth.sign_in("nurse")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "My work" in client.get("/").get_data(as_text=True)


def test_it_returns_to_the_page_asked_for(client, auth, db):
    world = World(db)
    client.get(f"/people/{world.person.id}")
    response = client.post(
        "/sign-in",
        data={"username": "nurse", "password": PASSWORD, "next": f"/people/{world.person.id}", "csrf_token": auth.csrf_token()},
    )
    assert response.headers["Location"] == f"/people/{world.person.id}"


def test_it_never_redirects_off_site_after_sign_in(client, auth, db):
    World(db)
    for target in ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]:
        response = client.post(
            "/sign-in", data={"username": "nurse", "password": PASSWORD, "next": target, "csrf_token": auth.csrf_token()}
        )
        assert response.headers["Location"] == "/", target
        auth.sign_out()


def test_a_wrong_password_gets_a_clear_message_and_an_audit_event(client, auth, db):
    World(db)
    response = auth.sign_in("nurse", "wrong password!!")
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "There is a problem" in page and "The username or password is not right" in page
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "sign_in")).one()
    assert event.outcome == AuditOutcome.refused and event.username == "nurse"


def test_an_unknown_username_gets_the_same_message(auth, db):
    World(db)
    page = auth.sign_in("nobody", "whatever password").get_data(as_text=True)
    assert "The username or password is not right" in page


def test_empty_fields_get_messages_next_to_them(client, auth):
    response = client.post("/sign-in", data={"username": "", "password": "", "csrf_token": auth.csrf_token()})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter your username" in page and "Enter your password" in page
    assert 'href="#username"' in page and 'href="#password"' in page


def test_a_success_resets_the_failure_count(auth, db):
    world = World(db)
    auth.sign_in("nurse", "wrong password!!")
    auth.sign_in("nurse")
    db.refresh(world.nurse)
    assert world.nurse.failed_sign_ins == 0


def test_a_form_without_its_csrf_token_is_refused(client, db):
    World(db)
    response = client.post("/sign-in", data={"username": "nurse", "password": PASSWORD})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert db.exec(select(AuditEvent)).all() == []


def test_a_wrong_csrf_token_is_refused(client, db):
    World(db)
    response = client.post("/sign-in", data={"username": "nurse", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 400


def test_sign_out_ends_the_session(client, auth, db):
    World(db)
    auth.sign_in("nurse")
    assert auth.sign_out().headers["Location"] == "/sign-in"
    assert client.get("/").status_code == 302


def test_sign_out_needs_a_post_with_csrf(client, auth, db):
    World(db)
    auth.sign_in("nurse")
    assert client.get("/sign-out").status_code == 405
    assert client.post("/sign-out").status_code == 400
    assert client.get("/").status_code == 200


def test_an_idle_session_is_signed_out_with_a_reason(client, auth, db, app):
    World(db)
    auth.sign_in("nurse")
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - app.config["IDLE_TIMEOUT_MINUTES"] * 60 - 5
    response = client.get("/")
    assert response.status_code == 302
    assert "inactive for 30 minutes" in client.get("/sign-in").get_data(as_text=True)


def test_a_deactivated_account_is_signed_out_at_the_next_request(client, auth, db):
    world = World(db)
    auth.sign_in("nurse")
    world.nurse.is_active = False
    db.add(world.nurse)
    db.commit()
    assert client.get("/").status_code == 302


def test_the_session_cookie_is_httponly_and_samesite(client, auth, db):
    World(db)
    response = auth.sign_in("nurse")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_passwords_are_stored_as_argon2_hashes(db):
    world = World(db)
    assert world.nurse.password_hash.startswith("$argon2id$")


# --- the domain leaves the commit to the request ----------------------------------------------


def test_a_failed_sign_in_leaves_its_count_and_audit_event_to_the_callers_commit(app, db):
    world = World(db)
    hasher = app.extensions["oneplan_hasher"]
    result = accounts.sign_in(db, "nurse", "wrong password!!", hasher=hasher)
    assert result.user is None and result.message == accounts.GENERIC_FAILURE
    db.rollback()
    db.refresh(world.nurse)
    assert world.nurse.failed_sign_ins == 0 and db.exec(select(AuditEvent)).all() == []
    accounts.sign_in(db, "nurse", "wrong password!!", hasher=hasher)
    db.commit()
    db.refresh(world.nurse)
    assert world.nurse.failed_sign_ins == 1 and db.exec(select(AuditEvent)).one().outcome == AuditOutcome.refused


def test_a_live_session_is_marked_seen_by_the_callers_commit_only(app, db):
    world = World(db)
    token = staff_sessions.start(db, world.nurse, now=datetime.now(UTC) - timedelta(minutes=5))
    db.commit()
    row = db.exec(select(StaffSession)).one()
    before = row.last_seen_at
    assert staff_sessions.user_for(db, token, idle_minutes=30).id == world.nurse.id
    with Session(app.extensions["oneplan_engine"]) as other:
        assert other.exec(select(StaffSession.last_seen_at)).one() == before  # nothing written yet
    db.commit()
    db.refresh(row)
    assert row.last_seen_at > before


def test_an_unlock_is_written_by_the_callers_commit(db):
    world = World(db)
    world.nurse.locked_at, world.nurse.failed_sign_ins = datetime.now(UTC), 10
    db.add(world.nurse)
    db.commit()
    accounts.unlock(db, world.nurse, world.admin)
    db.rollback()
    db.refresh(world.nurse)
    assert world.nurse.locked_at is not None
    accounts.unlock(db, world.nurse, world.admin)
    db.commit()
    db.refresh(world.nurse)
    assert world.nurse.locked_at is None and world.nurse.failed_sign_ins == 0
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "unlock_account")).one().user_id == world.admin.id


def test_a_page_read_within_a_minute_of_the_last_sends_no_new_session_cookie(client, auth, db, app):
    World(db)
    auth.sign_in("nurse")
    client.get("/")
    assert "Set-Cookie" not in client.get("/").headers  # last_seen moves at most once a minute, like the server's record
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - 61
    assert "Set-Cookie" in client.get("/").headers
    with client.session_transaction() as session:
        assert int(time.time()) - session["last_seen"] < 5
