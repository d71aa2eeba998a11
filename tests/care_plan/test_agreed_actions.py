"""What an agency agreed to do stays what it agreed to: a change to an accepted action by anyone
outside its agency (what, how often, when, who) asks that agency to accept it again, and tells it."""

import pytest
from sqlmodel import select

from app.care_plan import handshake
from models import ActionStatus, CarePlanAction, CarePlanRevision, Notification, Profession
from tests.care_plan.test_plan_commands import add, edit, move
from tests.conftest import AuthActions
from tests.factories import PlanWorld, team_member, user

TERMS = {"description": "Morning call to help with washing", "frequency": "Daily", "start_on": "2026-12-01", "due_on": "2026-12-31"}


@pytest.fixture
def world(db):
    world = PlanWorld(db)
    # A second practitioner in the social care team, and a third agency in the care team.
    world.other_social_worker = user(db, world.social_care, profession=Profession.social_worker, username="socialworker2")
    team_member(db, world.person, world.therapy, world.ot, role="Occupational therapy")
    return world


def accepted_action(db, world, status=ActionStatus.accepted):
    action = add(db, world, "action", owner_agency_id=world.social_care.id, **TERMS)
    assert move(db, world, action, handshake.Transition.accept, world.social_worker, 1).ok
    if status is ActionStatus.in_progress:
        assert move(db, world, action, handshake.Transition.start, world.social_worker, 2).ok
    db.refresh(action)
    return action


def asked_again(db, world) -> list[Notification]:
    return db.exec(select(Notification).where(Notification.kind == "action_changed")).all()


@pytest.mark.parametrize("status", [ActionStatus.accepted, ActionStatus.in_progress])
@pytest.mark.parametrize(
    "change",
    [
        {"description": "Evening call instead"},
        {"frequency": "Twice a week"},
        {"start_on": "2026-12-05"},
        {"due_on": "2027-01-31"},
        {"owner_user": True},
    ],
    ids=["description", "frequency", "start", "due", "named-practitioner"],
)
def test_a_change_to_what_an_agency_agreed_to_asks_it_to_accept_again(db, world, status, change):
    action = accepted_action(db, world, status)
    values = {**TERMS, **{k: v for k, v in change.items() if k != "owner_user"}}
    named = world.other_social_worker.id if "owner_user" in change else None
    result = edit(db, world, action, action.version, owner_agency_id=world.social_care.id, owner_user_id=named, **values)
    assert result.ok, (result.errors, result.refused)
    db.expire_all()
    action = db.get(CarePlanAction, action.id)
    assert action.status is ActionStatus.requested
    assert action.requested_by_id == world.nurse.id and action.responded_by_id is None and action.responded_at is None
    # The agency (or the practitioner now named) is asked, in words that say why.
    [told] = asked_again(db, world)
    assert (told.user_id, told.agency_id) == ((named, None) if named else (None, world.social_care.id))
    assert "changed an action Adult Social Care had accepted" in told.message and "Accept it as it is now, or decline it" in told.message
    latest = db.exec(select(CarePlanRevision).order_by(CarePlanRevision.plan_version.desc())).first()
    assert latest.summary.startswith("Action changed, so asked of Adult Social Care again") and latest.values["status"] == "requested"
    # It is the agency's to answer again: accepting it now accepts the new terms.
    assert handshake.Transition.accept in handshake.available(action.status, handshake.Actor(is_owner=True))
    assert move(db, world, action, handshake.Transition.accept, world.social_worker, action.version).ok


def test_any_care_team_agency_not_only_the_key_worker_sends_it_back(db, world):
    action = accepted_action(db, world)
    result = edit(db, world, action, action.version, by=world.ot, owner_agency_id=world.social_care.id, **{**TERMS, "due_on": "2026-12-10"})
    assert result.ok and result.item.status is ActionStatus.requested and result.item.requested_by_id == world.ot.id
    assert len(asked_again(db, world)) == 1


def test_the_agency_that_agreed_may_change_its_own_accepted_action(db, world):
    action = accepted_action(db, world)
    result = edit(
        db, world, action, action.version, by=world.social_worker, owner_agency_id=world.social_care.id, **{**TERMS, "frequency": "Weekly"}
    )
    assert result.ok and result.item.status is ActionStatus.accepted and result.item.responded_by_id == world.social_worker.id
    assert asked_again(db, world) == []


def test_saving_an_accepted_action_unchanged_keeps_it_accepted(db, world):
    action = accepted_action(db, world)
    result = edit(db, world, action, action.version, owner_agency_id=world.social_care.id, **TERMS)
    assert result.ok and result.item.status is ActionStatus.accepted and asked_again(db, world) == []


def test_a_requested_action_changed_stays_requested_without_a_second_notice(db, world):
    action = add(db, world, "action", owner_agency_id=world.social_care.id, **TERMS)
    result = edit(db, world, action, action.version, owner_agency_id=world.social_care.id, **{**TERMS, "frequency": "Weekly"})
    assert result.ok and result.item.status is ActionStatus.requested and asked_again(db, world) == []


def test_over_the_web_the_owning_agency_sees_the_changed_action_to_accept_again(app, db, world):
    action = accepted_action(db, world)
    nurse = app.test_client()
    AuthActions(nurse).sign_in("nurse")
    form = {
        **TERMS,
        "description": "Evening call instead",
        "start_on-day": "1",
        "start_on-month": "12",
        "start_on-year": "2026",
        "due_on-day": "31",
        "due_on-month": "12",
        "due_on-year": "2026",
        "owner_agency_id": str(world.social_care.id),
        "owner_user_id": "",
        "version": str(action.version),
    }
    response = AuthActions(nurse).post(f"/people/{world.person.id}/care-plan/actions/{action.id}", form)
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:500]
    db.expire_all()
    assert db.get(CarePlanAction, action.id).status is ActionStatus.requested
    social_worker = app.test_client()
    AuthActions(social_worker).sign_in("socialworker")
    inbox = social_worker.get("/inbox").get_data(as_text=True)
    assert "had accepted" in inbox and "Evening call instead" in inbox
    worklist = social_worker.get("/worklist").get_data(as_text=True)
    assert "Evening call instead" in worklist and ">Accept<" in worklist.replace("\n", "").replace(" ", "")


@pytest.mark.parametrize("status", list(ActionStatus))
@pytest.mark.parametrize("by_owner", [False, True])
def test_only_agreed_actions_changed_by_someone_else_are_asked_again(status, by_owner):
    expected = status in (ActionStatus.accepted, ActionStatus.in_progress) and not by_owner
    assert handshake.asks_again(status, terms_changed=True, by_owner=by_owner) is expected
    assert handshake.asks_again(status, terms_changed=False, by_owner=by_owner) is False


def test_the_form_to_change_an_accepted_action_says_its_agency_will_be_asked_again(app, db, world):
    action = accepted_action(db, world)
    edit_form = f"/people/{world.person.id}/care-plan/actions/{action.id}/edit"
    notice = "Adult Social Care has accepted this action. If you change it, they will be asked to accept it again."
    for username, told in (("nurse", True), ("socialworker", False)):
        client = app.test_client()
        AuthActions(client).sign_in(username)
        for headers in ({}, {"HX-Request": "true"}):
            body = client.get(edit_form, headers=headers).get_data(as_text=True)
            assert (notice in body) is told, (username, headers)
