"""The second factor every staff account has: an authenticator app set up at first sign-in, its
code asked for at every sign-in after it (each code once), one-time recovery codes kept as hashes,
wrong codes counted to a lock-out; skipping set-up only under the demo configuration."""

import re
import threading
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlmodel import Session, select
from werkzeug.serving import make_server

from app import create_app
from app.config import ConfigError
from app.trust import second_factor
from models import AuditEvent, AuditOutcome, RecoveryCode, StaffSession, User
from tests.conftest import FAST_HASH, PASSWORD
from tests.factories import World


@pytest.fixture
def world(db):
    return World(db)


@pytest.fixture
def required(app):
    """Production's rule: every account needs a second factor."""
    app.config["SECOND_FACTOR_DEMO_SKIP"] = False
    return app


def enrol(db, user: User) -> str:
    """The account with an authenticator app already set up; its secret."""
    secret = pyotp.random_base32()
    user.totp_secret, user.totp_confirmed_at = secret, datetime.now(UTC)
    db.add(user)
    db.commit()
    return secret


def code_for(secret: str, steps_from_now: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(datetime.now(UTC)) + steps_from_now)


def give(auth, code: str):
    return auth.post("/sign-in/second-factor", {"code": code})


def _set_up_page_secret(client) -> str:
    page = client.get("/sign-in/second-factor/set-up").get_data(as_text=True)
    uri = re.search(r'href="(otpauth://[^"]+)"', page).group(1).replace("&amp;", "&")
    return pyotp.parse_uri(uri).secret


# --- setting up ---------------------------------------------------------------------------------


def test_an_account_without_one_sets_up_an_authenticator_at_first_sign_in(client, auth, db, world, required):
    response = auth.sign_in("nurse")
    assert response.status_code == 302 and response.location == "/sign-in/second-factor/set-up"
    assert client.get("/").location == "/sign-in/second-factor/set-up"  # nothing else opens first
    page = client.get("/sign-in/second-factor/set-up").get_data(as_text=True)
    assert "otpauth://totp/OnePlan:nurse?secret=" in page and 'src="data:image/svg+xml' in page
    secret = _set_up_page_secret(client)
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page  # the key, typeable
    done = auth.post("/sign-in/second-factor/set-up", {"code": code_for(secret)})
    codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", done.get_data(as_text=True))
    assert done.status_code == 200 and len(codes) == second_factor.RECOVERY_CODE_COUNT == len(set(codes))
    db.refresh(world.nurse)
    assert world.nurse.totp_secret == secret and world.nurse.totp_confirmed_at is not None
    assert client.get("/").status_code == 200
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "set_up_second_factor")).one()
    assert event.username == "nurse"


def test_showing_the_set_up_page_writes_nothing_and_keeps_one_key(client, auth, db, world, required):
    auth.sign_in("nurse")
    first = _set_up_page_secret(client)
    assert _set_up_page_secret(client) == first  # a reload shows the same key, so the app set up from it works
    db.refresh(world.nurse)
    assert world.nurse.totp_secret is None and db.exec(select(RecoveryCode)).all() == []


def test_a_wrong_set_up_code_is_refused_with_a_message(client, auth, db, world, required):
    auth.sign_in("nurse")
    secret = _set_up_page_secret(client)
    wrong = f"{(int(code_for(secret)) + 1) % 1_000_000:06d}"
    response = auth.post("/sign-in/second-factor/set-up", {"code": wrong})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and second_factor.WRONG_SET_UP_CODE in page and 'href="#code"' in page
    db.refresh(world.nurse)
    assert world.nurse.totp_confirmed_at is None


def test_recovery_codes_are_kept_only_as_hashes(client, auth, db, world, required):
    auth.sign_in("nurse")
    secret = _set_up_page_secret(client)
    page = auth.post("/sign-in/second-factor/set-up", {"code": code_for(secret)}).get_data(as_text=True)
    codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", page)
    stored = [row.code_hash for row in db.exec(select(RecoveryCode)).all()]
    assert len(stored) == len(codes)
    assert not any(code.replace("-", "") in value or code in value for code in codes for value in stored)


