"""The assessment's history pages through every save, however many, and each old save names who made it."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from app.assessment import service
from models import AssessmentRevision, Profession
from tests.factories import World, team_member, user

SAVES = 205  # past the newest 200 the history once stopped at


@pytest.fixture
def world(db):
    world = World(db)
    assessment = service.open_assessment(db, world.person, world.nurse)
    db.commit()
    world.social_worker = user(db, world.social_care, profession=Profession.social_worker, username="socialworker")
    team_member(db, world.person, world.social_care, world.social_worker, role="Social work")
    start = datetime.now(UTC) - timedelta(days=30)
    for n in range(1, SAVES + 1):
        oldest = n == 1
        db.add(
            AssessmentRevision(
                assessment_id=assessment.id,
                section_key="perspective",
                section_version=n,
                answers={"what_matters": f"Save number {n}"},
                changed=["what_matters"],
                saved_by_id=(world.social_worker if oldest else world.nurse).id,
                saved_agency_id=(world.social_care if oldest else world.nursing).id,
                saved_at=start + timedelta(minutes=n),
            )
        )
    db.commit()
    world.oldest = db.exec(select(AssessmentRevision).where(AssessmentRevision.section_version == 1)).one()
    return world


def test_the_assessment_history_pages_through_every_save_however_many(client, auth, db, world):
    auth.sign_in("nurse")
    history = f"/people/{world.person.id}/assessment/history"
    total = len(db.exec(select(AssessmentRevision)).all())
    pages = -(-total // 100)
    assert f"{total} saves, newest first: page 1 of {pages}" in client.get(history).get_data(as_text=True)
    links = set()
    for page in range(1, pages + 1):
        body = client.get(f"{history}?page={page}").get_data(as_text=True)
        links |= {r.id for r in db.exec(select(AssessmentRevision)).all() if f'/history/{r.id}"' in body}
    assert links == {r.id for r in db.exec(select(AssessmentRevision)).all()}


def test_a_save_older_than_the_newest_two_hundred_opens_and_names_who_made_it(client, auth, db, world):
    auth.sign_in("nurse")
    response = client.get(f"/people/{world.person.id}/assessment/history/{world.oldest.id}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f"Saved by {world.social_worker.full_name}, {world.social_care.name}" in body


def test_a_change_to_a_scored_tool_shows_its_total_before_and_after(db):
    from app.assessment import service
    from models import AssessmentRevision
    from tests.factories import World

    world = World(db)
    assessment = service.open_assessment(db, world.person, world.nurse)
    db.commit()
    assert service.save_section(db, assessment, service.SaveSection("physical", {"cfs_level": "severe_frailty"}, 0), world.nurse).ok
    assert service.save_section(db, assessment, service.SaveSection("physical", {"cfs_level": "moderate_frailty"}, 1), world.nurse).ok
    db.commit()
    latest = db.exec(
        select(AssessmentRevision).where(AssessmentRevision.section_key == "physical").order_by(AssessmentRevision.section_version.desc())
    ).first()
    changes = {c.label: (c.before, c.after) for c in service.revision_diff(db, latest)}
    assert changes["Clinical Frailty Scale"] == ("Level 7: Living with severe frailty", "Level 6: Living with moderate frailty")
