"""The single assessment in a real browser: two practitioners from different agencies edit the
same section at once; the second save is refused, both texts are shown side by side, and
nothing either of them typed is lost."""

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from models import AssessmentRevision, Profession
from tests.browser.conftest import _new_page, assert_accessible, sign_in
from tests.factories import World, team_member, user

pytestmark = pytest.mark.browser

NURSE_TEXT = "Staying in my own home with my cat, and getting to chapel on Sundays."
SOCIAL_WORKER_TEXT = "Seeing my granddaughter every week; not going into a care home."


def _open_section(page, base_url, person_id):
    page.goto(f"{base_url}/people/{person_id}/assessment")
    page.get_by_role("button", name="Edit the person's perspective").click()  # htmx: the section becomes its form
    field = page.get_by_label("What matters to me")
    expect(field).to_be_visible()
    return field


def test_two_practitioners_editing_one_section_lose_nothing(db, live_server, page, browser, browser_watch):
    world = World(db)
    social_worker = user(db, world.social_care, profession=Profession.social_worker, username="socialworker")
    team_member(db, world.person, world.social_care, social_worker, role="Social work")

    # The key worker starts the assessment from the person's record.
    sign_in(page, live_server, "nurse")
    page.goto(f"{live_server}/people/{world.person.id}")
    page.get_by_role("link", name="Single assessment").click()
    page.get_by_role("button", name="Start the assessment").click()
    expect(page.get_by_role("heading", level=2, name="The person's perspective")).to_be_visible()
    assert_accessible(page)

    context, other, watch = _new_page(browser)
    browser_watch.append(watch)
    try:
        sign_in(other, live_server, "socialworker")
        nurse_field = _open_section(page, live_server, world.person.id)
        social_worker_field = _open_section(other, live_server, world.person.id)
        assert_accessible(page)

        nurse_field.fill(NURSE_TEXT)
        page.get_by_role("button", name="Save the person's perspective").click()
        section = page.locator("#section-perspective")
        expect(section).to_contain_text(NURSE_TEXT)
        expect(section).to_contain_text("Last written by")
        expect(section).to_contain_text(world.nursing.name)

        # The social worker saves over a version that is no longer current: refused, both shown.
        social_worker_field.fill(SOCIAL_WORKER_TEXT)
        other.get_by_role("button", name="Save the person's perspective").click()
        expect(other.get_by_role("heading", name="Someone else changed this section")).to_be_visible()
        comparison = other.get_by_role("table", name="Your answers and the newer saved answers")
        expect(comparison).to_contain_text(SOCIAL_WORKER_TEXT)
        expect(comparison).to_contain_text(NURSE_TEXT)
        expect(other.get_by_label("What matters to me")).to_have_value(SOCIAL_WORKER_TEXT)  # their typing is kept
        assert_accessible(other)

        db.expire_all()
        saved = db.exec(select(AssessmentRevision)).all()
        assert [r.answers.get("what_matters") for r in saved if "what_matters" in (r.answers or {})] == [NURSE_TEXT]

        # The social worker reconciles both into one answer and saves it against the newer version.
        other.get_by_label("What matters to me").fill(f"{NURSE_TEXT} {SOCIAL_WORKER_TEXT}")
        other.get_by_role("button", name="Save the person's perspective").click()
        expect(other.locator("#section-perspective")).to_contain_text(SOCIAL_WORKER_TEXT)
        expect(other.locator("#section-perspective")).to_contain_text(world.social_care.name)

        # History keeps both saves, by both people.
        other.get_by_role("link", name="See the history of changes").click()
        rows = other.get_by_role("row").filter(has_text="person's perspective")
        expect(rows).to_have_count(2)
        assert_accessible(other)
    finally:
        context.close()


def test_after_a_refused_completion_the_summary_follows_the_sections_saved_in_place(db, live_server, page):
    """Completing too soon says which sections to write first; saving one in place (htmx) takes it
    off the summary at once, with no reload and nothing logged to the console."""
    world = World(db)
    sign_in(page, live_server, "nurse")
    page.goto(f"{live_server}/people/{world.person.id}/assessment")
    page.get_by_role("button", name="Start the assessment").click()
    page.locator("#review_due-day").fill("1")
    page.locator("#review_due-month").fill("3")
    page.locator("#review_due-year").fill("2099")
    page.get_by_role("button", name="Mark as complete").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Write these sections before completing the assessment: The person's perspective, Clinical background")

    page.get_by_role("button", name="Edit the person's perspective").click()
    field = page.get_by_label("What matters to me")
    field.fill(NURSE_TEXT)
    page.get_by_role("button", name="Save the person's perspective").click()
    expect(page.locator("#section-perspective")).to_contain_text(NURSE_TEXT)
    expect(summary).to_contain_text("Write these sections before completing the assessment: Clinical background")
    expect(summary).not_to_contain_text("The person's perspective")
    assert page.locator("#review_due-year").input_value() == "2099"  # the date typed for completion is kept
    assert_accessible(page)
