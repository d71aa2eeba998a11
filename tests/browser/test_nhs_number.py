"""A person recorded without an NHS number, in a real browser: the nurse in their care team finds
"Not known" on the record, follows the link from the keyboard, is told what is wrong with a
mistyped number beside the field, and records the number a trace found (axe on every page)."""

from datetime import date

import pytest
from playwright.sync_api import expect

from models import Person
from tests import factories
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import World

pytestmark = pytest.mark.browser


def test_the_care_team_records_a_traced_nhs_number_from_the_keyboard(db, live_server, page):
    world = World(db)
    unknown = factories.person(
        db, world.practice, given_name="Grace", family_name="Okafor", date_of_birth=date(1938, 6, 1), nhs_known=False
    )
    factories.team_member(db, unknown, world.nursing, world.nurse, key_worker=True)
    db.commit()
    traced = factories.valid_nhs_number(4242)

    sign_in(page, live_server, "nurse")
    page.goto(f"{live_server}/people/{unknown.id}")
    expect(page.get_by_text("Not known").first).to_be_visible()
    assert_accessible(page)
    link = page.get_by_role("link", name="Record the NHS number")
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)

    # A mistyped number: the error summary and the message beside the field, nothing saved.
    field = page.get_by_label("NHS number", exact=True)
    field.fill(traced[:9])
    page.get_by_role("button", name="Record the NHS number").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    expect(page.locator(".nhsuk-error-message")).to_be_visible()
    assert_accessible(page)
    db.expire_all()
    assert db.get(Person, unknown.id).nhs_number is None

    # The number as a trace gives it, with spaces: recorded, and the link gone.
    field = page.get_by_label("NHS number", exact=True)
    field.fill(f"{traced[:3]} {traced[3:6]} {traced[6:]}")
    field.press("Enter")
    expect(page.get_by_text("NHS number recorded")).to_be_visible()
    expect(page.get_by_role("link", name="Record the NHS number")).to_have_count(0)
    assert_accessible(page)
    db.expire_all()
    assert db.get(Person, unknown.id).nhs_number == traced
