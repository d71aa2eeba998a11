"""The shared timeline of contacts (issue 16): any care-team agency records a visit, call or meeting
against the person, moving on the plan actions it touched in the same save; everyone who may read
the record sees one timeline, newest first, filterable by agency."""

from datetime import date, time, timedelta

import pytest
from sqlmodel import func, select

from app.care_plan import handshake, timeline
from models import ActionStatus, AuditEvent, AuditOutcome, CarePlanAction, ContactHow, ContactRecord, Notification
from tests.care_plan.test_plan_commands import add, move
from tests.factories import PlanWorld, care_plan, person

T = handshake.Transition


@pytest.fixture
def world(db):
    return PlanWorld(db)


def url(world, tail=""):
    return f"/people/{world.person.id}/timeline{tail}"


def count(db, model):
    return db.exec(select(func.count()).select_from(model)).one()


def accepted(db, world, description="Help with washing"):
    action = add(db, world, "action", description=description, owner_agency_id=world.social_care.id)
    assert move(db, world, action, T.accept, world.social_worker, action.version).ok
    db.refresh(action)
    return action


def visit(**more):
    today = date.today()
    form = {
        "contact_on-day": str(today.day),
        "contact_on-month": str(today.month),
        "contact_on-year": str(today.year),
        "contact_time": "10:15",
        "how": "visit",
        "with_whom": "Mrs Smith and her daughter",
        "summary": "Helped with washing.\nSkin intact.",
    }
    return {**form, **more}


def test_a_social_worker_records_a_visit_that_completes_an_action_in_the_same_save(client, auth, db, world):
    action = accepted(db, world)
    auth.sign_in("socialworker")
    form_page = client.get(url(world, "/new")).get_data(as_text=True)
    assert f'name="move-{action.id}"' in form_page and "Mark as done" in form_page
    response = auth.post(url(world), visit(**{f"move-{action.id}": "complete", f"version-{action.id}": str(action.version)}))
    assert response.status_code == 302
    db.expire_all()
    [contact] = db.exec(select(ContactRecord)).all()
    assert contact.how is ContactHow.visit and contact.contact_time == time(10, 15) and contact.agency_id == world.social_care.id
    assert contact.moved == [{"action_id": action.id, "description": "Help with washing", "moved": "marked as done"}]
    assert db.get(CarePlanAction, action.id).status is ActionStatus.done
    audited = db.exec(select(AuditEvent).where(AuditEvent.record_type == "contact_record")).one()
    assert audited.person_id == world.person.id and audited.record_id == str(contact.id) and "marked as done" in audited.detail
    # The key worker hears of it once: the plan's change and the contact in one unread item.
    told = db.exec(
        select(Notification).where(Notification.user_id == world.nurse.id, Notification.topic == f"plan_changed:{world.person.id}")
    ).all()
    assert len(told) == 1 and "A contact was recorded" in told[0].message
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Contact recorded" in page and "Visit with Mrs Smith and her daughter" in page and "Skin intact." in page
    assert "Help with washing</a>: marked as done" in page


def test_the_key_worker_is_not_told_of_their_own_contact(client, auth, db, world):
    auth.sign_in("nurse")
    assert auth.post(url(world), visit(how="phone")).status_code == 302
    assert count(db, ContactRecord) == 1
    assert db.exec(select(Notification).where(Notification.user_id == world.nurse.id)).all() == []


def test_the_timeline_is_newest_first_and_filters_by_agency(client, auth, db, world):
    today = date.today()
    for by, days_ago, who in ((world.nurse, 3, "Oldest"), (world.social_worker, 1, "Middle"), (world.nurse, 0, "Newest")):
        command = timeline.RecordContact(today - timedelta(days=days_ago), None, ContactHow.phone, who, "Talked", ())
        assert timeline.record_contact(db, world.person, command, by).ok
    db.commit()
    auth.sign_in("lead")  # a network lead reads the record, so reads the timeline
    page = client.get(url(world)).get_data(as_text=True)
    assert page.index("Phone call with Newest") < page.index("Phone call with Middle") < page.index("Phone call with Oldest")
    assert "Record a contact" not in page  # the lead may read, not record
    only_social_care = client.get(url(world, f"?agency={world.social_care.id}")).get_data(as_text=True)
    assert "with Middle" in only_social_care and "with Newest" not in only_social_care and "with Oldest" not in only_social_care
    assert client.get(url(world, "?agency=nonsense")).status_code == 200


