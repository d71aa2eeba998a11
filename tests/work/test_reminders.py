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
