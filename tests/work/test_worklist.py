"""Worklists, reviews and the network's list over HTTP: actions my agency owns across everyone's
plans, accepted, declined and completed from the list; plans due for review for their key worker
and their network lead; and who may see which."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from models import ActionStatus, AuditEvent, AuditOutcome, CarePlan, CarePlanAction, Notification
from tests.care_plan.test_plan_commands import add
from tests.factories import PlanWorld, care_plan, person, team_member

HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(db):
    return PlanWorld(db)


def due(days: int) -> dict:
    return {"due_on": date.today() + timedelta(days=days)}


def test_my_agencys_open_actions_are_listed_overdue_first_then_soonest_due(client, auth, db, world):
    later = add(db, world, "action", description="Later visit", owner_agency_id=world.social_care.id, **due(20))
    overdue = add(db, world, "action", description="Overdue visit", owner_agency_id=world.social_care.id, **due(-2))
    undated = add(db, world, "action", description="Whenever visit", owner_agency_id=world.social_care.id)
    add(db, world, "action", description="Nursing visit", owner_agency_id=world.nursing.id)
    auth.sign_in("socialworker")
    body = client.get("/worklist").get_data(as_text=True)
    assert "3 actions" in body and "Nursing visit" not in body
    assert body.index("Overdue visit") < body.index("Later visit") < body.index("Whenever visit")
    assert len(re.findall(r">\s*Overdue\s*<", body)) == 1 and world.person.family_name.upper() in body
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "view_worklist")).first()
    del later, overdue, undated


def test_the_worklist_filters_by_status_and_by_who_is_named(client, auth, db, world):
    add(db, world, "action", description="Named for me", owner_agency_id=world.social_care.id, owner_user_id=world.social_worker.id)
    add(db, world, "action", description="For the agency", owner_agency_id=world.social_care.id)
    auth.sign_in("socialworker")
    mine = client.get("/worklist?mine=yes").get_data(as_text=True)
    assert "Named for me" in mine and "For the agency" not in mine
    assert "Nothing here" in client.get("/worklist?status=done").get_data(as_text=True)
    fragment = client.get("/worklist?status=requested", headers=HTMX).get_data(as_text=True)
    assert "<html" not in fragment and 'id="worklist-items"' in fragment and "For the agency" in fragment


@pytest.mark.parametrize("query", ["status=' OR 1=1 --", "status=open&mine=yes'; DROP TABLE care_plan_action; --", "page=1e9"])
def test_odd_filters_fall_back_to_ordinary_results(client, auth, db, world, query):
    add(db, world, "action", description="Visit", owner_agency_id=world.social_care.id)
    auth.sign_in("socialworker")
    response = client.get(f"/worklist?{query}")
    assert response.status_code == 200 and "Visit" in response.get_data(as_text=True)
    assert db.exec(select(CarePlanAction)).first() is not None


def test_a_filter_with_a_nul_character_is_refused_with_a_message_not_an_error(client, auth, world):
    auth.sign_in("socialworker")
    response = client.get("/worklist?status=%00")
    assert response.status_code == 400 and "The request could not be used" in response.get_data(as_text=True)


def test_an_action_is_accepted_declined_and_completed_from_the_worklist_without_leaving_it(client, auth, db, world):
    first = add(db, world, "action", description="Care Act assessment", owner_agency_id=world.social_care.id)
    second = add(db, world, "action", description="Bathing help", owner_agency_id=world.social_care.id)
    auth.sign_in("socialworker")
    status = f"/people/{world.person.id}/care-plan/actions/{{}}/status"
    accepted = auth.post(status.format(first.id), {"transition": "accept", "version": "1", "from": "worklist"}, headers=HTMX)
    body = accepted.get_data(as_text=True)
    assert accepted.status_code == 200 and f'id="work-{first.id}"' in body and "Accepted" in body and "Mark as done" in body
    declined = auth.post(
        status.format(second.id), {"transition": "decline", "version": "1", "reason": "We do not do bathing", "from": "worklist"}
    )
    assert declined.status_code == 302 and declined.headers["Location"].endswith(f"/worklist#work-{second.id}")
    done = auth.post(status.format(first.id), {"transition": "complete", "version": "2", "from": "worklist"}, headers=HTMX)
    assert done.status_code == 200 and "Done" in done.get_data(as_text=True)
    db.expire_all()
    assert [a.status for a in db.exec(select(CarePlanAction).order_by(CarePlanAction.id))] == [ActionStatus.done, ActionStatus.declined]
    told = db.exec(select(Notification).where(Notification.kind == "action_declined")).one()
    assert told.user_id == world.nurse.id and "We do not do bathing" in told.message


def test_a_decline_without_a_reason_keeps_the_row_and_asks_for_one(client, auth, db, world):
    action = add(db, world, "action", description="Care Act assessment", owner_agency_id=world.social_care.id)
    auth.sign_in("socialworker")
    response = auth.post(
        f"/people/{world.person.id}/care-plan/actions/{action.id}/status",
        {"transition": "decline", "version": "1", "reason": "", "from": "worklist"},
        headers=HTMX,
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "Enter a reason for declining" in body and f'id="work-{action.id}"' in body


def test_administrators_have_no_worklist(client, auth, world):
    auth.sign_in("admin")
    assert client.get("/worklist").status_code == 403


def test_plans_past_their_review_date_are_on_the_key_workers_worklist_and_inbox(client, auth, db, world):
    plan = db.get(CarePlan, world.plan.id)
    plan.review_due_on = date.today() - timedelta(days=5)
    db.add(plan)
    db.commit()
    auth.sign_in("nurse")
    body = client.get("/worklist").get_data(as_text=True)
    assert "Care plans due for review" in body and world.person.family_name.upper() in body and "Overdue" in body
    auth.sign_out()
    auth.sign_in("socialworker")
    assert "Care plans due for review" not in client.get("/worklist").get_data(as_text=True)


def test_the_network_lead_sees_the_networks_overdue_reviews_with_their_key_workers(client, auth, db, world):
    plan = db.get(CarePlan, world.plan.id)
    plan.review_due_on = date.today() - timedelta(days=12)
    db.add(plan)
    other = person(db, world.practice, given_name="Grace", family_name="Hopper")
    team_member(db, other, world.nursing, world.nurse, key_worker=True)
    fresh = care_plan(db, other, world.nurse)
    fresh.review_due_on = date.today() + timedelta(days=30)
    db.add(fresh)
    db.commit()
    auth.sign_in("lead")
    response = client.get(f"/networks/{world.network.id}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "LOVELACE" in body and "12 days overdue" in body and world.nurse.full_name in body
    assert "HOPPER" not in body and "1 plan is overdue for review" in body


@pytest.mark.parametrize("username", ["otherlead", "nurse", "admin"])
def test_only_the_networks_own_lead_sees_its_list_and_refusals_are_audited(client, auth, db, world, username):
    auth.sign_in(username)
    assert client.get(f"/networks/{world.network.id}").status_code == 403
    refused = db.exec(select(AuditEvent).where(AuditEvent.outcome == AuditOutcome.refused, AuditEvent.username == username)).all()
    assert len(refused) == 1


def test_an_unknown_network_is_not_found(client, auth, world):
    auth.sign_in("lead")
    assert client.get("/networks/999999").status_code == 404


def test_the_worklist_runs_a_fixed_number_of_queries_however_many_actions(client, auth, db, world, count_queries):
    add(db, world, "action", description="One", owner_agency_id=world.social_care.id)
    auth.sign_in("socialworker")
    with count_queries() as few:
        client.get("/worklist")
    for n in range(15):
        add(db, world, "action", description=f"Action {n}", owner_agency_id=world.social_care.id, **due(n - 5))
    with count_queries() as many:
        client.get("/worklist")
    assert many.count == few.count


def test_a_long_worklist_comes_a_page_at_a_time_keeping_its_filters(client, auth, db, world):
    for n in range(53):
        add(db, world, "action", description=f"Visit number {n:02d}", owner_agency_id=world.social_care.id, **due(n))
    auth.sign_in("socialworker")
    first = client.get("/worklist?status=requested").get_data(as_text=True)
    assert "53 actions: page 1 of 2" in first and "Visit number 00" in first and "Visit number 50" not in first
    assert "/worklist?status=requested&amp;page=2" in first
    second = client.get("/worklist?status=requested&page=2").get_data(as_text=True)
    assert "Visit number 50" in second and "Visit number 00" not in second and "page=1" in second
    assert client.get("/worklist?page=-3").status_code == 200 and client.get("/worklist?page=999999999").status_code == 200


def test_my_work_says_what_is_waiting_for_my_agency_and_for_me(client, auth, db, world):
    add(db, world, "action", description="Asked of us", owner_agency_id=world.social_care.id, **due(-1))
    plan = db.get(CarePlan, world.plan.id)
    plan.review_due_on = date.today() - timedelta(days=1)
    db.add(plan)
    db.commit()
    auth.sign_in("socialworker")
    body = client.get("/").get_data(as_text=True)
    assert "1 action asked of your agency to accept or decline" in body and "1 overdue action for your agency" in body
    assert "past its review date" not in body
    auth.sign_out()
    auth.sign_in("nurse")
    assert "1 care plan you lead past its review date" in client.get("/").get_data(as_text=True)


def test_a_worklist_never_shows_someone_whose_record_the_agency_may_no_longer_open(client, auth, db, world):
    from models import CareTeamMember, ConsentObjection

    add(db, world, "action", description="Care Act assessment", owner_agency_id=world.social_care.id)
    auth.sign_in("socialworker")
    assert "Care Act assessment" in client.get("/worklist").get_data(as_text=True)
    objection = ConsentObjection(person_id=world.person.id, agency_id=world.social_care.id, recorded_by_id=world.nurse.id)
    db.add(objection)
    db.commit()
    body = client.get("/worklist").get_data(as_text=True)
    assert "Care Act assessment" not in body and "LOVELACE" not in body and "0 actions" in body
    db.delete(objection)
    member = db.exec(select(CareTeamMember).where(CareTeamMember.agency_id == world.social_care.id)).one()
    member.left_at = datetime.now(UTC)
    db.add(member)
    db.commit()
    assert "LOVELACE" not in client.get("/worklist").get_data(as_text=True)


def test_a_very_long_worklist_counts_to_its_limit_and_asks_to_be_narrowed(client, auth, db, world, monkeypatch):
    from app.work import workload

    monkeypatch.setattr(workload, "WORKLIST_MOST", 100)
    for n in range(105):
        add(db, world, "action", description=f"Visit number {n:03d}", owner_agency_id=world.social_care.id, **due(n))
    auth.sign_in("socialworker")
    first = client.get("/worklist").get_data(as_text=True)
    assert "More than 100 actions" in first and "page 1 of 2" in first and "Visit number 000" in first
    last = client.get("/worklist?page=7").get_data(as_text=True)  # past the limit: the last page there is
    assert "Visit number 099" in last and "Visit number 100" not in last


def test_a_key_workers_reviews_are_the_soonest_due_however_many_plans_they_lead(db, world):
    """The list reads in full only the plans it reaches (the limit-th plan's review date bounds them):
    the same plans, in the same order, as sorting every plan the key worker leads."""
    from app.work import workload

    today = date.today()
    dates = {"Ash": -9, "Birch": 3, "Cedar": 3, "Damson": -1, "Elm": 3, "Fir": 30, "Gorse": 14}
    for family, days in dates.items():
        someone = person(db, world.practice, family_name=family)
        team_member(db, someone, world.nursing, world.nurse, key_worker=True)
        plan = care_plan(db, someone, world.nurse)
        plan.review_due_on = today + timedelta(days=days)
        db.add(plan)
    db.commit()
    everything = workload.reviews_for_key_worker(db, world.nurse, today)
    assert [due.person.family_name for due in everything] == ["Ash", "Damson", "Birch", "Cedar", "Elm", "Gorse"]  # Fir: not yet
    for limit in range(1, 8):
        assert [due.plan.id for due in workload.reviews_for_key_worker(db, world.nurse, today, limit=limit)] == [
            due.plan.id for due in everything[:limit]
        ], limit
