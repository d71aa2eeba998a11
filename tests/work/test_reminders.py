"""Review reminders: made by a command that runs on a schedule, never by opening a page."""

from datetime import date, timedelta

from sqlmodel import select

from app.work import workload
from models import CarePlan, Notification
from tests.factories import World, care_plan, person, team_member


def _overdue(db, world, days: int = 5) -> CarePlan:
    plan = care_plan(db, world.person, world.nurse)
    plan.review_due_on = date.today() - timedelta(days=days)
    db.add(plan)
    db.commit()
    return plan


def _reminders(db) -> list[Notification]:
    db.expire_all()
    return list(db.exec(select(Notification).where(Notification.kind == "review_due")))


def test_opening_the_worklist_or_the_inbox_sends_no_reminder(client, auth, db):
    world = World(db)
    _overdue(db, world)
    auth.sign_in("nurse")
    assert client.get("/worklist").status_code == 200 and client.get("/inbox").status_code == 200
    assert _reminders(db) == []


def test_the_reminders_command_tells_each_key_worker_once_per_review_date(runner, client, auth, db):
    world = World(db)
    plan = _overdue(db, world)
    other = person(db, world.practice, given_name="Grace", family_name="Hopper")
    team_member(db, other, world.nursing, world.nurse, key_worker=True)
    due_later = care_plan(db, other, world.nurse)
    due_later.review_due_on = date.today() + timedelta(days=30)
    db.add(due_later)
    db.commit()

    result = runner.invoke(args=["reminders"])
    assert result.exit_code == 0 and "Sent 1 review reminder." in result.output
    reminders = _reminders(db)
    assert [(r.user_id, r.person_id, r.link_endpoint) for r in reminders] == [(world.nurse.id, world.person.id, "care_plan.show")]
    assert runner.invoke(args=["reminders"]).output.strip() == "Sent 0 review reminders."

    plan.review_due_on = date.today() - timedelta(days=1)  # a new review date is a new reminder
    db.add(plan)
    db.commit()
    assert "Sent 1 review reminder." in runner.invoke(args=["reminders"]).output

    auth.sign_in("nurse")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "was due for review" in inbox and f'href="/people/{world.person.id}/care-plan"' in inbox


def test_the_reminders_command_can_act_as_of_a_given_day(runner, db):
    world = World(db)
    _overdue(db, world, days=-3)  # due in three days
    assert "Sent 0" in runner.invoke(args=["reminders"]).output
    later = (date.today() + timedelta(days=4)).isoformat()
    assert "Sent 1 review reminder." in runner.invoke(args=["reminders", "--today", later]).output


def test_send_review_reminders_leaves_out_key_workers_with_nothing_overdue(db):
    World(db)
    assert workload.send_review_reminders(db, date.today()) == 0


def _many_overdue(db, world, count: int) -> list[CarePlan]:
    plans = []
    for number in range(count):
        someone = person(db, world.practice, given_name=f"Name{chr(97 + number)}", family_name="Overdue")
        team_member(db, someone, world.nursing, world.nurse, key_worker=True)
        plan = care_plan(db, someone, world.nurse)
        plan.review_due_on = date.today() - timedelta(days=3 + number)
        db.add(plan)
        plans.append(plan)
    db.commit()
    return plans


def test_many_overdue_plans_make_one_grouped_reminder_linking_to_the_worklists_reviews(client, auth, db):
    world = World(db)
    _many_overdue(db, world, 15)
    assert workload.send_review_reminders(db, date.today()) == 1
    db.commit()
    reminders = _reminders(db)
    assert len(reminders) == 1
    (grouped,) = reminders
    assert grouped.user_id == world.nurse.id and grouped.person_id is None
    assert grouped.message == "15 care plans you lead are due for review."
    assert (grouped.link_endpoint, grouped.link_args) == ("work.worklist", {"_anchor": "reviews"})
    auth.sign_in("nurse")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "15 care plans you lead are due for review." in inbox and 'href="/worklist#reviews"' in inbox
    assert 'id="reviews"' in client.get("/worklist").get_data(as_text=True)


def test_the_same_overdue_plans_are_not_reminded_twice_and_a_new_one_replaces_the_unread_group(db):
    world = World(db)
    _many_overdue(db, world, 4)
    assert workload.send_review_reminders(db, date.today()) == 1
    db.commit()
    assert workload.send_review_reminders(db, date.today()) == 0
    db.commit()
    plan = _overdue(db, world, days=1)  # a fifth plan now overdue
    assert plan.id is not None
    assert workload.send_review_reminders(db, date.today()) == 1
    db.commit()
    assert [r.message for r in _reminders(db)] == ["5 care plans you lead are due for review."]


def test_a_few_overdue_plans_are_still_reminded_one_by_one(db):
    world = World(db)
    _many_overdue(db, world, workload.GROUP_REMINDERS_FROM - 1)
    assert workload.send_review_reminders(db, date.today()) == workload.GROUP_REMINDERS_FROM - 1
    db.commit()
    assert all(r.person_id is not None for r in _reminders(db))
