"""The foundation in a real browser: sign-in, finding a person as you type and without
JavaScript, the keyboard path to a record, the 403 page, and an accessibility check of each."""

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from models import AuditEvent, AuditOutcome
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import World, person

pytestmark = pytest.mark.browser


def test_sign_in_page_is_accessible_and_a_wrong_password_says_so(db, live_server, page):
    World(db)
    page.goto(f"{live_server}/sign-in")
    expect(page.get_by_text("Prototype", exact=True)).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Username").fill("nurse")
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # the NHS.UK error summary takes focus so screen readers announce it
    expect(page.get_by_role("heading", level=1, name="Sign in to OnePlan")).to_be_visible()
    assert_accessible(page)


def test_search_updates_as_you_type_and_the_record_opens_from_the_keyboard(db, live_server, page):
    world = World(db)
    person(db, world.practice, given_name="Grace", family_name="Hopper", postcode="WF1 3CD")
    sign_in(page, live_server, "nurse")

    page.goto(f"{live_server}/people")
    assert_accessible(page)
    box = page.get_by_label("NHS number, name, date of birth or postcode")
    box.focus()
    page.keyboard.type("lovel")  # no Enter, no click: htmx asks as the user types
    results = page.locator("#search-results")
    expect(results.get_by_role("link", name="LOVELACE, Ada")).to_be_visible()
    expect(results).not_to_contain_text("Hopper")
    expect(page).to_have_url(re.compile(r"/people\?q=lovel$"))  # the address can be shared and reloaded
    assert_accessible(page)

    # Keyboard only: Tab from the search box to the Search button, then to the result, then Enter.
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Search")).to_be_focused()
    page.keyboard.press("Tab")
    expect(results.get_by_role("link", name="LOVELACE, Ada")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="LOVELACE, Ada")).to_be_visible()
    expect(page.get_by_text("Key worker", exact=True)).to_be_visible()  # the care team's tag (the header says it too)
    assert_accessible(page)


def test_search_works_without_javascript(db, live_server, page_without_javascript):
    world = World(db)
    page = page_without_javascript
    sign_in(page, live_server, "nurse")
    page.goto(f"{live_server}/people")
    page.get_by_label("NHS number, name, date of birth or postcode").fill(world.person.nhs_number)
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#search-results").get_by_role("link", name="LOVELACE, Ada")).to_be_visible()
    page.locator("#search-results").get_by_role("link", name="LOVELACE, Ada").click()
    expect(page.get_by_role("heading", level=1, name="LOVELACE, Ada")).to_be_visible()


def test_someone_outside_the_care_team_gets_a_403_page_that_says_why_and_is_audited(db, live_server, page):
    world = World(db)
    sign_in(page, live_server, "outsider")
    response = page.goto(f"{live_server}/people/{world.person.id}")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Lovelace")  # nothing of the record leaks
    assert_accessible(page)

    db.expire_all()
    refusals = db.exec(select(AuditEvent).where(AuditEvent.outcome == AuditOutcome.refused, AuditEvent.person_id == world.person.id)).all()
    assert refusals and refusals[-1].user_id == world.outsider.id


def test_sign_out_ends_the_session(db, live_server, page):
    World(db)
    sign_in(page, live_server, "nurse")
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server}/people")
    expect(page.get_by_role("heading", level=1, name="Sign in to OnePlan")).to_be_visible()
