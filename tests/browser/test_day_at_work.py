"""A day's work in OnePlan (issue 16), walked in a real browser on the demo district: each job that was
hard work, measured. The plan fits about three screens until opened further and says what changed, with a
link to each change; the counts of clicks for the two main jobs are printed for the record."""

import statistics

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import col, func, select

from app.care_plan import commands, handshake
from app.demo import district
from models import ActionStatus, CarePlan, CarePlanAction, CarePlanNeed, CareTeamMember, Person, User
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser

DEMO_PEOPLE = 300
FIRST_VIEW_LIMIT = 3_000  # px at 1280 px wide: about three screens


@pytest.fixture
def demo(app, runner, db):
    """The synthetic district `make run` serves, small."""
    result = runner.invoke(args=["demo-data", "--people", str(DEMO_PEOPLE), "--seed", "1"])
    assert result.exit_code == 0, result.output
    db.expire_all()
    return db


def _user(db, username: str) -> User:
    return db.exec(select(User).where(User.username == username)).one()


def _nurses_plans(db) -> list[tuple[int, int]]:
    """(person id, number of needs) for every plan of a person whose care team names the demo nurse."""
    nurse = _user(db, "nurse")
    rows = db.exec(
        select(CarePlan.person_id, func.count(col(CarePlanNeed.id)))
        .join(CareTeamMember, CareTeamMember.person_id == CarePlan.person_id)
        .join(CarePlanNeed, CarePlanNeed.care_plan_id == CarePlan.id)
        .where(CareTeamMember.user_id == nurse.id)
        .group_by(CarePlan.person_id)
        .order_by(CarePlan.person_id)
    ).all()
    return [(person_id, needs) for person_id, needs in rows]


def _height(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


def test_the_typical_demo_plan_fits_three_screens_and_links_to_what_changed(demo, live_server, page):
    db = demo
    plans = _nurses_plans(db)
    assert plans, "the demo nurse has care plans"
    typical_needs = statistics.median_low([needs for _, needs in plans])
    person_id = next(pid for pid, needs in plans if needs == typical_needs)

    # The nurse has looked at the plan; since then another agency has moved one of its actions on.
    nurse = _user(db, "nurse")
    plan = db.exec(select(CarePlan).where(CarePlan.person_id == person_id)).one()
    person = db.get(Person, person_id)
    commands.mark_seen(db, plan, commands.MarkSeen(plan.version), nurse)
    db.commit()
    theirs = db.exec(
        select(CarePlanAction)
        .where(
            CarePlanAction.care_plan_id == plan.id,
            CarePlanAction.owner_agency_id != nurse.agency_id,
            col(CarePlanAction.status).in_([ActionStatus.requested, ActionStatus.accepted]),
        )
        .order_by(col(CarePlanAction.id))
    ).first()
    assert theirs is not None, "the typical demo plan has an open action of another agency"
    other = db.exec(select(User).where(User.agency_id == theirs.owner_agency_id).order_by(col(User.id))).first()
    assert other is not None
    move = handshake.Transition.accept if theirs.status is ActionStatus.requested else handshake.Transition.start
    moved = commands.move_action(db, plan, person, commands.MoveAction(theirs.id, move, None, theirs.version), other)
    assert moved.ok, moved
    db.commit()

    # Seeing what changed: from My work, open the person, open their plan, follow the link to the change.
    sign_in(page, live_server, "nurse", district.DEMO_PASSWORD)
    clicks = 0
    page.goto(f"{live_server}/people/{person_id}")  # as from the caseload on My work (one click)
    clicks += 1
    page.get_by_role("link", name="Care plan", exact=True).first.click()
    clicks += 1
    expect(page.get_by_role("heading", level=1, name="Care plan")).to_be_visible()
    height = _height(page)
    print(f"\nThe typical demo plan ({typical_needs} needs) is {height} px tall at 1280 px wide, before opening anything.")
    assert height < FIRST_VIEW_LIMIT
    glance = page.locator("#at-a-glance")
    expect(glance).to_contain_text("1 thing has changed since you last looked.")
    expect(glance).to_contain_text(other.full_name)
    assert_accessible(page)
    glance.get_by_role("link", name=theirs.description[:40]).click()
    clicks += 1
    changed = page.locator(f"#action-{theirs.id}")
    expect(changed).to_be_in_viewport()
    expect(changed).to_contain_text("Changed since you last looked")
    print(f"Clicks to see what changed on a plan, from My work: {clicks}")
    assert clicks <= 3

    # Reading it again leaves the marks, until she says she has seen them.
    page.reload()
    expect(page.locator("#at-a-glance")).to_contain_text("1 thing has changed since you last looked.")
    page.get_by_role("button", name="Mark these changes as seen").click()
    expect(page.get_by_text("Marked as seen.")).to_be_visible()
