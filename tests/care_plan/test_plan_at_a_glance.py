"""The plan at a glance (issue 16): open and overdue actions by agency, what changed since the user last
looked with the anchor of each change, done and cancelled items folded away, and the page's summary."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from app.care_plan import handshake
from models import PlanItemType
from tests.care_plan.test_plan_commands import add, look, mark_seen, move
from tests.factories import PlanWorld

HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(db):
    return PlanWorld(db)


def test_open_and_overdue_actions_are_counted_by_agency_most_overdue_first(db, world):
    late = (date.today() - timedelta(days=3)).isoformat()
    add(db, world, PlanItemType.action, description="Wash and dress", owner_agency_id=world.nursing.id)
    add(db, world, PlanItemType.action, description="Care Act assessment", owner_agency_id=world.social_care.id, due_on=late)
    done = add(db, world, PlanItemType.action, description="Bath board", owner_agency_id=world.nursing.id)
    move(db, world, done, handshake.Transition.accept, world.nurse, done.version)
    db.refresh(done)
    move(db, world, done, handshake.Transition.complete, world.nurse, done.version)

    rows = look(db, world, world.nurse).actions_by_agency
    assert [(r.agency.name, r.open, r.overdue) for r in rows] == [(world.social_care.name, 1, 1), (world.nursing.name, 1, 0)]


def test_each_change_since_the_user_last_looked_is_listed_with_its_anchor(db, world):
    action = add(db, world, PlanItemType.action, description="Care Act assessment", owner_agency_id=world.social_care.id)
    mark_seen(db, world, world.nurse)
    move(db, world, action, handshake.Transition.accept, world.social_worker, action.version)

    changes = look(db, world, world.nurse).changes
    assert [(c.kind, c.title, c.anchor) for c in changes] == [("Action", "Care Act assessment", f"action-{action.id}")]
    assert changes[0].stamp.writer.id == world.social_worker.id
    assert look(db, world, world.social_worker).changes == []  # your own changes are not news to you


def test_the_page_links_to_each_change_and_folds_done_actions_away(client, auth, db, world):
    need = add(db, world, PlanItemType.need, need="Help to stop falling", status="active")
    done = add(db, world, PlanItemType.action, description="Bath board", owner_agency_id=world.nursing.id, need_id=need.id)
    move(db, world, done, handshake.Transition.accept, world.nurse, done.version)
    db.refresh(done)
    move(db, world, done, handshake.Transition.complete, world.nurse, done.version)
    action = add(db, world, PlanItemType.action, description="Pendant alarm", owner_agency_id=world.social_care.id, need_id=need.id)
    mark_seen(db, world, world.nurse)
    move(db, world, action, handshake.Transition.accept, world.social_worker, action.version)

    auth.sign_in("nurse")
    page = client.get(f"/people/{world.person.id}/care-plan").get_data(as_text=True)
    glance = page[page.index('id="at-a-glance"') : page.index('id="needs"')]
    assert "1 thing has changed since you last looked." in glance
    assert f'href="#action-{action.id}">Pendant alarm</a>' in glance
    assert "1 done or cancelled" in page
    folded = page[page.index("1 done or cancelled") :]
    assert f'id="action-{done.id}"' in folded
    assert f'id="action-{done.id}"' not in page[: page.index("1 done or cancelled")]


def test_a_need_taken_from_the_assessment_is_marked_when_its_finding_changes(client, auth, db, world):
    from app.assessment import service
    from app.care_plan import commands
    from models import SuggestedNeed

    assessment = service.open_assessment(db, world.person, world.nurse)
    db.commit()
    assert service.save_section(
        db, assessment, service.SaveSection("prevention", {"falls_last_year": "yes", "falls_count": 2}, 0), world.nurse
    ).ok
    db.commit()
    suggestion = db.exec(select(SuggestedNeed).where(SuggestedNeed.rule_key == "falls_prevention")).one()
    adopted = commands.adopt_needs(
        db, world.plan, world.person, commands.AdoptNeeds(((suggestion.id, "Help to stop falling"),)), world.nurse
    )
    assert adopted.ok
    db.commit()
    assert look(db, world, world.nurse).stale_findings == set()

    assert service.save_section(
        db, assessment, service.SaveSection("prevention", {"falls_last_year": "no", "falls_count": 0}, 1), world.nurse
    ).ok
    db.commit()
    assert look(db, world, world.nurse).stale_findings == {suggestion.id}
    auth.sign_in("nurse")
    page = client.get(f"/people/{world.person.id}/care-plan").get_data(as_text=True)
    assert "The finding has changed since this need was added" in page
