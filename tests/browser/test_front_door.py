"""The single point of access in a real browser: a referral taken by phone, the person found
as the coordinator types, triaged as urgent and allocated, and the key worker told."""

from datetime import UTC

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from models import CareTeamMember, Person, Referral, ReferralStatus
from tests.browser.conftest import _new_page, assert_accessible, sign_in
from tests.factories import World, person, user

pytestmark = pytest.mark.browser


def test_a_referral_goes_from_the_front_door_to_a_key_worker(db, live_server, page, browser, browser_watch):
    world = World(db)
    grace = person(db, world.practice, given_name="Grace", family_name="Hopper", postcode="WF1 3CD")
    user(db, world.social_care, network=world.other_network, username="far")  # a key worker in the other network
    records_before = len(db.exec(select(Person)).all())

    sign_in(page, live_server, "coordinator")
    page.goto(f"{live_server}/referrals/new")
    assert_accessible(page)

    # Typing the NHS number brings the existing record up, as the strongest match, without a click.
    page.get_by_label("NHS number", exact=True).press_sequentially(grace.nhs_number, delay=20)
    candidates = page.locator("#candidates")
    expect(candidates.get_by_label("HOPPER, Grace")).to_be_visible()
    candidates.get_by_label("HOPPER, Grace").check()

    # Saving with the referral details missing keeps everything typed and says what is missing.
    page.get_by_role("button", name="Save referral").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    expect(page.get_by_label("NHS number", exact=True)).to_have_value(grace.nhs_number)
    assert_accessible(page)
    assert db.exec(select(Referral)).first() is None

    page.get_by_label("Where the referral came from").select_option(label="GP")
    page.get_by_label("Referrer's name").fill("Dr Ruth Okoye")
    page.get_by_label("Reason for referral").fill("Two falls this week; lives alone; struggling to get up the stairs.")
    page.get_by_label("Urgent community response").check()
    page.get_by_role("button", name="Save referral").click()
    expect(page.get_by_text("Referral received. It is in the queue.")).to_be_visible()
    assert len(db.exec(select(Person)).all()) == records_before  # no second record for Grace

    # The queue shows it with its clock in words, not colour alone.
    page.goto(f"{live_server}/referrals")
    row = page.get_by_role("row").filter(has_text="HOPPER")
    expect(row).to_contain_text("Urgent community response")
    expect(row).to_contain_text("left")
    assert_accessible(page)
    row.get_by_role("link").first.click()

    # Triage: accept, keep the network from Grace's GP practice, choose the key worker.
    page.get_by_label("Accept: allocate a network and key worker").check()
    # Choosing another network narrows the key workers to it; choosing the person's own brings the nurse back.
    key_workers = page.locator("#key_worker_id optgroup")
    page.get_by_label("Network", exact=True).select_option(value=str(world.other_network.id))
    expect(key_workers).to_have_count(1)
    expect(key_workers.first).to_have_attribute("label", world.other_network.name)
    page.get_by_label("Network", exact=True).select_option(value=str(world.network.id))
    expect(key_workers.first).to_have_attribute("label", world.network.name)
    expect(key_workers).to_have_count(1)
    page.get_by_label("Key worker", exact=True).select_option(value=str(world.nurse.id))
    assert_accessible(page)
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_text("Triage decision saved.")).to_be_visible()

    db.expire_all()
    referral = db.exec(select(Referral)).one()
    assert referral.status is ReferralStatus.accepted and referral.key_worker_id == world.nurse.id
    key_worker = db.exec(select(CareTeamMember).where(CareTeamMember.person_id == grace.id, CareTeamMember.is_key_worker)).one()
    assert key_worker.user_id == world.nurse.id

    # The key worker, in a browser of their own, finds it in the inbox and opens Grace's record.
    context, nurse_page, watch = _new_page(browser)
    browser_watch.append(watch)
    try:
        sign_in(nurse_page, live_server, "nurse")
        nurse_page.goto(f"{live_server}/inbox")
        message = nurse_page.get_by_role("link", name="You are now key worker for Grace Hopper")
        expect(message).to_be_visible()
        assert_accessible(nurse_page)
        message.click()
        expect(nurse_page.get_by_role("heading", level=1, name="HOPPER, Grace")).to_be_visible()
    finally:
        context.close()


def test_two_coordinators_triaging_at_once_the_second_is_told_and_nothing_is_overwritten(db, live_server, page, browser, browser_watch):
    world = World(db)
    from models import Profession, Role
    from tests.factories import user

    user(db, world.spa, Role.spa_coordinator, Profession.care_coordinator, username="coordinator2")
    sign_in(page, live_server, "coordinator")
    page.goto(f"{live_server}/referrals/new")
    page.get_by_label("NHS number", exact=True).press_sequentially(world.person.nhs_number, delay=20)
    page.locator("#candidates").get_by_label("LOVELACE, Ada").check()
    page.get_by_label("Where the referral came from").select_option(label="Social care")
    page.get_by_label("Referrer's name").fill("Pat Moss")
    page.get_by_label("Reason for referral").fill("Carer in hospital; needs support at home.")
    page.get_by_label("Within 2 days").check()
    page.get_by_role("button", name="Save referral").click()
    expect(page.get_by_text("Referral received. It is in the queue.")).to_be_visible()
    referral_url = page.url

    context, other, watch = _new_page(browser)
    browser_watch.append(watch)
    try:
        sign_in(other, live_server, "coordinator2")
        other.goto(referral_url)
        # Both have the form open; the first signposts, the second then tries to decline.
        page.get_by_label("Signpost to another service").check()
        page.get_by_label("Signposted to").fill("Carers Wakefield")
        page.get_by_role("button", name="Save decision").click()
        expect(page.get_by_text("Triage decision saved.")).to_be_visible()

        other.get_by_label("Decline", exact=True).check()
        other.get_by_label("Reason for declining").fill("Already known to social care.")
        other.get_by_role("button", name="Save decision").click()
        expect(other.get_by_role("heading", name="This referral was already triaged")).to_be_visible()
        expect(other.locator("main")).to_contain_text("Already known to social care.")  # their words are kept on the page
        assert_accessible(other)
    finally:
        context.close()

    db.expire_all()
    referral = db.exec(select(Referral)).one()
    assert referral.status is ReferralStatus.signposted and referral.signposted_to == "Carers Wakefield"
    assert referral.decline_reason is None


def test_the_front_door_figures_page_is_accessible(db, live_server, page):
    from datetime import datetime, timedelta

    from tests.front_door.test_figures import add

    world = World(db)
    now = datetime.now(UTC)
    for hours, minutes in ((30, 20), (50, 200), (70, None)):
        add(db, world, received=now - timedelta(hours=hours), triaged_after=timedelta(minutes=minutes) if minutes is not None else None)
    sign_in(page, live_server, "coordinator")
    page.goto(f"{live_server}/referrals/metrics")
    expect(page.get_by_role("img", name="Share responded to within each standard")).to_be_visible()
    expect(page.get_by_role("img", name="Referrals received each day, stacked by source")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Period").select_option(label="Last 7 days")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{live_server}/referrals/metrics?days=7")
    assert_accessible(page)
