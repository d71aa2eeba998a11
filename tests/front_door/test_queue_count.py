"""The queue's count: every referral the viewer may list under the filters, counted in scope and
less those of the people who objected to the viewer's agency (app/front_door/triage.py). Checked
here against the rows themselves, with objectors holding several referrals, an objection withdrawn,
and an objection to another agency."""

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from app.front_door import triage
from models import ConsentObjection, Referral, ReferralStatus, Urgency
from models.enums import AWAITING_DECISION
from models.referral import AWAITING_REFERRALS
from tests import factories
from tests.factories import World


@pytest.fixture
def world(db):
    return World(db)


def objection(db, world, person, agency, withdrawn=False):
    row = ConsentObjection(person_id=person.id, agency_id=agency.id, recorded_by_id=world.nurse.id)
    if withdrawn:
        row.withdrawn_at = datetime.now(UTC)
    db.add(row)
    db.commit()


@pytest.fixture
def queue_world(db, world):
    """Six people with a referral each, two of them with a second (one joined to the first); the
    first two object to the practice (the lead's agency), the third withdrew such an objection,
    the fourth objects to another agency only."""
    people = [factories.person(db, world.practice) for _ in range(6)]
    for n, person in enumerate(people):
        first = factories.open_referral(db, person, Urgency.urgent if n % 2 else Urgency.routine)
        if n in (0, 3):
            second = factories.open_referral(db, person, Urgency.urgent)
            second.status = ReferralStatus.triaged
            db.add(second)
            db.commit()
        if n == 1:
            factories.open_referral(db, person, Urgency.urgent, linked_to_id=first.id)
    objection(db, world, people[0], world.practice)
    objection(db, world, people[1], world.practice)
    objection(db, world, people[2], world.practice, withdrawn=True)
    objection(db, world, people[3], world.spa)
    return people


@pytest.mark.parametrize("status", ["awaiting", "open", "all", "received", "triaged"])
@pytest.mark.parametrize("urgency", [None, Urgency.urgent])
@pytest.mark.parametrize("viewer", ["lead", "coordinator"])
def test_the_count_is_the_number_of_referrals_listed_whatever_the_filters(db, world, queue_world, status, urgency, viewer):
    user = getattr(world, viewer)
    filters = triage.QueueFilters(status=status, urgency=urgency)
    rows, total = triage.queue(db, user, filters, datetime.now(UTC), limit=1000)
    assert total == len(rows)
    objectors = {queue_world[0].id, queue_world[1].id} if viewer == "lead" else {queue_world[3].id}
    listed = {row.referral_id for row in rows}
    everything = db.exec(select(Referral).where(Referral.linked_to_id == None)).all()  # noqa: E711
    expected = {
        referral.id
        for referral in everything
        if referral.person_id not in objectors
        and (urgency is None or referral.urgency == urgency)
        and (
            status == "all"
            or (status == "awaiting" and referral.status in AWAITING_DECISION)
            or (status == "open" and referral.status is not ReferralStatus.closed)
            or referral.status == status
        )
    }
    assert listed == expected and expected


def test_the_count_is_of_every_match_not_of_the_page(db, world, queue_world):
    rows, total = triage.queue(db, world.coordinator, triage.QueueFilters(status="all"), datetime.now(UTC), limit=2)
    assert len(rows) == 2 and total == 6  # nine referrals, one joined; two are of the one person who objected to the SPA


def test_the_partial_indexs_condition_is_the_queues_awaiting_statuses():
    assert (
        f"status IN ({', '.join(repr(s.value) for s in sorted(AWAITING_DECISION, key=list(ReferralStatus).index))}) AND linked_to_id IS NULL"
    ) == AWAITING_REFERRALS


def test_on_sqlite_the_page_of_awaiting_referrals_is_read_in_due_by_order_from_the_partial_index(db, world):
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("INDEXED BY is SQLite's; PostgreSQL's planner finds the partial index itself")
    _, page = triage._make_queue_statements(world.coordinator, triage.QueueFilters(), 100)
    sql = str(page.compile(db.get_bind(), compile_kwargs={"literal_binds": True}))
    plan = [row[3] for row in db.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
    assert any("ix_referral_awaiting" in step for step in plan), plan
    # One sort only: the hundred rows, in the outer query; none of every referral awaiting.
    assert sum("TEMP B-TREE" in step for step in plan) == 1, plan
