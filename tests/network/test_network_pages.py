"""The network's meeting and discharge pages over HTTP: who may use them, what they show, bad input."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from app.care_plan import commands
from app.care_plan.commands import AddItem
from app.front_door import clocks
from app.network import mdt
from models import (
    ActionStatus,
    AuditEvent,
    AuditOutcome,
    CarePlanAction,
    DelayReason,
    DischargeWait,
    MdtAgendaItem,
    MdtMeeting,
    PlanItemType,
    Referral,
    ReferralStatus,
    Urgency,
)
from tests import factories
from tests.factories import PlanWorld

TODAY = date.today()


@pytest.fixture
def world(db):
    world = PlanWorld(db)
    world.meeting = mdt.schedule(
        db, world.network, mdt.ScheduleMeeting(TODAY + timedelta(days=3), "Northgate Surgery"), world.lead, TODAY
    ).item
    db.commit()
    return world


def _discharge_referral(db, world, person=None, ready_days_ago=4):
    now = datetime.now(UTC)
    referral = Referral(
        person_id=(person or world.person).id,
        source="hospital_discharge",
        referrer_name="Ward 7 discharge team",
        reason="Home with support",
        requested_urgency=Urgency.urgent,
        urgency=Urgency.urgent,
        status=ReferralStatus.accepted,
        received_at=now,
        due_by=clocks.due_by(now, Urgency.urgent),
        ward="Ward 7",
        expected_discharge_on=TODAY + timedelta(days=1),
        medically_optimised_on=TODAY - timedelta(days=ready_days_ago),
    )
    db.add(referral)
    db.commit()
    return referral


def test_a_key_worker_puts_a_person_on_the_next_agenda_from_their_record(client, auth, db, world):
    auth.sign_in("nurse")
    record = client.get(f"/people/{world.person.id}").get_data(as_text=True)
    assert f"/people/{world.person.id}/mdt" in record
    assert "Discuss at the network meeting" in client.get(f"/people/{world.person.id}/mdt").get_data(as_text=True)
    response = auth.post(f"/people/{world.person.id}/mdt", {"question": "Can she stay at home?"})
    assert response.status_code == 302
    item = db.exec(select(MdtAgendaItem)).one()
    assert (item.meeting_id, item.question, item.added_by_id) == (world.meeting.id, "Can she stay at home?", world.nurse.id)


def test_an_empty_question_is_an_error_and_adds_nobody(client, auth, db, world):
    auth.sign_in("nurse")
    response = auth.post(f"/people/{world.person.id}/mdt", {"question": ""})
    assert response.status_code == 400
    assert "Enter the question to discuss" in response.get_data(as_text=True)
    assert db.exec(select(MdtAgendaItem)).all() == []


def test_a_practitioner_who_is_not_the_key_worker_cannot_add_to_the_agenda(client, auth, db, world):
    auth.sign_in("socialworker")
    response = auth.post(f"/people/{world.person.id}/mdt", {"question": "Q"})
    assert response.status_code == 403
    assert db.exec(select(MdtAgendaItem)).all() == []


def test_the_lead_schedules_a_meeting_and_a_bad_date_is_refused(client, auth, db, world):
    auth.sign_in("lead")
    bad = auth.post(
        f"/networks/{world.network.id}/meetings", {"held_on-day": "31", "held_on-month": "2", "held_on-year": "2027", "place": "x"}
    )
    assert bad.status_code == 400 and "must be a real date" in bad.get_data(as_text=True)
    later = TODAY + timedelta(days=10)
    good = auth.post(
        f"/networks/{world.network.id}/meetings",
        {"held_on-day": str(later.day), "held_on-month": str(later.month), "held_on-year": str(later.year), "place": "Online"},
    )
    assert good.status_code == 302
    assert len(db.exec(select(MdtMeeting)).all()) == 2


def test_only_the_networks_own_lead_reaches_its_meetings(client, auth, db, world):
    for username in ("nurse", "otherlead", "coordinator", "admin"):
        auth.sign_in(username)
        assert client.get(f"/networks/{world.network.id}/meetings/{world.meeting.id}").status_code == 403, username
        auth.sign_out()
    auth.sign_in("lead")
    assert client.get(f"/networks/{world.network.id}/meetings/{world.meeting.id}").status_code == 200
    assert client.get(f"/networks/{world.network.id}/meetings/999999").status_code == 404


def test_the_lead_runs_the_meeting_and_the_action_is_requested_of_its_agency(client, auth, db, world):
    item = mdt.add_to_agenda(db, world.person, world.network.id, mdt.AddToAgenda("Stairs?"), world.nurse, TODAY).item
    db.commit()
    auth.sign_in("lead")
    page = client.get(f"/networks/{world.network.id}/meetings/{world.meeting.id}").get_data(as_text=True)
    assert "Stairs?" in page and "LOVELACE" in page
    assert (
        auth.post(
            f"/networks/{world.network.id}/meetings/{world.meeting.id}/attendees", {"agency_id": world.social_care.id, "name": "Sam"}
        ).status_code
        == 302
    )
    url = f"/networks/{world.network.id}/meetings/{world.meeting.id}/items/{item.id}"
    assert client.get(url).status_code == 200
    response = auth.post(
        url,
        {
            "version": "1",
            "decision": "Stairlift assessment",
            "add_action": "yes",
            "description": "Assess for a stairlift",
            "owner_agency_id": world.social_care.id,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    action = db.exec(select(CarePlanAction)).one()
    assert (action.status, action.owner_agency_id) == (ActionStatus.requested, world.social_care.id)
    record = client.get(f"/people/{world.person.id}").get_data(as_text=True)
    assert "Discussed at the network meeting" in record and "Stairlift assessment" in record
    printed = client.get(f"/networks/{world.network.id}/meetings/{world.meeting.id}/print").get_data(as_text=True)
    assert printed.count('class="app-agenda-page"') == 1


def test_an_outcome_without_a_decision_changes_nothing(client, auth, db, world):
    item = mdt.add_to_agenda(db, world.person, world.network.id, mdt.AddToAgenda("Stairs?"), world.nurse, TODAY).item
    db.commit()
    auth.sign_in("lead")
    response = auth.post(
        f"/networks/{world.network.id}/meetings/{world.meeting.id}/items/{item.id}", {"version": "1", "decision": "", "add_action": "yes"}
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Enter the decision" in body and "Select the agency that will do this" in body
    assert db.exec(select(CarePlanAction)).all() == []
    assert db.get(MdtAgendaItem, item.id).decision is None


def test_a_lead_of_another_network_cannot_record_an_outcome(client, auth, db, world):
    item = mdt.add_to_agenda(db, world.person, world.network.id, mdt.AddToAgenda("Q"), world.nurse, TODAY).item
    db.commit()
    auth.sign_in("otherlead")
    response = auth.post(f"/networks/{world.network.id}/meetings/{world.meeting.id}/items/{item.id}", {"version": "1", "decision": "x"})
    assert response.status_code == 403
    assert db.exec(select(AuditEvent).where(AuditEvent.outcome == AuditOutcome.refused, AuditEvent.username == "otherlead")).first()


def test_the_meeting_page_reads_in_a_fixed_number_of_statements(client, auth, db, world, count_queries):
    mdt.add_to_agenda(db, world.person, world.network.id, mdt.AddToAgenda("Q"), world.nurse, TODAY)
    db.commit()
    auth.sign_in("lead")
    url = f"/networks/{world.network.id}/meetings/{world.meeting.id}"
    client.get(url)
    with count_queries() as one:
        assert client.get(url).status_code == 200
    for n in range(5):
        person = factories.person(db, world.practice, given_name=f"Extra{n}")
        factories.team_member(db, person, world.nursing, key_worker=True)
        mdt.add_to_agenda(db, person, world.network.id, mdt.AddToAgenda("Q"), world.nurse, TODAY)
    db.commit()
    with count_queries() as six:
        assert client.get(url).status_code == 200
    assert six.count == one.count


# --- The discharge board -------------------------------------------------------------------------


def test_a_ward_referral_is_on_the_board_with_days_since_ready_then_goes_home(client, auth, db, world):
    referral = _discharge_referral(db, world)
    action = commands.add_item(
        db,
        world.plan,
        world.person,
        AddItem(
            PlanItemType.action,
            {"description": "Fit a key safe"},
            owner_agency_id=world.social_care.id,
            owner_user_id=world.social_worker.id,
        ),
        world.nurse,
    ).item
    db.commit()
    auth.sign_in("lead")
    board = client.get(f"/networks/{world.network.id}/discharges").get_data(as_text=True)
    assert "LOVELACE" in board and "Ward 7" in board and ">4<" in board.replace(" ", "")
    url = f"/networks/{world.network.id}/discharges/{referral.id}"
    assert client.get(url).status_code == 200
    saved = auth.post(url, {"version": "0", "delay_reason": "package_of_care", "delay_note": "Waiting for carers", "gate": str(action.id)})
    assert saved.status_code == 302
    wait = db.exec(select(DischargeWait)).one()
    assert (wait.delay_reason, wait.home_on) == (DelayReason.package_of_care, None)
    board = client.get(f"/networks/{world.network.id}/discharges").get_data(as_text=True)
    assert "Package of care" in board and "Fit a key safe" in board and "Adult Social Care" in board
    # The gating action says whose it is, by agency and named practitioner, and how it stands.
    assert (
        f"Fit a key safe: <strong>{world.social_care.name}</strong> ({world.social_worker.full_name}), {action.status.label.lower()}"
        in board
    )
    figures_before = client.get("/discharges/figures").get_data(as_text=True)
    assert "Package of care" in figures_before
    home = TODAY - timedelta(days=1)
    response = auth.post(
        url,
        {
            "version": "1",
            "delay_reason": "package_of_care",
            "home_on-day": str(home.day),
            "home_on-month": str(home.month),
            "home_on-year": str(home.year),
        },
    )
    assert response.status_code == 302
    db.expire_all()
    assert db.get(DischargeWait, wait.id).home_on == home
    figures_after = client.get("/discharges/figures").get_data(as_text=True)
    assert "1 home" in figures_after and "0 waiting" in figures_after


def test_a_home_date_before_ready_or_in_the_future_is_refused(client, auth, db, world):
    referral = _discharge_referral(db, world)
    auth.sign_in("lead")
    url = f"/networks/{world.network.id}/discharges/{referral.id}"
    for day in (TODAY - timedelta(days=10), TODAY + timedelta(days=2)):
        response = auth.post(
            url, {"version": "0", "home_on-day": str(day.day), "home_on-month": str(day.month), "home_on-year": str(day.year)}
        )
        assert response.status_code == 400
    bad_reason = auth.post(url, {"version": "0", "delay_reason": "teleport"})
    assert bad_reason.status_code == 400 and "Select what is holding the person in hospital" in bad_reason.get_data(as_text=True)
    assert db.exec(select(DischargeWait)).all() == []


def test_the_discharge_board_is_its_leads_and_reads_in_a_fixed_number_of_statements(client, auth, db, world, count_queries):
    _discharge_referral(db, world)
    for username in ("nurse", "otherlead", "coordinator"):
        auth.sign_in(username)
        assert client.get(f"/networks/{world.network.id}/discharges").status_code == 403, username
        auth.sign_out()
    auth.sign_in("lead")
    url = f"/networks/{world.network.id}/discharges"
    client.get(url)
    with count_queries() as one:
        assert client.get(url).status_code == 200
    for n in range(5):
        person = factories.person(db, world.practice, given_name=f"Extra{n}")
        _discharge_referral(db, world, person, ready_days_ago=n)
    db.commit()
    with count_queries() as six:
        assert client.get(url).status_code == 200
    assert six.count == one.count


def test_nobody_who_objected_to_the_leads_agency_is_on_the_board_or_the_agenda(client, auth, db, world):
    from models import ConsentObjection

    _discharge_referral(db, world)
    mdt.add_to_agenda(db, world.person, world.network.id, mdt.AddToAgenda("Q"), world.nurse, TODAY)
    db.add(ConsentObjection(person_id=world.person.id, agency_id=world.practice.id, recorded_by_id=world.nurse.id))
    db.commit()
    auth.sign_in("lead")
    for url in (f"/networks/{world.network.id}/discharges", f"/networks/{world.network.id}/meetings/{world.meeting.id}"):
        body = client.get(url).get_data(as_text=True)
        assert "LOVELACE" not in body and world.person.nhs_number not in body.replace(" ", ""), url
