"""Trust in a real browser: break glass from the refusal to the lead's review, the consent
page, the access log as the key worker, and the administrators' audit page and unlock, each
checked with axe."""

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import World

pytestmark = pytest.mark.browser


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1, name="Sign in to OnePlan")).to_be_visible()


def test_break_glass_from_refusal_to_review(db, live_server, page):
    world = World(db)
    sign_in(page, live_server, "outsider")
    page.goto(f"{live_server}/people/{world.person.id}")
    expect(page.get_by_role("heading", level=1, name="You do not have access")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Get emergency access (break glass)").click()

    expect(page.get_by_role("heading", level=1, name="Emergency access to this record")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Open the record for 60 minutes")).click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Select why you need to see this record")
    assert_accessible(page)

    page.get_by_label("A safeguarding concern").check()
    page.get_by_label("Explain why you need to see it now").fill("A neighbour called: she has not been seen for two days.")
    page.get_by_role("button", name=re.compile("Open the record for 60 minutes")).click()

    expect(page.get_by_role("heading", level=1, name="LOVELACE, Ada")).to_be_visible()
    banner = page.get_by_role("region", name="Break-glass access")
    expect(banner).to_contain_text("You are reading this record with break-glass access")
    expect(banner).to_contain_text("A safeguarding concern")
    assert_accessible(page)
    page.get_by_role("link", name="Single assessment").click()
    expect(page.get_by_role("region", name="Break-glass access")).to_be_visible()
    _sign_out(page)

    sign_in(page, live_server, "lead")
    page.get_by_role("link", name="Break-glass reviews").click()
    expect(page.get_by_role("heading", level=1, name="Break-glass reviews")).to_be_visible()
    expect(page.locator("main")).to_contain_text("A neighbour called")
    assert_accessible(page)
    page.get_by_label("Yes, it was appropriate").check()
    page.get_by_label("Review note").fill("Checked with the neighbour: needed.")
    page.get_by_role("button", name="Mark as reviewed").click()
    expect(page.get_by_text("marked as reviewed")).to_be_visible()
    expect(page.get_by_text("There is no break-glass access waiting for review")).to_be_visible()
    page.get_by_role("link", name="Reviewed").click()
    expect(page.locator("main")).to_contain_text("Checked with the neighbour: needed.")
    assert_accessible(page)


def test_the_key_worker_records_an_objection_and_reads_the_access_log(db, live_server, page):
    world = World(db)
    sign_in(page, live_server, "nurse")
    page.goto(f"{live_server}/people/{world.person.id}")
    page.get_by_role("link", name="Sharing and consent").click()
    expect(page.get_by_role("heading", level=1, name="Sharing and consent")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Change sharing decisions").click()
    assert_accessible(page)
    page.get_by_role("button", name="Save sharing decisions").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    assert_accessible(page)
    page.get_by_label("Yes").check()
    page.get_by_label("Add an objection to an agency (optional)").select_option(label="Adult Social Care")
    page.get_by_label("Carer's name").fill("Grace Hopper")
    page.get_by_role("button", name="Save sharing decisions").click()
    expect(page.get_by_text("sharing decisions have been recorded")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Do not share this record with: Adult Social Care")

    page.goto(f"{live_server}/people/{world.person.id}")
    expect(page.locator("main")).to_contain_text("The person objects to sharing their record")
    page.get_by_role("link", name="Who has looked at this record").click()
    expect(page.get_by_role("heading", level=1, name="Who has looked at this record")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Recorded sharing decisions")
    expect(page.locator("main")).to_contain_text(world.nurse.full_name)
    assert_accessible(page)


def test_the_administrator_filters_the_audit_trail_and_unlocks_an_account(db, live_server, page):
    world = World(db)
    world.outsider.locked_at = datetime.now(UTC)
    world.outsider.failed_sign_ins = 10
    db.add(world.outsider)
    db.commit()
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin")
    page.get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", level=1, name="Audit trail")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Outcome").select_option("refused")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#results")).to_contain_text("0 events")
    page.get_by_label("Day").first.fill("31")
    page.get_by_label("Month").first.fill("2")
    page.get_by_label("Year").first.fill("2026")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("must be a real date")
    assert_accessible(page)

    page.goto(f"{live_server}/admin/users")
    row = page.get_by_role("row", name=re.compile("outsider"))
    expect(row).to_contain_text("Locked")
    assert_accessible(page)
    row.get_by_role("button", name=re.compile("Unlock")).click()
    expect(page.get_by_text("The account outsider is unlocked")).to_be_visible()
    _sign_out(page)
    sign_in(page, live_server, "outsider")
