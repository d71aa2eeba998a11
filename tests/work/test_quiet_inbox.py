"""A quieter inbox (issue 16): one notification per event and per person, none to yourself, and the key
worker told when an action is accepted as well as when it is declined."""

import pytest

from app.care_plan import handshake
from app.work import notifications
from models import PlanItemType
from tests.care_plan.test_plan_commands import add, move
from tests.factories import PlanWorld


@pytest.fixture
def world(db):
    return PlanWorld(db)


def inbox(db, user):
    db.expire_all()
    return [n.message for n in notifications.inbox(db, user)]


def test_a_new_action_reaches_the_agency_asked_once_not_twice(db, world):
    add(db, world, PlanItemType.action, description="Care Act assessment", owner_agency_id=world.social_care.id)
    items = inbox(db, world.social_worker)
    assert len(items) == 1, items
    assert "asked Adult Social Care to do something" in items[0]


def test_nobody_is_told_of_what_they_asked_of_themselves(db, world):
    add(db, world, PlanItemType.action, description="Weekly visit", owner_agency_id=world.nursing.id, owner_user_id=world.nurse.id)
    assert inbox(db, world.nurse) == []


def test_the_key_worker_is_told_once_when_an_action_is_accepted(db, world):
    action = add(db, world, PlanItemType.action, description="Care Act assessment.", owner_agency_id=world.social_care.id)
    move(db, world, action, handshake.Transition.accept, world.social_worker, action.version)
    items = inbox(db, world.nurse)
    assert items == [f"Adult Social Care accepted an action for {world.person.full_name}: Care Act assessment."]


def test_the_worklist_opens_on_the_requests_waiting_for_the_agency(client, auth, db, world):
    waiting = add(db, world, PlanItemType.action, description="Care Act assessment", owner_agency_id=world.social_care.id)
    taken = add(db, world, PlanItemType.action, description="Home care package", owner_agency_id=world.social_care.id)
    move(db, world, taken, handshake.Transition.accept, world.social_worker, taken.version)
    auth.sign_in("socialworker")
    page = client.get("/worklist").get_data(as_text=True)
    assert waiting.description in page and taken.description not in page
    everything = client.get("/worklist?status=open").get_data(as_text=True)
    assert waiting.description in everything and taken.description in everything
