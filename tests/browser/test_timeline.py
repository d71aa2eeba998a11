"""The shared timeline of contacts in a real browser (issue 16): the social worker records a visit
that completes the action her agency took on; the key worker sees both, on the timeline and in the
plan. Bad input is shown by its field; it works from the keyboard and without JavaScript."""

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from app.care_plan import commands, handshake
from models import ActionStatus, CarePlanAction, ContactRecord, PlanItemType
from tests.browser.conftest import _new_page, assert_accessible, sign_in
from tests.factories import PlanWorld

pytestmark = pytest.mark.browser


def accepted_action(db, world, description="Fit a key safe by the front door."):
    added = commands.add_item(
        db,
        world.plan,
        world.person,
        commands.AddItem(PlanItemType.action, {"description": description}, owner_agency_id=world.social_care.id),
        world.nurse,
    )
    assert added.ok
    action = added.item
    moved = commands.move_action(
        db, world.plan, world.person, commands.MoveAction(action.id, handshake.Transition.accept, None, action.version), world.social_worker
    )
    assert moved.ok
    db.commit()
    return action


def test_a_visit_that_completes_an_action_is_on_the_timeline_and_in_the_plan(db, live_server, page, browser, browser_watch):
    world = PlanWorld(db)
    action = accepted_action(db, world)

    # The social worker goes from the record to its timeline and records her visit.
    sign_in(page, live_server, "socialworker")
    page.goto(f"{live_server}/people/{world.person.id}")
    page.get_by_role("navigation", name="Ada's record").get_by_role("link", name="Timeline").click()
    expect(page.get_by_role("heading", level=1, name="Timeline")).to_be_visible()
    expect(page.get_by_text("No contacts have been recorded yet.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Record a contact").click()
    expect(page.get_by_role("heading", level=1, name="Record a contact")).to_be_visible()
    assert_accessible(page)

    # Nothing typed in "What happened?": the summary says so, by the field, and nothing is kept.
    page.get_by_label("Visit").check()
    page.get_by_label("Who was it with?").fill("Ada and her daughter Karen")
    page.get_by_label("Fit a key safe by the front door.").select_option(label="Mark as done")
    page.get_by_role("button", name="Save contact").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Enter what happened")
    expect(summary).to_be_focused()
    assert_accessible(page)
    db.expire_all()
    assert db.exec(select(ContactRecord)).all() == []
    assert db.get(CarePlanAction, action.id).status is ActionStatus.accepted
    summary.get_by_role("link", name="Enter what happened").click()
    expect(page.get_by_label("What happened?")).to_be_focused()
    page.keyboard.type("Key safe fitted and code given to Karen. Ada is happy with it.")
    expect(page.get_by_label("Visit")).to_be_checked()  # what she chose is kept
    expect(page.get_by_label("Fit a key safe by the front door.")).to_have_value("complete")
    page.get_by_role("button", name="Save contact").click()

    expect(page.get_by_text("Contact recorded.")).to_be_visible()
    entry = page.locator(".app-timeline__item").first
    expect(entry).to_contain_text("Visit with Ada and her daughter Karen")
    expect(entry).to_contain_text(f"{world.social_worker.full_name}, {world.social_care.name}")
    expect(entry).to_contain_text("Fit a key safe by the front door.: marked as done")
    assert_accessible(page)

    # The key worker sees it on the timeline, filtered to the social care team, and the action done in the plan.
    context, nurse, watch = _new_page(browser)
    browser_watch.append(watch)
    try:
        sign_in(nurse, live_server, "nurse")
        nurse.goto(f"{live_server}/people/{world.person.id}/timeline")
        nurse.get_by_label("Show contacts by").select_option(label=world.social_care.name)
        nurse.get_by_role("button", name="Show").click()
        expect(nurse.locator(".app-timeline__item")).to_have_count(1)
        expect(nurse.locator(".app-timeline__item")).to_contain_text("Key safe fitted and code given to Karen.")
        assert_accessible(nurse)
        nurse.locator(".app-timeline__item").get_by_role("link", name="Fit a key safe by the front door.").click()
        item = nurse.locator(f"#action-{action.id}")
        expect(item).to_contain_text("Done")
    finally:
        context.close()
    db.expire_all()
    assert db.get(CarePlanAction, action.id).status is ActionStatus.done


def test_a_contact_is_recorded_without_javascript(db, live_server, page_without_javascript):
    world = PlanWorld(db)
    page = page_without_javascript
    sign_in(page, live_server, "nurse")
    page.goto(f"{live_server}/people/{world.person.id}/timeline/new")
    page.get_by_label("Phone call").check()
    page.get_by_label("Who was it with?").fill("Karen, Ada's daughter")
    page.get_by_label("What happened?").fill("Karen rang: Ada had a fall last night, no injury.")
    page.get_by_label("Time (optional)").fill("08:40")
    page.get_by_role("button", name="Save contact").click()
    expect(page.get_by_text("Contact recorded.")).to_be_visible()
    expect(page.locator(".app-timeline__item")).to_contain_text("Phone call with Karen, Ada's daughter")
    expect(page.locator(".app-timeline__item")).to_contain_text("at 08:40")
