"""A person's second factor, where staff have one: the same authenticator codes and rules."""

import re
from datetime import UTC, datetime

import pyotp
from sqlmodel import select

from models import AuditEvent, AuditOutcome, PersonAccount
from tests.factories import PlanWorld, person_account, sign_in_person

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def _csrf(client, path):
    return CSRF.search(client.get(path, follow_redirects=True).get_data(as_text=True)).group(1)


def test_where_staff_must_have_one_a_person_sets_up_an_authenticator_before_their_plan_opens(app, db):
    app.config["SECOND_FACTOR_DEMO_SKIP"] = False
    world = PlanWorld(db)
    person_account(db, world.person, "ada")
    client = app.test_client()
    assert sign_in_person(client, "ada").status_code == 302
    assert client.get("/my/plan").location == "/my/second-factor"
    page = client.get("/my/second-factor").get_data(as_text=True)
    secret = re.search(r'class="app-totp-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    wrong = client.post("/my/second-factor", data={"code": _not_a_code_for(secret), "csrf_token": _csrf(client, "/my/second-factor")})
    assert wrong.status_code == 400
    right = client.post("/my/second-factor", data={"code": pyotp.TOTP(secret).now(), "csrf_token": _csrf(client, "/my/second-factor")})
    assert right.status_code == 302 and client.get("/my/plan").status_code == 200
    assert db.exec(select(PersonAccount)).one().totp_confirmed_at is not None


def test_an_account_with_an_authenticator_is_asked_for_its_code_at_every_sign_in(app, db):
    world = PlanWorld(db)
    account = person_account(db, world.person, "ada")
    secret = pyotp.random_base32()
    account.totp_secret, account.totp_confirmed_at = secret, datetime.now(UTC)
    db.add(account)
    db.commit()
    client = app.test_client()
    sign_in_person(client, "ada")
    assert client.get("/my/plan").location == "/my/sign-in/second-factor"
    assert client.get("/my/access-log").location == "/my/sign-in/second-factor"
    wrong = client.post(
        "/my/sign-in/second-factor", data={"code": _not_a_code_for(secret), "csrf_token": _csrf(client, "/my/sign-in/second-factor")}
    )
    assert wrong.status_code == 400
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "second_factor", AuditEvent.outcome == AuditOutcome.refused)).first()
    right = client.post(
        "/my/sign-in/second-factor", data={"code": pyotp.TOTP(secret).now(), "csrf_token": _csrf(client, "/my/sign-in/second-factor")}
    )
    assert right.status_code == 302 and client.get("/my/plan").status_code == 200


def _not_a_code_for(secret: str) -> str:
    """Six digits the app shows for none of the time steps a code may be for."""
    totp, now = pyotp.TOTP(secret), datetime.now(UTC)
    valid = {totp.at(now, counter_offset=offset) for offset in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in valid)
