"""The person at the centre, in a real browser at phone width (375 px): the key worker invites the
person, who sets up an account, reads their plan and changes what matters to them; the key worker
sees it marked as theirs, with an inbox item; a staff save of the same part meanwhile gives the
person a clear conflict that keeps their words; the person objects to an agency, which loses access
at once; a carer reads the plan until the person withdraws it. axe finds nothing on any new page."""

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from app.care_plan import commands
from models import CarePlanPart
from tests.browser.conftest import BrowserWatch, _local_only, assert_accessible, sign_in
from tests.conftest import PASSWORD
from tests.factories import PlanWorld

pytestmark = pytest.mark.browser


def _phone(browser, browser_watch):
    context = browser.new_context(locale="en-GB", viewport={"width": 375, "height": 812})
    context.route("**/*", _local_only)
    page = context.new_page()
    browser_watch.append(BrowserWatch(page))
    return context, page


def _set_up_account(page, base: str, code: str, username: str, name: str = "") -> None:
    page.goto(f"{base}/my/start")
    assert_accessible(page)
    page.get_by_label("Invitation code").fill(code)
    if name:
        page.get_by_label("Your name (carers only)").fill(name)
    page.get_by_label("Choose a username").fill(username)
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Set up my account").click()


def test_the_person_reads_their_plan_writes_their_words_objects_and_shares_with_a_carer(db, live_server, page, browser, browser_watch):
    world = PlanWorld(db)

    # The key worker invites Ada from her record; the code is shown once.
    sign_in(page, live_server, "nurse")
    page.goto(f"{live_server}/people/{world.person.id}")
    page.get_by_role("link", name=re.compile("Invite Ada")).click()
    assert_accessible(page)
    page.get_by_role("button", name="Make an invitation code").click()
    code = page.locator("[data-invitation-code]").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    assert_accessible(page)

    # Ada, on her phone, sets up her account and reads her plan.
    ada_context, ada = _phone(browser, browser_watch)
    _set_up_account(ada, live_server, code, "ada")
    expect(ada.get_by_role("heading", level=1, name="My plan")).to_be_visible()
    expect(ada.get_by_text("In an emergency, call 999.")).to_be_visible()
    assert_accessible(ada)
    assert ada.evaluate("() => document.documentElement.scrollWidth") <= 375 + 1  # nothing wider than the phone

    # She changes what matters to her.
    ada.get_by_role("link", name="Change what matters to me, or add a goal").click()
    expect(ada.get_by_role("heading", level=1, name="My words")).to_be_visible()
    assert_accessible(ada)
    ada.get_by_label("What matters to me").fill("Staying at home with my cat, and Sunday lunch with my grandson.")
    ada.get_by_role("button", name="Save my words").click()
    expect(ada.get_by_text("Your words have been saved. Your key worker has been told.")).to_be_visible()
    expect(ada.get_by_text("Sunday lunch with my grandson")).to_be_visible()

    # The key worker sees it marked as Ada's own, and was told.
    page.goto(f"{live_server}/inbox")
    expect(page.locator("#maincontent")).to_contain_text("care plan changed")
    page.goto(f"{live_server}/people/{world.person.id}/care-plan")
    about = page.locator("#part-about_me")
    expect(about).to_contain_text("In Ada's own words")
    expect(about).to_contain_text("Sunday lunch with my grandson")
    assert_accessible(page)

    # Ada opens her words again; the nurse saves the same part meanwhile; Ada's save keeps her words.
    ada.goto(f"{live_server}/my/words")
    row = db.exec(select(CarePlanPart).where(CarePlanPart.care_plan_id == world.plan.id, CarePlanPart.part_key == "about_me")).one()
    db.refresh(row)
    saved = commands.save_part(
        db, world.plan, world.person, commands.SavePart("about_me", {"what_matters": "Nurse's summary"}, row.version), world.nurse
    )
    assert saved.ok
    db.commit()
    ada.get_by_label("What matters to me").fill("My cat, my grandson, and my garden.")
    ada.get_by_role("button", name="Save my words").click()
    expect(ada.get_by_text("Someone else changed this while you were writing")).to_be_visible()
    expect(ada.get_by_label("What matters to me")).to_have_value("My cat, my grandson, and my garden.")
    expect(ada.locator("#maincontent")).to_contain_text("Nurse's summary")
    assert_accessible(ada)

    # Ada objects to the social care team: she is told what it means first; then they lose access at once.
    ada.get_by_role("navigation", name="My pages").get_by_role("link", name="My sharing choices").click()
    assert_accessible(ada)
    ada.get_by_label("Organisation").select_option(label=world.social_care.name)
    ada.get_by_role("button", name="Continue").click()
    expect(ada.get_by_text(f"If you object to {world.social_care.name}, they will no longer see your plan")).to_be_visible()
    assert_accessible(ada)
    ada.get_by_role("button", name="Yes, save this choice").click()
    expect(ada.get_by_text(f"{world.social_care.name} can no longer see your plan or your record.")).to_be_visible()
    social_context = browser.new_context(locale="en-GB")
    social_context.route("**/*", _local_only)
    social = social_context.new_page()
    social.goto(f"{live_server}/sign-in")
    social.get_by_label("Username").fill("socialworker")
    social.get_by_label("Password", exact=True).fill(PASSWORD)
    social.get_by_role("button", name="Sign in").click()
    response = social.goto(f"{live_server}/people/{world.person.id}/care-plan")
    assert response is not None and response.status == 403
    social_context.close()

    # Ada invites her carer, who reads the plan (read-only) until Ada stops sharing.
    ada.goto(f"{live_server}/my/carer")
    assert_accessible(ada)
    ada.get_by_label("Your carer's name").fill("Karen Lovelace")
    ada.get_by_role("button", name="Make an invitation code").click()
    carer_code = ada.locator("[data-invitation-code]").inner_text()
    carer_context, carer = _phone(browser, browser_watch)
    _set_up_account(carer, live_server, carer_code, "karen", "Karen Lovelace")
    expect(carer.get_by_role("heading", level=1, name="Ada's plan")).to_be_visible()
    expect(carer.get_by_text("My cat, my grandson, and my garden.").or_(carer.get_by_text("Nurse's summary")).first).to_be_visible()
    assert carer.get_by_role("link", name="Change what matters to me, or add a goal").count() == 0
    assert_accessible(carer)
    ada.goto(f"{live_server}/my/carer")
    ada.get_by_role("button", name="Stop sharing with Karen Lovelace").click()
    expect(ada.get_by_text("Karen Lovelace can no longer see your plan.")).to_be_visible()
    carer.goto(f"{live_server}/my/plan")
    expect(carer.get_by_role("heading", level=1, name="Sign in to see your care plan")).to_be_visible()

    # Who has looked at my record, in plain words.
    ada.goto(f"{live_server}/my/access-log")
    expect(ada.locator("#maincontent")).to_contain_text("Looked at")
    assert_accessible(ada)
    carer_context.close()
    ada_context.close()


