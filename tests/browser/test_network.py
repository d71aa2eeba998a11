"""The network at work in a real browser: a key worker puts a person on the network meeting's agenda
and the lead runs the meeting, recording a decision and an action that lands in the person's plan as
requested of its agency; a ward's referral for supported discharge comes through the front door onto
the network's discharge board, a delay reason is recorded, the person goes home and the figures
change. Every page passes axe."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from app.network import mdt
from models import ActionStatus, CarePlanAction, DischargeWait, MdtAgendaItem
from tests.browser.conftest import _new_page, assert_accessible, sign_in
from tests.factories import PlanWorld

pytestmark = pytest.mark.browser


def test_a_key_worker_adds_a_person_to_the_agenda_and_the_lead_runs_the_meeting(db, live_server, page, browser, browser_watch):
    world = PlanWorld(db)
    today = date.today()
    meeting = mdt.schedule(db, world.network, mdt.ScheduleMeeting(today + timedelta(days=2), "Northgate Surgery"), world.lead, today).item
    db.commit()

    # The key worker, from the person's record.
    sign_in(page, live_server, "nurse")
    page.goto(f"{live_server}/people/{world.person.id}")
    page.get_by_role("link", name="Put Ada on the network meeting's agenda").click()
    assert_accessible(page)
    page.get_by_role("button", name="Put on the agenda").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the question to discuss")
    assert_accessible(page)
    page.get_by_label("Question for the meeting").fill("Falls twice this month: is it safe for her to stay at home?")
    page.get_by_role("button", name="Put on the agenda").click()
    expect(page.get_by_text("Ada is on the agenda of the network's next meeting.")).to_be_visible()
    assert db.exec(select(MdtAgendaItem)).one().added_by_id == world.nurse.id

    # The lead, in a browser of their own, runs the meeting.
    context, lead, watch = _new_page(browser)
    browser_watch.append(watch)
    try:
        sign_in(lead, live_server, "lead")
        lead.goto(f"{live_server}/networks/{world.network.id}")
        lead.get_by_role("link", name="Multidisciplinary meetings").click()
        assert_accessible(lead)
        lead.get_by_role("link", name=meeting.held_on.strftime("%-d %B %Y")).click()
        card = lead.locator(".nhsuk-card").filter(has_text="LOVELACE")
        expect(card).to_contain_text("Falls twice this month")
        expect(card).to_contain_text("0 open, 0 overdue")
        assert_accessible(lead)
        lead.get_by_label("Agency").select_option(label=world.social_care.name)
        lead.get_by_label("Name").fill("Sam Hill")
        lead.get_by_role("button", name="Add to who came").click()
        expect(lead.locator("#attendees + table")).to_contain_text("Sam Hill")

        card.get_by_role("link", name="Record the outcome").click()
        assert_accessible(lead)
        lead.get_by_label("Decision").fill("Stay at home; social care to assess for a stairlift and a pendant alarm.")
        lead.get_by_label("Yes, add it to the care plan").check()
        lead.get_by_label("What will be done").fill("Assess for a stairlift and a pendant alarm")
        lead.get_by_label("Agency asked to do it").select_option(label=world.social_care.name)
        lead.get_by_role("button", name="Save the outcome").click()
        card = lead.locator(".nhsuk-card").filter(has_text="LOVELACE")
        expect(card).to_contain_text("Stay at home; social care to assess")
        expect(card).to_contain_text("1 new action asked for in the plan")
        assert_accessible(lead)

        lead.goto(f"{live_server}/networks/{world.network.id}/meetings/{meeting.id}/print")
        expect(lead.locator(".app-agenda-page")).to_have_count(1)
        assert_accessible(lead)
    finally:
        context.close()

    # The action is in the person's plan, requested of social care; the record shows the outcome.
    action = db.exec(select(CarePlanAction)).one()
    assert (action.status, action.owner_agency_id) == (ActionStatus.requested, world.social_care.id)
    page.goto(f"{live_server}/people/{world.person.id}/care-plan")
    item = page.locator(".app-plan-item").filter(has_text="Assess for a stairlift")
    expect(item).to_contain_text("Requested")
    expect(item).to_contain_text(f"Assigned to {world.social_care.name}")
    page.goto(f"{live_server}/people/{world.person.id}")
    expect(page.locator("#mdt-discussed")).to_be_visible()
    expect(page.get_by_text("Stay at home; social care to assess")).to_be_visible()
    assert_accessible(page)


def test_a_ward_referral_reaches_the_discharge_board_and_the_person_goes_home(db, live_server, page, browser, browser_watch):
    world = PlanWorld(db)
    today = date.today()
    ready = today - timedelta(days=5)

    # The ward's referral for supported discharge, through the front door.
    sign_in(page, live_server, "coordinator")
    page.goto(f"{live_server}/referrals/new")
    page.get_by_label("NHS number", exact=True).press_sequentially(world.person.nhs_number, delay=10)
    page.locator("#candidates").get_by_label("LOVELACE, Ada").check()
    page.get_by_label("Where the referral came from").select_option(label="Hospital discharge team")
    page.get_by_label("Referrer's name").fill("Ward 7 discharge coordinator")
    page.get_by_label("Reason for referral").fill("Ready to go home with support after a fall.")
    page.get_by_label("Urgent community response").check()
    page.get_by_label("Ward").fill("Ward 7")
    expected = page.get_by_role("group", name="Expected discharge date")
    expected.get_by_label("Day").fill(str(today.day))
    expected.get_by_label("Month").fill(str(today.month))
    expected.get_by_label("Year").fill(str(today.year))
    optimised = page.get_by_role("group", name="Date medically optimised for discharge")
    optimised.get_by_label("Day").fill(str(ready.day))
    optimised.get_by_label("Month").fill(str(ready.month))
    optimised.get_by_label("Year").fill(str(ready.year))
    page.get_by_role("button", name="Save referral").click()
    expect(page.get_by_text("Referral received. It is in the queue.")).to_be_visible()

    # The network lead's board: waiting, five days since ready.
    context, lead, watch = _new_page(browser)
    browser_watch.append(watch)
    try:
        sign_in(lead, live_server, "lead")
        lead.goto(f"{live_server}/networks/{world.network.id}")
        lead.get_by_role("link", name="Discharge board", exact=True).click()
        row = lead.get_by_role("row").filter(has_text="LOVELACE")
        expect(row).to_contain_text("Ward 7")
        expect(row).to_contain_text("5")
        expect(row).to_contain_text("Not recorded")
        assert_accessible(lead)

        lead.goto(f"{live_server}/discharges/figures")
        networks = lead.get_by_role("table", name="Delayed days by network and reason")
        expect(networks).to_contain_text("Not recorded")
        expect(lead.get_by_text("1 waiting, 0 home")).to_be_visible()
        assert_accessible(lead)

        lead.goto(f"{live_server}/networks/{world.network.id}/discharges")
        row.get_by_role("link", name="LOVELACE, Ada").click()
        lead.get_by_label("What is holding them in hospital").select_option(label="Package of care")
        lead.get_by_label("More about the delay (optional)").fill("Waiting for a morning and evening call.")
        assert_accessible(lead)
        lead.get_by_role("button", name="Save").click()
        row = lead.get_by_role("row").filter(has_text="LOVELACE")
        expect(row).to_contain_text("Package of care")
        assert_accessible(lead)

        # Home yesterday: off the waiting list, onto "home", and the figures change.
        row.get_by_role("link", name="LOVELACE, Ada").click()
        home = today - timedelta(days=1)
        group = lead.get_by_role("group", name="Date they got home")
        group.get_by_label("Day").fill(str(home.day))
        group.get_by_label("Month").fill(str(home.month))
        group.get_by_label("Year").fill(str(home.year))
        lead.get_by_role("button", name="Save").click()
        expect(lead.get_by_role("table", name="Home in the last four weeks")).to_contain_text("LOVELACE")
        expect(lead.get_by_text("No one is waiting.")).to_be_visible()

        lead.goto(f"{live_server}/discharges/figures")
        expect(lead.get_by_text("0 waiting, 1 home")).to_be_visible()
        expect(lead.get_by_role("table", name="Delayed days by network and reason")).to_contain_text("Package of care")
        assert_accessible(lead)
    finally:
        context.close()
    assert db.exec(select(DischargeWait)).one().home_on == today - timedelta(days=1)


def test_a_hub_joins_the_care_team_from_a_referral(db, live_server, page, browser, browser_watch):
    from models import AgencyKind, HubNetwork, Profession
    from tests import factories

    world = PlanWorld(db)
    hub = factories.agency(db, AgencyKind.community_matron, name="Wakefield Frailty Hub")
    factories.user(db, hub, profession=Profession.community_matron, username="hubnurse")
    for network in (world.network, world.other_network):
        db.add(HubNetwork(hub_agency_id=hub.id, network_id=network.id))
    db.commit()

    # The key worker refers Ada to the frailty hub from her record.
    sign_in(page, live_server, "nurse")
    page.goto(f"{live_server}/people/{world.person.id}")
    page.get_by_role("link", name="Refer Ada to a specialist hub").click()
    assert_accessible(page)
    page.get_by_label("Hub").select_option(label="Wakefield Frailty Hub")
    page.get_by_label("Reason for the referral").fill("Frailty level rising; a comprehensive geriatric assessment at home, please.")
    page.get_by_role("button", name="Send the referral").click()
    expect(page.get_by_text("Referral sent.")).to_be_visible()
    expect(page.get_by_role("table", name="Hub referrals, latest first")).to_contain_text("Requested")

    # The hub, in a browser of its own, sees it in its caseload and accepts.
    context, hub_page, watch = _new_page(browser)
    browser_watch.append(watch)
    try:
        sign_in(hub_page, live_server, "hubnurse")
        hub_page.goto(f"{live_server}/hub")
        expect(hub_page.get_by_role("table", name="Caseload by network")).to_contain_text("Wakefield North")
        assert_accessible(hub_page)
        hub_page.get_by_role("button", name="Accept and join the care team of Ada Lovelace").click()
        involved = hub_page.get_by_role("table", name="People the hub is involved with")
        expect(involved).to_contain_text("LOVELACE")
        assert_accessible(hub_page)
        involved.get_by_role("link", name="LOVELACE, Ada").click()
        expect(hub_page.get_by_role("heading", level=1)).to_be_visible()
        assert hub_page.url.endswith(f"/people/{world.person.id}/care-plan")
    finally:
        context.close()

    # The key worker sees the hub in the care team, and can give it actions.
    page.goto(f"{live_server}/people/{world.person.id}/team")
    expect(page.get_by_role("table", name="Care team")).to_contain_text("Wakefield Frailty Hub")


def test_an_out_of_hours_clinician_opens_a_crisis_summary_and_it_is_in_the_access_log(db, live_server, page, browser, browser_watch):
    from app.care_plan import commands
    from app.care_plan.commands import SavePart
    from models import AgencyKind, Consent, Profession, Role
    from tests import factories

    world = PlanWorld(db)
    service = factories.agency(db, AgencyKind.community_nursing, name="Out-of-Hours Service")
    factories.user(db, service, Role.out_of_hours, Profession.gp, username="ooh")
    db.add(Consent(person_id=world.person.id, shares_with_care_team=True, recorded_by_id=world.nurse.id))
    saved = commands.save_part(
        db, world.plan, world.person, SavePart("contingency", {"what_to_do": "Sit her up and call the district nurses."}, 0), world.nurse
    )
    assert saved.ok
    db.commit()

    context, ooh, watch = _new_page(browser)
    browser_watch.append(watch)
    try:
        sign_in(ooh, live_server, "ooh")
        ooh.goto(f"{live_server}/out-of-hours")
        assert_accessible(ooh)
        ooh.get_by_label("NHS number", exact=True).fill(world.person.nhs_number)
        ooh.get_by_role("button", name="Show the crisis summary").click()
        expect(ooh.locator(".nhsuk-error-summary")).to_contain_text("Select why you are reading the crisis summary")
        assert_accessible(ooh)
        ooh.get_by_label("Visiting the person now").check()
        ooh.get_by_role("button", name="Show the crisis summary").click()
        expect(ooh.get_by_role("heading", level=1)).to_contain_text("LOVELACE, Ada: crisis summary")
        expect(ooh.get_by_text("Sit her up and call the district nurses.")).to_be_visible()
        assert_accessible(ooh)
    finally:
        context.close()

    # The key worker sees it in who has looked at Ada's record, with the reason.
    sign_in(page, live_server, "nurse")
    page.goto(f"{live_server}/people/{world.person.id}/access-log")
    expect(page.get_by_text("out of hours: Visiting the person now").first).to_be_visible()
    assert_accessible(page)