# --- signing in with it -------------------------------------------------------------------------


def test_an_account_with_one_is_asked_for_its_code_before_anything_opens(client, auth, db, world):
    secret = enrol(db, world.nurse)
    response = auth.sign_in("nurse")
    assert response.status_code == 302 and response.location == "/sign-in/second-factor"
    for page in ("/", f"/people/{world.person.id}", "/account/password"):
        assert client.get(page).location == "/sign-in/second-factor", page
    htmx = client.get("/people", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == "/sign-in/second-factor"
    response = give(auth, code_for(secret))
    assert response.status_code == 302 and response.location == "/"
    assert client.get(f"/people/{world.person.id}").status_code == 200
    assert db.exec(select(StaffSession)).one().second_factor_at is not None
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "second_factor")).one()
    assert event.outcome == AuditOutcome.allowed and event.reason == "authenticator code"


def test_a_wrong_code_is_refused_counted_and_audited(client, auth, db, world):
    secret = enrol(db, world.nurse)
    auth.sign_in("nurse")
    wrong = f"{(int(code_for(secret)) + 500_000) % 1_000_000:06d}"
    response = give(auth, wrong)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and second_factor.WRONG_CODE in page and "There is a problem" in page
    assert client.get("/").location == "/sign-in/second-factor"
    db.refresh(world.nurse)
    assert world.nurse.failed_second_factors == 1
    refused = db.exec(select(AuditEvent).where(AuditEvent.action == "second_factor")).one()
    assert refused.outcome == AuditOutcome.refused
    assert give(auth, code_for(secret)).location == "/"
    db.refresh(world.nurse)
    assert world.nurse.failed_second_factors == 0


def test_a_code_works_once(app, client, auth, db, world):
    secret = enrol(db, world.nurse)
    code = code_for(secret)
    auth.sign_in("nurse")
    assert give(auth, code).status_code == 302
    auth.sign_out()
    auth.sign_in("nurse")
    assert give(auth, code).status_code == 400  # seen once: someone watching over a shoulder cannot reuse it


def test_a_code_from_the_next_or_last_step_is_accepted_but_not_an_older_one(db, world):
    secret = enrol(db, world.nurse)
    now = datetime.now(UTC)
    assert second_factor.verify(db, world.nurse, None, second_factor.Code(code_for(secret, -1)), now).ok
    assert second_factor.verify(db, world.nurse, None, second_factor.Code(code_for(secret, +1)), now).ok
    assert not second_factor.verify(db, world.nurse, None, second_factor.Code(code_for(secret, +3)), now - timedelta(minutes=5)).ok


def test_a_recovery_code_works_once(client, auth, db, world):
    enrol(db, world.nurse)
    codes = second_factor.issue_recovery_codes(db, world.nurse, datetime.now(UTC))
    db.commit()
    auth.sign_in("nurse")
    response = give(auth, codes[3].upper())
    assert response.status_code == 302 and response.location == "/"
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "second_factor")).one()
    assert event.reason == "recovery code"
    auth.sign_out()
    auth.sign_in("nurse")
    assert give(auth, codes[3]).status_code == 400
    assert give(auth, codes[4]).status_code == 302
    assert len(db.exec(select(RecoveryCode).where(RecoveryCode.used_at.is_not(None))).all()) == 2


def test_wrong_codes_in_a_row_lock_the_account_and_end_its_sessions(client, auth, db, world):
    secret = enrol(db, world.nurse)
    auth.sign_in("nurse")
    wrong = f"{(int(code_for(secret)) + 500_000) % 1_000_000:06d}"
    for _ in range(second_factor.LOCK_AFTER - 1):
        assert give(auth, wrong).status_code == 400
    response = give(auth, wrong)
    assert response.status_code == 302 and response.location == "/sign-in"
    assert second_factor.LOCKED in client.get("/sign-in").get_data(as_text=True)
    db.refresh(world.nurse)
    assert world.nurse.locked_at is not None
    assert db.exec(select(StaffSession)).one().ended_because == "locked"
    assert auth.sign_in("nurse").status_code == 401


