"""My work for a busy agency: what it counts and lists is what reading every row and applying the
rules by hand gives (what is asked of the agency, what is overdue, the plans the user leads past their
review date, the people newly allocated to them), in a fixed number of statements however busy (the
session, the agency's name, caseload count and counts, the caseload, the allocations, and the
audit); a busier agency than the worklist pages through is told "more than" that."""

import random
import re
from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from app.front_door import clocks
from models import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    CarePlan,
    CarePlanAction,
    CareTeamMember,
    ConsentObjection,
    Person,
    Referral,
    ReferralStatus,
    Urgency,
)
from tests import factories
from tests.factories import PlanWorld, care_plan, team_member

FAMILIES = ["Abbott", "Baker", "Clarke", "Dawson", "Ellis", "Fraser", "Gill", "Hughes", "Irwin", "Jones", "Khan", "Lowe"]


def busy(db, world, rng: random.Random, size: int) -> None:
    """People in the social care team's care (some it left, some who objected to it), their plans
    led by the social worker, actions of every status and due date, and referrals allocated to the
    social worker over the last month."""
    today, now = date.today(), datetime.now(UTC)
    for n in range(size):
        someone = factories.person(db, world.practice, given_name=f"Pat{n}", family_name=FAMILIES[n % len(FAMILIES)])
        member = team_member(db, someone, world.social_care, world.social_worker, key_worker=n % 3 == 0, role="Social work")
        if n % 7 == 3:
            member.left_at = now - timedelta(days=1)
        if n % 11 == 5:
            db.add(ConsentObjection(person_id=someone.id, agency_id=world.social_care.id, recorded_by_id=world.nurse.id))
        plan = care_plan(db, someone, world.nurse)
        plan.review_due_on = today + timedelta(days=rng.randint(-30, 30))
        db.add_all([member, plan])
        for k in range(rng.randint(0, 6)):
            db.add(
                CarePlanAction(
                    care_plan_id=plan.id,
                    person_id=someone.id,
                    description=f"Action {n}-{k}",
                    owner_agency_id=world.social_care.id if k % 4 else world.nursing.id,
                    owner_user_id=world.social_worker.id if k % 2 else None,
                    status=rng.choice(list(ActionStatus)),
                    due_on=today + timedelta(days=rng.randint(-20, 20)) if k % 3 else None,
                )
            )
        for k in range(rng.randint(0, 2)):
            received = now - timedelta(days=rng.randint(0, 30), minutes=rng.randint(0, 600))
            urgency = rng.choice(list(Urgency))
            db.add(
                Referral(
                    person_id=someone.id,
                    source="gp",
                    referrer_name="Dr Rao",
                    reason=f"Referral {n}-{k}",
                    requested_urgency=urgency,
                    urgency=urgency,
                    status=rng.choice([ReferralStatus.received, ReferralStatus.triaged, ReferralStatus.accepted]),
                    received_at=received,
                    due_by=clocks.due_by(received, urgency),
                    network_id=world.network.id,
                    key_worker_id=world.social_worker.id if k == 0 else world.nurse.id,
                )
            )
        db.commit()


def by_hand(db, world) -> dict:
    """My work's figures and allocations for the social worker, from every row, rule by rule."""
    today, now, agency = date.today(), datetime.now(UTC), world.social_care.id
    objected = {o.person_id for o in db.exec(select(ConsentObjection)).all() if o.agency_id == agency and o.withdrawn_at is None}
    members = db.exec(select(CareTeamMember)).all()
    in_team = {m.person_id for m in members if m.agency_id == agency and m.left_at is None}
    open_to = in_team - objected
    actions = [a for a in db.exec(select(CarePlanAction)).all() if a.owner_agency_id == agency and a.person_id in open_to]
    led = {m.person_id for m in members if m.user_id == world.social_worker.id and m.is_key_worker and m.left_at is None}
    plans = [p for p in db.exec(select(CarePlan)).all() if p.person_id in led - objected and p.review_due_on and p.review_due_on < today]
    people = {p.id: p for p in db.exec(select(Person)).all()}
    order = {Urgency.urgent: 0, Urgency.two_day: 1}
    allocated = sorted(
        (
            r
            for r in db.exec(select(Referral)).all()
            if r.key_worker_id == world.social_worker.id
            and r.status in (ReferralStatus.triaged, ReferralStatus.accepted)
            and r.received_at.replace(tzinfo=UTC) >= now - timedelta(days=14)
            and r.person_id not in objected
        ),
        key=lambda r: (order.get(r.urgency, 2), r.due_by.replace(tzinfo=UTC), r.id),
    )[:20]
    return {
        "requested": sum(a.status is ActionStatus.requested for a in actions),
        "overdue": sum(a.status in OPEN_ACTION_STATUSES and a.due_on is not None and a.due_on < today for a in actions),
        "reviews": len(plans),
        "caseload": len(in_team),
        "allocated": [f"{people[r.person_id].family_name.upper()}, {people[r.person_id].given_name}" for r in allocated],
    }


def shown(page: str) -> dict:
    def number(pattern: str) -> int:
        found = re.search(pattern, page)
        return int(found.group(1)) if found else 0

    allocations = page[page.index("New allocations") : page.index("</table>")] if "New allocations" in page else ""
    return {
        "requested": number(r"(\d+) actions? asked of your agency"),
        "overdue": number(r"(\d+) overdue actions? for your agency"),
        "reviews": number(r"(\d+) care plans? you lead past"),
        "caseload": number(r"Your agency has <strong>(\d+)</strong>"),
        "allocated": re.findall(r'<a href="/people/\d+">([^<]+)</a>', allocations),
    }


def test_my_work_for_a_busy_agency_is_what_reading_every_row_gives(client, auth, db):
    world = PlanWorld(db)
    busy(db, world, random.Random(17), 60)
    expected = by_hand(db, world)
    assert expected["requested"] and expected["overdue"] and expected["reviews"] and expected["allocated"]
    auth.sign_in("socialworker")
    page = client.get("/").get_data(as_text=True)
    assert shown(page) == expected
    assert "Adult Social Care" in page


def test_my_work_runs_a_fixed_number_of_statements_however_busy_the_agency(client, auth, db, count_queries):
    world = PlanWorld(db)
    auth.sign_in("socialworker")
    client.get("/")
    with count_queries() as quiet:
        client.get("/")
    busy(db, world, random.Random(3), 25)
    with count_queries() as busier:
        page = client.get("/").get_data(as_text=True)
    assert "New allocations" in page and busier.count == quiet.count


def test_my_work_counts_what_waits_up_to_its_most_and_says_more_than_that(client, auth, db, monkeypatch):
    from app.work import workload

    world = PlanWorld(db)
    busy(db, world, random.Random(5), 40)
    expected = by_hand(db, world)
    most = min(expected["overdue"], expected["requested"]) - 1
    assert most >= 1
    monkeypatch.setattr(workload, "MY_WORK_MOST", most)
    auth.sign_in("socialworker")
    page = client.get("/").get_data(as_text=True)
    assert f"More than {most} overdue actions for your agency" in page
    assert f"More than {most} actions asked of your agency" in page
    monkeypatch.setattr(workload, "MY_WORK_MOST", max(expected["overdue"], expected["requested"]))
    assert shown(client.get("/").get_data(as_text=True)) == expected  # at the most exactly, the count itself
