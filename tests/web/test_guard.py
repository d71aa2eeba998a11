"""The web layer's door to the access rules (app/web/guard.py), inside a request but without HTTP:
a decision is reused only for the record it was made for."""

from datetime import UTC, datetime, timedelta

import pytest
from flask import g
from werkzeug.exceptions import NotFound

from app.trust import access
from app.web import guard
from models import AccessGrant
from tests import factories
from tests.factories import World


@pytest.fixture
def world(db):
    return World(db)


@pytest.fixture
def request_as(app):
    """A request with `user` signed in (a new request each time: `g` lasts one request)."""
    contexts = []

    def enter(user):
        while contexts:
            contexts.pop().pop()
        context = app.test_request_context("/")
        context.push()
        contexts.append(context)
        g.user = user
        return context

    yield enter
    while contexts:
        contexts.pop().pop()


def test_the_decision_made_on_opening_a_record_is_reused_for_that_record(db, world, request_as):
    request_as(world.nurse)
    guard.person_for(world.person.id, "view_person")
    assert g.record_decision == (world.person.id, access.Decision(True, "care team"))
    g.record_decision = (world.person.id, access.Decision(True, "network lead"))  # as if the request had decided so
    assert guard.may_change(world.person) is False


def test_a_decision_remembered_for_one_person_is_not_reused_for_another(db, world, request_as):
    other = factories.person(db, world.practice)
    request_as(world.outsider)
    g.record_decision = (other.id, access.Decision(True, "care team"))
    assert guard.may_change(world.person) is False
    request_as(world.nurse)
    g.record_decision = (other.id, access.Decision(False, "refused"))
    assert guard.may_change(world.person) is True


def test_a_record_opened_for_triage_leaves_its_decision_unless_it_rests_on_the_open_referral(db, world, request_as):
    request_as(world.nurse)
    guard.person_for(world.person.id, "view_person", rule=access.triage_rule)
    assert g.record_decision == (world.person.id, access.Decision(True, "care team"))
    factories.open_referral(db, world.person)
    request_as(world.coordinator)
    guard.person_for(world.person.id, "view_person", rule=access.triage_rule)
    assert g.get("record_decision") is None  # the open referral opens triage, not the record: ask the record rule


def test_a_record_opened_by_another_rule_leaves_no_decision_to_reuse(db, world, request_as):
    request_as(world.nurse)
    guard.person_for(world.person.id, "view_access_log", rule=access.access_log_rule)
    assert g.get("record_decision") is None


def test_a_page_read_under_break_glass_is_marked(db, world, request_as):
    grant = AccessGrant(
        user_id=world.outsider.id,
        agency_id=world.social_care.id,
        person_id=world.person.id,
        reason_code="covering",
        reason_text="Covering for a colleague",
        expires_at=datetime.now(UTC) + timedelta(minutes=10),
    )
    db.add(grant)
    db.commit()
    request_as(world.outsider)
    assert guard.person_for(world.person.id, "view_person").id == world.person.id
    assert g.break_glass.id == grant.id
    request_as(world.nurse)
    guard.person_for(world.person.id, "view_person")
    assert g.get("break_glass") is None


def test_no_such_person_or_network_is_a_404(db, world, request_as):
    request_as(world.lead)
    for call, description in (
        (lambda: guard.person_for(999999, "view_person"), "There is no person with that record number."),
        (lambda: guard.network_for(999999, "view_network"), "There is no such network."),
        (lambda: guard.break_glass_candidate(999999), "There is no person with that record number."),
    ):
        with pytest.raises(NotFound) as missing:
            call()
        assert missing.value.description == description


def test_only_the_networks_lead_opens_it(db, world, request_as):
    request_as(world.lead)
    assert guard.network_for(world.network.id, "view_network").id == world.network.id
    request_as(world.other_lead)
    with pytest.raises(access.AccessRefused) as refused:
        guard.network_for(world.network.id, "view_network_reviews")
    assert refused.value.action == "view_network_reviews"
    request_as(world.nurse)
    with pytest.raises(access.AccessRefused):
        guard.network_for(999999, "view_network")  # refused before the network is looked for


def test_capabilities_are_the_signed_in_users(db, world, request_as):
    request_as(world.coordinator)
    assert guard.allowed("triage_referrals") and not guard.allowed("manage_directory")
    guard.require("triage_referrals")
    with pytest.raises(access.AccessRefused):
        guard.require("manage_directory")
    request_as(None)
    assert not guard.allowed("search_people")


def test_a_break_glass_candidate_is_the_person_and_the_decision(db, world, request_as):
    request_as(world.outsider)
    person, decision = guard.break_glass_candidate(world.person.id)
    assert person.id == world.person.id and decision.may_break_glass


def test_a_record_is_opened_for_the_purpose_and_with_the_rule_given(db, world, request_as):
    from sqlmodel import select

    from app.transaction import get_session
    from models import AuditEvent

    request_as(world.lead)
    guard.person_for(world.person.id, "view_care_plan")
    get_session().commit()  # the request's session, as app/transaction.py commits it
    assert db.exec(select(AuditEvent.action)).all() == ["view_care_plan"]
    with pytest.raises(access.AccessRefused) as refused:
        guard.person_for(world.person.id, "edit_care_plan", write=True)
    assert refused.value.action == "edit_care_plan"
    colleague = factories.user(db, world.nursing)  # in the care team, not the key worker
    request_as(colleague)
    guard.person_for(world.person.id, "view_person")
    with pytest.raises(access.AccessRefused):
        guard.person_for(world.person.id, "view_access_log", rule=access.access_log_rule)