# --- skipping it, only in the demo configuration ------------------------------------------------


def test_set_up_is_skipped_only_under_the_demo_configuration(app, client, auth, db, world):
    app.config["SECOND_FACTOR_DEMO_SKIP"] = True
    assert auth.sign_in("nurse").location == "/"
    assert client.get("/").status_code == 200
    auth.sign_out()
    app.config["SECOND_FACTOR_DEMO_SKIP"] = False
    assert auth.sign_in("nurse").location == "/sign-in/second-factor/set-up"
    assert client.get("/").location == "/sign-in/second-factor/set-up"


def test_the_demo_configuration_still_asks_an_account_that_has_one_for_its_code(app, auth, db, world):
    app.config["SECOND_FACTOR_DEMO_SKIP"] = True
    enrol(db, world.nurse)
    assert auth.sign_in("nurse", PASSWORD).location == "/sign-in/second-factor"


def test_the_demo_configuration_comes_from_oneplan_demo_and_is_refused_in_production(monkeypatch, database_url):
    monkeypatch.delenv("ONEPLAN_ENV", raising=False)
    monkeypatch.setenv("ONEPLAN_DEMO", "1")
    demo = create_app({"DATABASE_URL": database_url, "PASSWORD_HASH_COST": FAST_HASH})
    assert demo.config["SECOND_FACTOR_DEMO_SKIP"] is True
    demo.extensions["oneplan_engine"].dispose()
    monkeypatch.setenv("ONEPLAN_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    with pytest.raises(ConfigError, match="ONEPLAN_DEMO"):
        create_app({"DATABASE_URL": database_url})
    monkeypatch.delenv("ONEPLAN_DEMO")
    production = create_app({"DATABASE_URL": database_url})
    assert production.config["SECOND_FACTOR_DEMO_SKIP"] is False
    production.extensions["oneplan_engine"].dispose()


def test_the_bench_signs_its_clients_in_with_a_recovery_code_each(app, db, world, required):
    from bench.__main__ import _second_factors
    from bench.load import Client

    codes = _second_factors(app.extensions["oneplan_engine"], {"nurse"}, 3)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for code in codes["nurse"]:
            client = Client(server.server_port)
            client.sign_in("nurse", PASSWORD, code)
            assert client.get("/")[0] == 200
            client.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_an_administrator_resets_a_lost_authenticator_from_the_command_line(client, auth, db, world, runner, required):
    enrol(db, world.nurse)
    codes = second_factor.issue_recovery_codes(db, world.nurse, datetime.now(UTC))
    db.commit()
    result = runner.invoke(args=["reset-second-factor", "nurse"])
    assert result.exit_code == 0, result.output
    db.refresh(world.nurse)
    assert world.nurse.totp_secret is None and world.nurse.totp_confirmed_at is None
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "reset_second_factor")).one().detail == "nurse"
    assert auth.sign_in("nurse").location == "/sign-in/second-factor/set-up"
    assert len(codes) == len(db.exec(select(RecoveryCode).where(RecoveryCode.used_at.is_not(None))).all())  # spent with it
    assert runner.invoke(args=["reset-second-factor", "nobody"]).exit_code != 0


def test_a_code_raced_by_two_requests_lets_only_one_in(app, db, world):
    secret = enrol(db, world.nurse)
    code = second_factor.Code(code_for(secret))
    engine = app.extensions["oneplan_engine"]
    with Session(engine) as first, Session(engine) as second:
        # Both requests read the account before either has used the code.
        one, other = first.get(User, world.nurse.id), second.get(User, world.nurse.id)
        assert second_factor.verify(first, one, None, code).ok
        first.commit()
        assert not second_factor.verify(second, other, None, code).ok
        second.commit()