def test_every_page_of_the_persons_own_and_the_leads_question_list_passes_axe_at_phone_width(db, live_server, page, browser, browser_watch):
    from app.assessment import service
    from tests.factories import person_account

    world = PlanWorld(db)
    service.open_assessment(db, world.person, world.nurse)
    db.commit()
    person_account(db, world.person, "ada")
    context, ada = _phone(browser, browser_watch)
    ada.goto(f"{live_server}/my/sign-in")
    assert_accessible(ada)
    ada.get_by_label("Username").fill("ada")
    ada.get_by_label("Password", exact=True).fill(PASSWORD)
    ada.get_by_role("button", name="Sign in").click()
    expect(ada.get_by_role("heading", level=1, name="My plan")).to_be_visible()
    for path in ("/my/words", "/my/assessment", "/my/access-log", "/my/sharing", "/my/carer", "/my/second-factor"):
        ada.goto(f"{live_server}{path}")
        assert_accessible(ada)
    # A question about an entry of who has looked reaches the lead's list, which passes axe too.
    ada.goto(f"{live_server}/my/access-log")
    ada.get_by_text("Ask about this").first.click()
    ada.get_by_label("Your question").first.fill("Who is this person?")
    ada.get_by_role("button", name="Send my question").first.click()
    expect(ada.get_by_text("Your question has been sent to the lead of your care network")).to_be_visible()
    sign_in(page, live_server, "lead")
    page.goto(f"{live_server}/access-questions")
    expect(page.locator("#maincontent")).to_contain_text("Who is this person?")
    assert_accessible(page)
    context.close()