@pytest.mark.parametrize(
    "change, field, message",
    [
        (
            {
                "contact_on-day": str((date.today() + timedelta(days=2)).day),
                "contact_on-month": str((date.today() + timedelta(days=2)).month),
                "contact_on-year": str((date.today() + timedelta(days=2)).year),
            },
            "contact_on-day",
            "must be today or in the past",
        ),
        ({"summary": "  "}, "summary", "Enter what happened"),
        ({"with_whom": ""}, "with_whom", "Enter who the contact was with"),
        ({"how": "carrier pigeon"}, "how", "Select how the contact was made"),
        ({"contact_time": "25:99"}, "contact_time", "Enter the time as hours and minutes"),
        ({"move-999999": "complete", "version-999999": "1"}, "moves", "Select an action in this care plan"),
    ],
    ids=["future", "no-summary", "no-one", "how", "time", "not-in-plan"],
)
def test_bad_input_is_shown_by_its_field_and_nothing_is_saved(client, auth, db, world, change, field, message):
    action = accepted(db, world)
    auth.sign_in("socialworker")
    response = auth.post(url(world), visit(**{f"move-{action.id}": "complete", f"version-{action.id}": str(action.version), **change}))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page and f'href="#{field}"' in page and message in page
    db.expire_all()
    assert count(db, ContactRecord) == 0 and db.get(CarePlanAction, action.id).status is ActionStatus.accepted


def test_an_action_of_another_persons_plan_cannot_be_moved_from_this_timeline(client, auth, db, world):
    other = person(db, world.practice, given_name="Other")
    other_plan = care_plan(db, other, world.nurse)
    theirs = CarePlanAction(care_plan_id=other_plan.id, person_id=other.id, description="Theirs", owner_agency_id=world.nursing.id)
    db.add(theirs)
    db.commit()
    auth.sign_in("nurse")
    response = auth.post(url(world), visit(**{f"move-{theirs.id}": "accept", f"version-{theirs.id}": "1"}))
    assert response.status_code == 400 and "Select an action in this care plan" in response.get_data(as_text=True)
    db.expire_all()
    assert count(db, ContactRecord) == 0 and db.get(CarePlanAction, theirs.id).status is ActionStatus.requested


def test_a_move_the_handshake_refuses_saves_nothing(client, auth, db, world):
    action = accepted(db, world)  # Adult Social Care's: only it may mark it done
    auth.sign_in("nurse")
    response = auth.post(url(world), visit(**{f"move-{action.id}": "complete", f"version-{action.id}": str(action.version)}))
    assert response.status_code == 400 and "Only the agency the action is assigned to can do that." in response.get_data(as_text=True)
    db.expire_all()
    assert count(db, ContactRecord) == 0 and db.get(CarePlanAction, action.id).status is ActionStatus.accepted


def test_a_move_someone_else_made_first_saves_nothing_and_says_so(client, auth, db, world):
    action = accepted(db, world)
    seen = action.version
    assert move(db, world, action, T.start, world.social_worker, seen).ok
    auth.sign_in("socialworker")
    response = auth.post(url(world), visit(**{f"move-{action.id}": "complete", f"version-{action.id}": str(seen)}))
    assert response.status_code == 400 and "changed this action since you opened it" in response.get_data(as_text=True)
    db.expire_all()
    assert count(db, ContactRecord) == 0 and db.get(CarePlanAction, action.id).status is ActionStatus.in_progress


def test_declining_or_cancelling_is_left_to_the_plan_where_a_reason_is_given(client, auth, db, world):
    action = add(db, world, "action", description="Care Act assessment", owner_agency_id=world.social_care.id)
    auth.sign_in("socialworker")
    form_page = client.get(url(world, "/new")).get_data(as_text=True)
    assert 'value="accept"' in form_page and 'value="decline"' not in form_page
    response = auth.post(url(world), visit(**{f"move-{action.id}": "decline", f"version-{action.id}": "1"}))
    assert response.status_code == 400 and "where you can give a reason" in response.get_data(as_text=True)
    assert count(db, ContactRecord) == 0


