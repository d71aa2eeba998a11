"""Once a person objects to an agency, nothing about them reaches that agency or its staff through
any channel: no page or list (My work, the worklist, the inbox, the referral queue, the network's
page, the break-glass reviews, who has looked at the record), no new inbox item (a plan change, a
declined action, a reminder, a triage notice), and no API answer."""

from datetime import date

import pytest
from sqlmodel import select

from app.care_plan import commands, handshake
from app.care_plan.commands import AddItem, MoveAction
from app.front_door import triage
from app.trust import access, api_tokens
from app.work import notifications, workload
from models import ActionStatus, CarePlanAction, ConsentObjection, Notification, PlanItemType, TriageDecision, Urgency
from tests import factories
from tests.conftest import AuthActions
from tests.factories import ListedWorld
from tests.trust.test_audited_pages import pages


@pytest.fixture
def world(db):
    world = ListedWorld(db)
    # Someone the person still shares with, who goes on changing the plan after the objection.
    factories.team_member(db, world.person, world.social_care, world.outsider, role="Social work")
    return world


def _object(db, world, *agencies) -> None:
    for agency in agencies:
        db.add(ConsentObjection(person_id=world.person.id, agency_id=agency.id, recorded_by_id=world.outsider.id))
    db.commit()


def _shows_the_person(world, body: str) -> bool:
    flat = body.replace(" ", "")
    return any(word in flat for word in ("LOVELACE", "Lovelace", world.person.nhs_number))


def _items_about_the_person(db, world, agency_id: int) -> list[Notification]:
    db.expire_all()
    staff = [u.id for u in (world.nurse, world.lead, world.coordinator) if u.agency_id == agency_id]
    return [
        n
        for n in db.exec(select(Notification).where(Notification.person_id == world.person.id))
        if n.agency_id == agency_id or n.user_id in staff
    ]


def test_changes_after_an_objection_send_the_objected_agency_nothing(db, world):
    action = db.exec(select(CarePlanAction)).one()
    asked_of_social_care = commands.add_item(
        db,
        world.plan,
        world.person,
        AddItem(PlanItemType.action, {"description": "Benefits check"}, owner_agency_id=world.social_care.id),
        world.nurse,
    ).item
    factories.team_member(db, world.person, world.nursing, None, role="Nursing (whole team)")
    db.commit()
    _object(db, world, world.nursing)
    before = len(_items_about_the_person(db, world, world.nursing.id))
    # A plan change (tell_team: the named nurse and the whole nursing team), and a decline (the requester and key worker).
    commands.add_item(
        db, world.plan, world.person, AddItem(PlanItemType.need, {"need": "Falls at night", "status": "active"}), world.outsider
    )
    db.refresh(asked_of_social_care)
    moved = commands.move_action(
        db,
        world.plan,
        world.person,
        MoveAction(asked_of_social_care.id, handshake.Transition.decline, "No capacity", asked_of_social_care.version),
        world.outsider,
    )
    assert moved.ok and asked_of_social_care.status is ActionStatus.declined
    assert workload.send_review_reminders(db, date.today()) == 0  # the key worker's review reminder
    db.commit()
    assert len(_items_about_the_person(db, world, world.nursing.id)) == before
    assert notifications.notify(db, "note", "about the person", agency_id=world.nursing.id, person_id=world.person.id) is None
    assert action.owner_agency_id == world.nursing.id  # their own action, too, is no longer theirs to hear about


def test_an_objected_key_worker_is_not_offered_at_triage(db, world):
    _object(db, world, world.nursing)
    command = triage.TriageReferral(
        urgency=Urgency.urgent, decision=TriageDecision.accept, network_id=world.network.id, key_worker_id=world.nurse.id
    )
    assert "objected" in triage.check(db, world.referral, command)["key_worker_id"]


def test_the_objection_filter_lets_everyone_else_be_told(db, world):
    _object(db, world, world.nursing)
    therapy = factories.agency(db)
    everyone = {(world.nurse.id, None), (None, world.nursing.id), (world.outsider.id, None), (None, therapy.id)}
    assert access.may_be_told(db, world.person.id, everyone) == {(world.outsider.id, None), (None, therapy.id)}
    assert access.may_be_told(db, None, everyone) == everyone


@pytest.mark.parametrize("role", ["nurse", "lead", "coordinator"])
def test_no_page_or_api_shows_the_person_to_staff_of_an_objected_agency(app, client, db, world, role):
    _object(db, world, world.nursing, world.practice, world.spa)
    auth = AuthActions(client)
    auth.sign_in(role)
    user = {"nurse": world.nurse, "lead": world.lead, "coordinator": world.coordinator}[role]
    walked = pages(app, world)
    for endpoint, address in walked:
        if endpoint in ("front_door.search_people", "front_door.match", "front_door.new_referral"):
            continue  # finding a person shows only what matches them, to anyone (the design's search rule)
        for headers in ({}, {"HX-Request": "true"}):
            body = client.get(address, headers=headers).get_data(as_text=True)
            assert not _shows_the_person(world, body), (role, address, headers)
    token = api_tokens.issue(db, user, "objection")
    db.commit()
    response = client.get(f"/fhir/ServiceRequest/{world.referral.id}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403 and not _shows_the_person(world, response.get_data(as_text=True))
    assert notifications.unread_count(db, user) == 0
