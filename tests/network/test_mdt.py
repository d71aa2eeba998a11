"""Network multidisciplinary meetings: scheduling, the agenda, the one-screen summary, the outcome."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from app.assessment import service
from app.care_plan import commands
from app.care_plan.commands import AddItem
from app.network import mdt
from models import ActionStatus, AuditEvent, CarePlanAction, MdtAgendaItem, MdtAttendee, MdtMeeting, Notification, PlanItemType
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


def _on_agenda(db, world, question="Is it time for a care home?"):
    item = mdt.add_to_agenda(db, world.person, world.network.id, mdt.AddToAgenda(question), world.nurse, TODAY).item
    db.commit()
    return item


def test_a_meeting_needs_a_date_not_yet_past_and_a_place(db, world):
    result = mdt.schedule(db, world.network, mdt.ScheduleMeeting(TODAY - timedelta(days=1), " "), world.lead, TODAY)
    assert result.errors == {
        "held_on-day": "The date of the meeting must be today or in the future",
        "place": "Enter where the meeting is held",
    }
    assert mdt.schedule(db, world.network, mdt.ScheduleMeeting(None, "x"), world.lead, TODAY).errors == {
        "held_on-day": "Enter the date of the meeting"
    }


def test_the_next_meeting_is_the_first_not_yet_past(db, world):
    later = mdt.schedule(db, world.network, mdt.ScheduleMeeting(TODAY + timedelta(days=30), "Online"), world.lead, TODAY).item
    db.add(MdtMeeting(network_id=world.network.id, held_on=TODAY - timedelta(days=5), place="Past"))
    db.commit()
    assert mdt.next_meeting(db, world.network.id, TODAY).id == world.meeting.id
    assert mdt.next_meeting(db, world.other_network.id, TODAY) is None
    assert later.id != world.meeting.id


def test_a_person_goes_on_the_next_agenda_once_with_their_question(db, world):
    item = _on_agenda(db, world)
    assert (item.meeting_id, item.person_id, item.question) == (world.meeting.id, world.person.id, "Is it time for a care home?")
    again = mdt.add_to_agenda(db, world.person, world.network.id, mdt.AddToAgenda("Again"), world.nurse, TODAY)
    assert again.refused and "already on the agenda" in again.refused
    assert mdt.add_to_agenda(db, world.person, world.network.id, mdt.AddToAgenda("  "), world.nurse, TODAY).errors == {
        "question": "Enter the question to discuss"
    }


def test_no_meeting_scheduled_means_nobody_can_be_added(db, world):
    result = mdt.add_to_agenda(db, world.person, world.other_network.id, mdt.AddToAgenda("Q"), world.nurse, TODAY)
    assert result.refused.startswith("The person's network has no meeting scheduled")


def _frailty(db, world, level, seen):
    assessment = service.open_assessment(db, world.person, world.nurse)
    result = service.save_section(db, assessment, service.SaveSection("physical", {"cfs_level": level}, seen), world.nurse)
    assert not result.errors, result.errors
    db.commit()


def test_the_summary_shows_the_frailty_level_and_its_trend_from_the_assessment(db, world):
    _frailty(db, world, "mild_frailty", 0)
    _frailty(db, world, "severe_frailty", 1)
    _on_agenda(db, world)
    [summary] = mdt.agenda(db, world.meeting, TODAY).people
    assert (summary.frailty.score, summary.frailty.trend) == (7, "Worse (was 5)")


def test_frailty_trend_reads_the_last_change_of_level():
    assert mdt.frailty_from([]).trend == "Not assessed"
    assert mdt.frailty_from([{"cfs_level": "mild_frailty"}]).trend == "No earlier score"
    worse = mdt.frailty_from([{"cfs_level": "mild_frailty"}, {"cfs_level": "mild_frailty"}, {"cfs_level": "severe_frailty"}])
    assert (worse.score, worse.label, worse.trend) == (7, "Living with severe frailty", "Worse (was 5)")
    assert mdt.frailty_from([{"cfs_level": "severe_frailty"}, {"cfs_level": "fit"}, {"other": 1}]).trend == "Better (was 7)"
    assert mdt.frailty_from([{"cfs_level": "fit"}, {"cfs_level": "mild_frailty"}, {"cfs_level": "fit"}]).trend == "Better (was 5)"


def test_the_summary_counts_open_and_overdue_actions_and_changes_since_the_last_meeting(db, world):
    for description, due in (("Visit", TODAY - timedelta(days=2)), ("Call", TODAY + timedelta(days=2)), ("Review", None)):
        answers = {"description": description, **({"due_on": due.isoformat()} if due else {})}
        commands.add_item(
            db, world.plan, world.person, AddItem(PlanItemType.action, answers, owner_agency_id=world.nursing.id), world.nurse
        )
    db.commit()
    _on_agenda(db, world)
    agenda = mdt.agenda(db, world.meeting, TODAY)
    [summary] = agenda.people
    assert (summary.open_actions, summary.overdue_actions) == (3, 1)
    assert summary.key_worker == world.nurse.full_name
    assert [c.summary for c in summary.changes][:3] == ["Action added: Review", "Action added: Call", "Action added: Visit"]
    assert summary.frailty.trend == "Not assessed"


def test_the_agenda_is_read_in_a_fixed_number_of_queries(db, world, count_queries):
    _on_agenda(db, world)
    with count_queries() as one:
        mdt.agenda(db, world.meeting, TODAY)
    for n in range(4):
        person = factories.person(db, world.practice, given_name=f"P{n}")
        factories.team_member(db, person, world.nursing, world.nurse if n == 0 else None, key_worker=True)
        factories.care_plan(db, person, world.nurse)
        mdt.add_to_agenda(db, person, world.network.id, mdt.AddToAgenda("Q"), world.nurse, TODAY)
    db.commit()
    with count_queries() as five:
        agenda = mdt.agenda(db, world.meeting, TODAY)
    assert len(agenda.people) == 5
    assert five.count == one.count


def test_an_outcome_records_the_decision_and_asks_the_agency_for_a_new_plan_action(db, world):
    item = _on_agenda(db, world)
    action = AddItem(PlanItemType.action, {"description": "Assess for a stairlift"}, owner_agency_id=world.social_care.id)
    result = mdt.record_outcome(db, item, world.person, mdt.RecordOutcome("Stay at home with more help", item.version, action), world.lead)
    db.commit()
    assert result.ok
    saved = db.get(MdtAgendaItem, item.id)
    assert (saved.decision, saved.decided_by_id, saved.actions_created, saved.version) == (
        "Stay at home with more help",
        world.lead.id,
        1,
        2,
    )
    made = db.exec(select(CarePlanAction).where(CarePlanAction.description == "Assess for a stairlift")).one()
    assert (made.status, made.owner_agency_id, made.requested_by_id) == (ActionStatus.requested, world.social_care.id, world.lead.id)
    told = db.exec(select(Notification).where(Notification.agency_id == world.social_care.id)).all()
    assert any("Assess for a stairlift" in n.message for n in told)
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "record_mdt_outcome", AuditEvent.person_id == world.person.id)).first()
    assert [d.item.decision for d in mdt.discussed(db, world.person.id)] == ["Stay at home with more help"]


def test_an_outcome_with_a_bad_action_saves_nothing(db, world):
    item = _on_agenda(db, world)
    action = AddItem(PlanItemType.action, {"description": "Visit"}, owner_agency_id=world.therapy.id)  # not in the care team
    result = mdt.record_outcome(db, item, world.person, mdt.RecordOutcome("", item.version, action), world.lead)
    db.rollback()
    assert set(result.errors) == {"decision", "owner_agency_id"}
    assert db.get(MdtAgendaItem, item.id).decision is None
    assert db.exec(select(CarePlanAction)).all() == []


def test_an_outcome_saved_over_an_older_version_is_a_conflict(db, world):
    item = _on_agenda(db, world)
    assert mdt.record_outcome(db, item, world.person, mdt.RecordOutcome("First", 1), world.lead).ok
    db.commit()
    late = mdt.record_outcome(db, db.get(MdtAgendaItem, item.id), world.person, mdt.RecordOutcome("Second", 1), world.lead)
    assert late.conflict is not None and late.conflict.theirs == {"decision": "First"}
    db.rollback()
    assert db.get(MdtAgendaItem, item.id).decision == "First"


def test_attendees_are_recorded_by_agency(db, world):
    assert mdt.record_attendee(db, world.meeting, mdt.RecordAttendee(None, ""), world.lead).errors == {
        "agency_id": "Select the agency they came for",
        "name": "Enter their name",
    }
    assert mdt.record_attendee(db, world.meeting, mdt.RecordAttendee(world.social_care.id, "Sam Hill"), world.lead).ok
    db.commit()
    assert [(a.name, ag.name) for a, ag in mdt.agenda(db, world.meeting, TODAY).attendees] == [("Sam Hill", "Adult Social Care")]
    assert db.exec(select(MdtAttendee)).one().meeting_id == world.meeting.id
