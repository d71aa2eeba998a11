"""The care plan's history pages through every change, however many, and each old change names who made it."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from models import CarePlanRevision, PlanItemType
from tests.factories import PlanWorld

CHANGES = 305  # past the newest 300 the history once stopped at


@pytest.fixture
def world(db):
    world = PlanWorld(db)
    start = datetime.now(UTC) - timedelta(days=30)
    base = db.exec(select(CarePlanRevision.plan_version).order_by(CarePlanRevision.plan_version.desc())).first() or 0
    for n in range(1, CHANGES + 1):
        oldest = n == 1
        db.add(
            CarePlanRevision(
                care_plan_id=world.plan.id,
                plan_version=base + n,
                item_type=PlanItemType.part,
                item_key="about_me",
                values={"about": f"Told {n} times"},
                changed=["about"],
                summary=f"About me changed, time {n}",
                saved_by_id=(world.social_worker if oldest else world.nurse).id,
                saved_agency_id=(world.social_care if oldest else world.nursing).id,
                saved_at=start + timedelta(minutes=n),
            )
        )
    db.commit()
    world.oldest = db.exec(select(CarePlanRevision).where(CarePlanRevision.summary == "About me changed, time 1")).one()
    return world


def test_the_plan_history_pages_through_every_change_however_many(client, auth, db, world):
    auth.sign_in("nurse")
    history = f"/people/{world.person.id}/care-plan/history"
    total = len(db.exec(select(CarePlanRevision)).all())
    first = client.get(history).get_data(as_text=True)
    assert f"{total} changes, newest first: page 1 of {-(-total // 100)}" in first
    assert f"About me changed, time {CHANGES}<" in first and "About me changed, time 1<" not in first
    seen = set()
    for page in range(1, -(-total // 100) + 1):
        body = client.get(f"{history}?page={page}").get_data(as_text=True)
        seen |= {n for n in range(1, CHANGES + 1) if f"About me changed, time {n}<" in body}
        if page > 1:
            assert f"{history}?page={page - 1}" in body  # a link back to newer changes
    assert seen == set(range(1, CHANGES + 1))
    last = client.get(f"{history}?page=99").get_data(as_text=True)
    assert "About me changed, time 1<" in last  # past the end is the last page, not an empty one


def test_a_change_older_than_the_newest_three_hundred_opens_and_names_who_made_it(client, auth, db, world):
    auth.sign_in("nurse")
    response = client.get(f"/people/{world.person.id}/care-plan/history/{world.oldest.id}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert world.social_worker.full_name in body and world.social_care.name in body
    assert world.nurse.full_name not in body.split("<h1>", 1)[1]
