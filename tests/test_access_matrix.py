"""Every person-scoped route, found from the URL map, against every kind of user.

New routes are covered automatically: a route with <person_id> in its address must refuse
everyone outside the rules with a 403 and an audit event, and must never leak the record.
"""
import pytest
from sqlmodel import select

from models import AuditEvent, AuditOutcome
from tests.conftest import AuthActions
from tests.factories import World

SAMPLE_ARGUMENTS = {"section_key": "perspective", "revision_id": 999999, "item_id": 999999, "need_id": 999999,
                    "goal_id": 999999, "action_id": 999999, "contact_id": 999999, "part_key": "about_me", "kind": "goals",
                    "suggestion_id": 999999, "member_id": 999999}


def person_routes(app):
    for rule in app.url_map.iter_rules():
        if "person_id" not in rule.arguments:
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield rule, method


def _url(app, rule, person_id):
    values = {name: SAMPLE_ARGUMENTS.get(name, 1) for name in rule.arguments}
    values["person_id"] = person_id
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


# who -> (may read, may write)
ROLES = {
    "nurse": (True, True),  # practitioner whose agency is in the care team (the key worker)
    "lead": (True, False),  # network lead of the person's network: reads, never writes
    "outsider": (False, False),  # practitioner in an agency outside the care team
    "otherlead": (False, False),  # network lead of another network
    "coordinator": (False, False),  # SPA coordinator with no open referral for the person
    "admin": (False, False),  # administrators never see clinical content
}


@pytest.mark.parametrize("username", ROLES)
def test_every_person_scoped_route_applies_the_access_rules(app, client, db, username):
    world = World(db)
    auth = AuthActions(client)
    auth.sign_in(username)
    may_read, may_write = ROLES[username]
    routes = list(person_routes(app))
    assert routes, "no person-scoped routes found"
    for rule, method in routes:
        url = _url(app, rule, world.person.id)
        before = len(db.exec(select(AuditEvent).where(AuditEvent.outcome == AuditOutcome.refused)).all())
        response = client.get(url) if method == "GET" else auth.post(url, {})
        # A change is a POST; a GET that ends in /edit or /new serves the form for one, so it needs write access too.
        allowed = may_write if method == "POST" or rule.rule.endswith(("/edit", "/new")) else may_read
        body = response.get_data(as_text=True)
        if allowed:
            assert response.status_code not in (401, 403, 500), (method, url, response.status_code)
        else:
            assert response.status_code == 403, (username, method, url, response.status_code)
            assert "LOVELACE" not in body and world.person.nhs_number not in body.replace(" ", "")
            refused = db.exec(select(AuditEvent).where(AuditEvent.outcome == AuditOutcome.refused)).all()
            assert len(refused) == before + 1, (username, method, url)
            assert refused[-1].person_id == world.person.id and refused[-1].username == username


def test_signed_out_requests_to_person_scoped_routes_go_to_sign_in(app, client, db):
    world = World(db)
    auth = AuthActions(client)
    for rule, method in person_routes(app):
        url = _url(app, rule, world.person.id)
        response = client.get(url) if method == "GET" else auth.post(url, {})
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], (method, url)