def test_only_the_care_team_records_and_only_those_who_may_read_see_the_timeline(client, auth, db, world):
    auth.sign_in("lead")
    assert client.get(url(world)).status_code == 200
    assert client.get(url(world, "/new")).status_code == 403
    assert auth.post(url(world), visit()).status_code == 403
    auth.sign_in("ot")  # Community Therapy is not in the care team
    assert client.get(url(world)).status_code == 403
    assert count(db, ContactRecord) == 0
    refused = db.exec(select(AuditEvent).where(AuditEvent.outcome == AuditOutcome.refused)).all()
    assert {e.action for e in refused} >= {"record_contact", "view_timeline"}


def test_the_timeline_runs_a_fixed_number_of_queries_however_long(client, auth, db, world, count_queries):
    auth.sign_in("nurse")
    command = timeline.RecordContact(date.today(), None, ContactHow.visit, "Mrs Smith", "Visited", ())
    timeline.record_contact(db, world.person, command, world.nurse)
    db.commit()
    with count_queries() as short:
        assert client.get(url(world)).status_code == 200
    for n in range(12):
        by = world.social_worker if n % 2 else world.nurse
        timeline.record_contact(
            db, world.person, timeline.RecordContact(date.today(), time(9, n), ContactHow.phone, f"Call {n}", "Rang", ()), by
        )
    db.commit()
    with count_queries() as long:
        assert client.get(url(world)).status_code == 200
    assert long.count == short.count


def recorded(db, world, by=None):
    command = timeline.RecordContact(date.today(), time(9, 0), ContactHow.phone, "Karen", "Rang about the weekend", ())
    row = timeline.record_contact(db, world.person, command, by or world.nurse).item
    db.commit()
    return row


def test_the_agency_that_recorded_a_contact_changes_it_against_the_version_it_saw(client, auth, db, world):
    row = recorded(db, world)
    auth.sign_in("nurse")
    form_page = client.get(url(world, f"/{row.id}/edit")).get_data(as_text=True)
    assert "Change a contact" in form_page and 'name="version" value="1"' in form_page and "Rang about the weekend" in form_page
    response = auth.post(url(world, f"/{row.id}"), {**visit(summary="Rang about the weekend: all well."), "version": "1"})
    assert response.status_code == 302
    db.expire_all()
    changed = db.get(ContactRecord, row.id)
    assert changed.version == 2 and changed.summary == "Rang about the weekend: all well." and changed.how is ContactHow.visit
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "change_contact", AuditEvent.record_type == "contact_record")).one()
    # A second save against version 1 is shown beside what is there now, and overwrites nothing.
    stale = auth.post(url(world, f"/{row.id}"), {**visit(summary="Mine, from an old page"), "version": "1"})
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "Someone changed this contact after you opened it" in page
    assert "Rang about the weekend: all well." in page and "Mine, from an old page" in page and 'name="version" value="2"' in page
    db.expire_all()
    assert db.get(ContactRecord, row.id).summary == "Rang about the weekend: all well."


def test_only_the_agency_that_recorded_a_contact_may_change_it(client, auth, db, world):
    row = recorded(db, world)
    auth.sign_in("socialworker")  # in the care team, another agency
    assert "Change<span" not in client.get(url(world)).get_data(as_text=True)
    assert client.get(url(world, f"/{row.id}/edit")).status_code == 403
    assert auth.post(url(world, f"/{row.id}"), {**visit(summary="Not mine to change"), "version": "1"}).status_code == 403
    db.expire_all()
    assert db.get(ContactRecord, row.id).version == 1
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "change_contact", AuditEvent.outcome == AuditOutcome.refused)).all()


def test_a_change_with_bad_input_is_shown_by_its_field_and_saves_nothing(client, auth, db, world):
    row = recorded(db, world)
    auth.sign_in("nurse")
    response = auth.post(url(world, f"/{row.id}"), {**visit(summary="", contact_time="7pm"), "version": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'href="#summary"' in page and 'href="#contact_time"' in page
    db.expire_all()
    assert db.get(ContactRecord, row.id).version == 1
