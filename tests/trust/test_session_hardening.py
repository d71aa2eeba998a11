"""ASVS 5.0 level 2 for sessions: a `__Host-` session cookie in production (and only there, since a
browser drops it over plain http), HSTS that covers subdomains, and an absolute lifetime as well
as the idle one."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from app import create_app
from app.trust import staff_sessions
from models import StaffSession
from tests.conftest import FAST_HASH, PASSWORD, AuthActions
from tests.factories import World


@pytest.fixture
def production_app(monkeypatch, database_url, app):
    """The app as production runs it (the `app` fixture empties the tables afterwards)."""
    monkeypatch.setenv("ONEPLAN_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    production = create_app({"DATABASE_URL": database_url, "PASSWORD_HASH_COST": FAST_HASH})
    yield production
    production.extensions["oneplan_engine"].dispose()


def _over_https(app):
    """A browser on the site over HTTPS (production's CSRF check also wants a same-site Referer)."""
    client = app.test_client()
    client.environ_base.update({"wsgi.url_scheme": "https", "HTTP_REFERER": "https://localhost/sign-in"})
    return client


def test_the_production_session_cookie_is_host_prefixed_secure_and_site_wide(production_app, db):
    World(db)
    client = _over_https(production_app)
    response = AuthActions(client).sign_in("nurse", PASSWORD)
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-oneplan=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    # The prefixed cookie is the one read: the signed-in nurse reaches production's next step for them.
    assert client.get("/sign-in/second-factor/set-up").status_code == 200


def test_production_hsts_covers_subdomains(production_app):
    response = _over_https(production_app).get("/sign-in")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_development_and_tests_keep_a_plain_cookie_name_over_http(app, client, auth, db):
    World(db)
    cookie = auth.sign_in("nurse").headers["Set-Cookie"]
    assert cookie.startswith("session=") and "__Host-" not in cookie
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers


def test_a_busy_session_still_ends_at_its_absolute_lifetime(app, client, auth, db):
    World(db)
    auth.sign_in("nurse")
    row = db.exec(select(StaffSession)).one()
    # Seen a moment ago, so never idle, but signed in longer ago than the absolute lifetime.
    row.started_at = datetime.now(UTC) - timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"], minutes=1)
    row.last_seen_at = datetime.now(UTC)
    db.add(row)
    db.commit()
    response = client.get("/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    db.refresh(row)
    assert row.ended_because == "lifetime"


def test_a_session_within_its_absolute_lifetime_goes_on(db):
    world = World(db)
    now = datetime.now(UTC)
    token = staff_sessions.start(db, world.nurse, now=now - timedelta(hours=11, minutes=59))
    db.commit()
    row = db.exec(select(StaffSession)).one()
    row.last_seen_at = now
    db.add(row)
    db.commit()
    assert staff_sessions.user_for(db, token, idle_minutes=30, now=now, absolute_hours=12).id == world.nurse.id
    assert staff_sessions.user_for(db, token, idle_minutes=30, now=now + timedelta(minutes=2), absolute_hours=12) is None
