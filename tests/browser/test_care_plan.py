"""The shared care plan in a real browser: the key worker builds it from the assessment, a second
agency accepts its action from its worklist, the key worker sees the change marked until she marks
it seen, and the person's copy prints; two people saving the same part lose nothing; and it all works from the
keyboard and without JavaScript."""

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from app.assessment import service
from models import ActionStatus, CarePlanAction, CarePlanRevision, Profession
from tests.browser.conftest import _new_page, assert_accessible, sign_in
from tests.factories import PlanWorld, World, team_member, user

pytestmark = pytest.mark.browser


def test_the_key_worker_builds_the_plan_and_another_agency_takes_on_its_action(db, live_server, page, browser, browser_watch):
    world = World(db)
    social_worker = user(db, world.social_care, profession=Profession.social_worker, username="socialworker")
    team_member(db, world.person, world.social_care, social_worker, role="Social work")
    assessment = service.open_assessment(db, world.person, world.nurse)
    db.commit()
    service.save_section(db, assessment, service.SaveSection("prevention", {"falls_last_year": "yes", "falls_count": 2}, 0), world.nurse)
    db.commit()

    # The key worker starts the plan from the person's record and turns a suggestion into a need.
    sign_in(page, live_server, "nurse")
    page.goto(f"{live_server}/people/{world.person.id}")
    page.get_by_role("link", name="Care plan").click()
    page.get_by_role("button", name="Start the care plan").click()
    suggestions = page.locator(".app-suggestions")
    expect(suggestions).to_contain_text("Falls prevention")
    assert_accessible(page)
    suggestions.get_by_label("Falls prevention").check()
    suggestions.get_by_label("Need, in the words to use in the plan").fill("Help to stop falling")
    suggestions.get_by_role("button", name="Add the chosen needs to the plan").click()
    need = page.locator(".app-need").filter(has_text="Help to stop falling")
    expect(need).to_contain_text("From the assessment")
    expect(page.get_by_text("1 need added to the plan from the assessment.")).to_be_visible()

    # An action for that need, given to the social care team (in the care team), in place.
    need.get_by_role("link", name="Add an action for Help to stop falling").click()
    need.get_by_label("What will be done").fill("Arrange a pendant alarm and a key safe.")
    need.get_by_label("How often").fill("Once")
    need.get_by_label("Who will do it").select_option(label=f"{world.social_care.name} (Social work)")
    assert_accessible(page)
    need.get_by_role("button", name="Add action").click()
    action = page.locator(".app-plan-item").filter(has_text="Arrange a pendant alarm")
    expect(action).to_contain_text("Requested")
    expect(action).to_contain_text(f"Assigned to {world.social_care.name}")

    # The crisis plan: who to call first.
    page.get_by_role("button", name="Edit contingency and crisis plan").click()
    page.get_by_label("Who to call first").fill("District nurses, 01632 960 123 (8am to 10pm)")
    page.get_by_role("button", name="Save contingency and crisis plan").click()
    expect(page.locator("#part-contingency")).to_contain_text("District nurses, 01632 960 123")
    assert_accessible(page)

    # She marks the plan as seen, so what others change from now on is marked for her.
    page.get_by_role("button", name="Mark the plan as seen").click()
    expect(page.get_by_text("Marked as seen.")).to_be_visible()
    expect(page.get_by_role("button", name="Mark the plan as seen")).to_have_count(0)

    # The social worker accepts it from their worklist, without leaving the list.
    context, other, watch = _new_page(browser)
    browser_watch.append(watch)
    try:
        sign_in(other, live_server, "socialworker")
        other.get_by_role("link", name="Worklist").click()
        row = other.locator(".app-plan-item").filter(has_text="Arrange a pendant alarm")
        expect(row).to_contain_text("Requested")
        assert_accessible(other)
        row.get_by_role("button", name="Accept").click()
        expect(row).to_contain_text("Accepted")
        expect(row.get_by_role("button", name="Start")).to_be_visible()
        assert other.url.endswith("/worklist")
    finally:
        context.close()
    db.expire_all()
    assert db.exec(select(CarePlanAction)).one().status is ActionStatus.accepted

    # Back on the plan, the key worker sees what changed, and who changed it.
    page.reload()
    action = page.locator(".app-plan-item").filter(has_text="Arrange a pendant alarm")
    expect(action).to_contain_text("Changed since you last looked")
    expect(action).to_contain_text(f"Last changed by {social_worker.full_name}, {world.social_care.name}")
    expect(page.get_by_text("1 thing has changed since you last looked.")).to_be_visible()
    page.reload()  # reading it again leaves the marks
    expect(page.get_by_text("1 thing has changed since you last looked.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Mark these changes as seen").click()
    expect(page.get_by_text("Marked as seen.")).to_be_visible()
    expect(page.locator(".app-plan-item").filter(has_text="Arrange a pendant alarm")).not_to_contain_text("Changed since you last looked")
    page.reload()
    expect(page.get_by_text("changed since you last looked.")).to_have_count(0)

    # The person's copy: plain, who to call first at the top.
    page.get_by_role("link", name="Ada's copy, to print").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Lovelace's care plan")
    expect(page.locator(".app-print__urgent")).to_contain_text("District nurses, 01632 960 123")
    expect(page.get_by_role("button", name="Print this plan")).to_be_visible()
    expect(page.get_by_text("Arrange a pendant alarm and a key safe.")).to_be_visible()
    assert_accessible(page)
    page.emulate_media(media="print")
    expect(page.locator(".nhsuk-header")).to_be_hidden()
    expect(page.get_by_role("button", name="Print this plan")).to_be_hidden()


def test_two_people_saving_the_same_part_lose_nothing(db, live_server, page, browser, browser_watch):
    world = PlanWorld(db)
    mine, theirs = "Getting to chapel on Sundays.", "Seeing my granddaughter every week."
    sign_in(page, live_server, "nurse")
    page.goto(f"{live_server}/people/{world.person.id}/care-plan")
    context, other, watch = _new_page(browser)
    browser_watch.append(watch)
    try:
        sign_in(other, live_server, "socialworker")
        other.goto(f"{live_server}/people/{world.person.id}/care-plan")
        for each in (page, other):
            each.get_by_role("button", name="Edit about me").click()
            expect(each.get_by_label("What matters to me")).to_be_visible()
        page.get_by_label("What matters to me").fill(mine)
        page.get_by_role("button", name="Save about me").click()
        expect(page.locator("#part-about_me")).to_contain_text(mine)

        other.get_by_label("What matters to me").fill(theirs)
        other.get_by_role("button", name="Save about me").click()
        expect(other.get_by_role("heading", name="Someone else changed this part of the plan")).to_be_visible()
        comparison = other.get_by_role("table", name="Your answers and the newer saved answers")
        expect(comparison).to_contain_text(mine)
        expect(comparison).to_contain_text(theirs)
        expect(other.get_by_label("What matters to me")).to_have_value(theirs)
        assert_accessible(other)

        other.get_by_label("What matters to me").fill(f"{mine} {theirs}")
        other.get_by_role("button", name="Save about me").click()
        expect(other.locator("#part-about_me")).to_contain_text(theirs)
        expect(other.locator("#part-about_me")).to_contain_text(world.social_care.name)
    finally:
        context.close()
    db.expire_all()
    saved = [r.values.get("what_matters") for r in db.exec(select(CarePlanRevision).order_by(CarePlanRevision.plan_version))]
    assert saved == [mine, f"{mine} {theirs}"]

    page.goto(f"{live_server}/people/{world.person.id}/care-plan/history")
    expect(page.get_by_role("row").filter(has_text="About me updated")).to_have_count(2)
    assert_accessible(page)


def test_a_goal_is_added_from_the_keyboard_and_without_javascript(db, live_server, page, page_without_javascript):
    world = PlanWorld(db)
    sign_in(page, live_server, "nurse")
    page.goto(f"{live_server}/people/{world.person.id}/care-plan")
    page.get_by_role("link", name="Add a goal that is not about one need").focus()
    page.keyboard.press("Enter")
    goal = page.get_by_label("Goal", exact=True)
    expect(goal).to_be_visible()
    assert_accessible(page)
    goal.focus()
    page.keyboard.type("I want to walk to the shop on my own again.")
    page.get_by_role("button", name="Add goal").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#need-plan")).to_contain_text("I want to walk to the shop on my own again.")

    plain = page_without_javascript
    sign_in(plain, live_server, "nurse")
    plain.goto(f"{live_server}/people/{world.person.id}/care-plan")
    plain.get_by_role("link", name="Add a goal that is not about one need").click()
    expect(plain.get_by_role("heading", name="Add a goal", exact=True)).to_be_visible()  # its own page without JavaScript
    plain.get_by_role("button", name="Add goal").click()
    expect(plain.locator(".nhsuk-error-summary")).to_contain_text("Enter goal")
    plain.get_by_label("Goal", exact=True).fill("I want to sleep through the night.")
    plain.get_by_role("button", name="Add goal").click()
    expect(plain.locator("#need-plan")).to_contain_text("I want to sleep through the night.")


def test_the_care_team_history_and_network_pages_pass_the_accessibility_check(db, live_server, page):
    from datetime import date, timedelta

    from app.care_plan import commands
    from models import CarePlan, PlanItemType

    world = PlanWorld(db)
    plan = db.get(CarePlan, world.plan.id)
    plan.review_due_on = date.today() - timedelta(days=10)
    db.add(plan)
    db.commit()
    commands.add_item(
        db,
        world.plan,
        world.person,
        commands.AddItem(PlanItemType.action, {"description": "Care Act assessment"}, owner_agency_id=world.social_care.id),
        world.nurse,
    )
    db.commit()
    sign_in(page, live_server, "nurse")
    page.goto(f"{live_server}/people/{world.person.id}/team")
    expect(page.get_by_role("heading", level=1, name="Care team")).to_be_visible()
    page.get_by_label("Agency").select_option(label=f"{world.therapy.name} (Therapy services)")
    page.get_by_role("button", name="Add to the care team").click()
    expect(page.get_by_text("Agency added to the care team.")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server}/people/{world.person.id}/care-plan/history")
    assert_accessible(page)
    page.get_by_role("row").filter(has_text="Action added").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Care plan change 2")
    assert_accessible(page)
    page.goto(f"{live_server}/worklist")
    expect(page.get_by_role("heading", name="Care plans due for review")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "lead")
    page.get_by_role("link", name="My network").click()
    expect(page.get_by_role("heading", level=1, name=world.network.name)).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="LOVELACE")).to_contain_text("10 days overdue")
    assert_accessible(page)
