import pytest
from sqlmodel import select

from app.trust import access
from models import AuditEvent, AuditOutcome
from tests import factories
from tests.factories import World


@pytest.fixture
def world(db):
    return World(db)


def test_the_care_team_agency_may_open_the_record(db, world):
    assert access.decide(db, world.nurse, world.person) == access.Decision(True, "care team")


def test_a_colleague_in_the_same_agency_may_open_the_record(db, world):
    colleague = factories.user(db, world.nursing)
    assert access.decide(db, colleague, world.person).allowed


def test_an_agency_that_left_the_care_team_may_not(db, world):
    from models.clock import utc_now

    member = factories.team_member(db, world.person, world.social_care)
    assert access.decide(db, world.outsider, world.person).allowed
    member.left_at = utc_now()
    db.add(member)
    db.commit()
    assert not access.decide(db, world.outsider, world.person).allowed


def test_the_network_lead_of_the_persons_network_may_open_the_record(db, world):
    assert access.decide(db, world.lead, world.person) == access.Decision(True, "network lead")


def test_the_lead_of_another_network_may_not(db, world):
    assert not access.decide(db, world.other_lead, world.person).allowed


def test_administrators_never_see_care_records(db, world):
    factories.team_member(db, world.person, world.admin_agency)  # even if their agency were in the team
    decision = access.decide(db, world.admin, world.person)
    assert not decision.allowed and "Administrators" in decision.basis


def test_an_spa_coordinator_without_an_open_referral_may_not(db, world):
    assert not access.decide(db, world.coordinator, world.person).allowed


@pytest.mark.parametrize("username", ["outsider", "otherlead", "admin", "coordinator"])
def test_a_refusal_is_a_403_that_says_why_and_is_audited(client, auth, db, world, username):
    auth.sign_in(username)
    response = client.get(f"/people/{world.person.id}")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "You do not have access" in page and "recorded in the audit log" in page
    assert "LOVELACE" not in page
    event = db.exec(select(AuditEvent).where(AuditEvent.outcome == AuditOutcome.refused)).one()
    assert event.username == username and event.person_id == world.person.id and event.reason


@pytest.mark.parametrize("username", ["nurse", "lead"])
def test_allowed_users_get_the_record(client, auth, world, username):
    auth.sign_in(username)
    assert client.get(f"/people/{world.person.id}").status_code == 200


def test_signed_out_users_are_sent_to_sign_in_for_every_page(client, world):
    for path in ["/", "/people", f"/people/{world.person.id}", "/admin"]:
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in?next=" in response.headers["Location"], path


def test_a_signed_out_htmx_request_is_told_to_sign_in(client, world):
    response = client.get("/people?q=x", headers={"HX-Request": "true"})
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/sign-in")


def test_every_route_is_behind_sign_in_except_the_public_ones(app):
    from app.trust.views import PUBLIC_ENDPOINTS

    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints | {"static"} >= PUBLIC_ENDPOINTS
    assert {"trust.sign_in", "ops.healthz", "assets.nhsuk", "assets.vendor", "static"} == PUBLIC_ENDPOINTS
