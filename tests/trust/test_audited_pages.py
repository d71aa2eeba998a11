"""Every page that shows a person's identity records that it did.

The pages are found from the URL map, so a new page is walked too: each GET address (lists with no
argument, a network's page, and every person-scoped page) is asked for by each kind of user, in a
world where the person appears on every list (a caseload, a worklist, an inbox, the referral queue,
a network's overdue reviews, the break-glass reviews, a search). Whenever an answer shows the
person's name or NHS number, that request wrote an audit event of its own, as allowed.
"""

import pytest
from flask import url_for
from sqlmodel import func, select

from models import AccessGrant, AuditEvent, AuditOutcome
from tests.conftest import FIGURES
from tests.factories import ListedWorld

ROLES = ("nurse", "coordinator", "lead", "outsider", "admin")
# What fills each argument of an address (None: the world's own id, set below).
ARGUMENTS = {"person_id": None, "referral_id": None, "network_id": None, "section_key": "perspective", "part_key": "about_me"}
# Addresses the walk leaves out: files, and records of other kinds that are not lists of people.
SKIPPED_ARGUMENTS = {
    "filename",
    "package",
    "grant_id",
    "user_id",
    "revision_id",
    "item_id",
    "action_id",
    "contact_id",
    "kind",
    "meeting_id",  # a network meeting's pages: tests/network/test_network_pages.py
    "agenda_item_id",
}
# A query that makes a page show what it finds.
QUERIES = {
    "front_door.search_people": "q=lovelace",
    "front_door.match": "nhs_number={nhs}",
    "front_door.new_referral": "nhs_number={nhs}",
    "trust.break_glass_reviews": "",
}


@pytest.fixture
def world(db):
    return ListedWorld(db)


def pages(app, world) -> list[tuple[str, str]]:
    """(endpoint, address) of every GET page the walk asks for."""
    ids = {"person_id": world.person.id, "referral_id": world.referral.id, "network_id": world.network.id}
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments & SKIPPED_ARGUMENTS or rule.rule.startswith("/fhir/"):
            continue
        if rule.endpoint in ("static", "trust.sign_in", "ops.healthz"):
            continue
        values = {name: ids.get(name, ARGUMENTS.get(name)) for name in rule.arguments}
        with app.test_request_context():
            address = url_for(rule.endpoint, **values)
        query = QUERIES.get(rule.endpoint, "").format(nhs=world.person.nhs_number)
        found.append((rule.endpoint, address + (f"?{query}" if query else "")))
    return found


def _allowed_events(db, username: str) -> int:
    return db.exec(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.username == username, AuditEvent.outcome == AuditOutcome.allowed)
    ).one()


def _shows_the_person(world, body: str) -> bool:
    flat = body.replace(" ", "")
    return any(word in flat for word in ("LOVELACE", "Lovelace", world.person.nhs_number))


@pytest.mark.parametrize("role", ROLES)
def test_every_page_that_shows_a_person_writes_an_audit_event(app, client, auth, db, world, role):
    auth.sign_in(role)
    walked = pages(app, world)
    assert {"work.home", "work.worklist", "work.inbox", "front_door.queue", "network.show", "trust.break_glass_reviews"} <= {
        endpoint for endpoint, _ in walked
    }
    showing = []
    for endpoint, address in walked:
        for headers in ({}, {"HX-Request": "true"}):
            before = _allowed_events(db, role)
            response = client.get(address, headers=headers)
            if response.status_code == 200 and _shows_the_person(world, response.get_data(as_text=True)):
                showing.append(endpoint)
                assert _allowed_events(db, role) > before, (role, address, headers)
    FIGURES[f"audited pages ({role})"] = f"{len(walked)} GET pages walked, {len(set(showing))} showed the person, each audited"


def test_the_walk_sees_the_person_on_every_list_it_is_meant_to(app, client, auth, db, world):
    """So that the walk above cannot pass by finding nobody: each list does show the person."""
    expected = {
        "nurse": ["/", "/worklist", "/inbox", "/people?q=lovelace"],
        "lead": ["/referrals", f"/networks/{world.network.id}", "/break-glass-reviews"],
        "coordinator": ["/referrals", f"/referrals/new?nhs_number={world.person.nhs_number}"],
    }
    for role, addresses in expected.items():
        auth.sign_in(role)
        for address in addresses:
            assert _shows_the_person(world, client.get(address).get_data(as_text=True)), (role, address)
        auth.sign_out()


def test_a_review_sent_back_with_a_problem_shows_the_list_again_and_records_it(client, auth, db, world):
    grant = db.exec(select(AccessGrant)).one()
    auth.sign_in("lead")
    response = auth.post(f"/break-glass-reviews/{grant.id}", {"review_note": "x" * 501})
    assert response.status_code == 400 and _shows_the_person(world, response.get_data(as_text=True))
    shown = db.exec(select(AuditEvent).where(AuditEvent.action == "view_break_glass_reviews")).one()
    assert shown.username == "lead" and shown.outcome == AuditOutcome.allowed
