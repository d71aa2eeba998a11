"""The later blocks of app/trust/access.py, without HTTP: the FHIR API's rules (issue 13), a person's
and a carer's own pages (issue 14), who works for a hub (issue 15) and the standing that search
results show (issue 16). Expected tables are written out here by hand, never read from the code
under test."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from app.front_door import clocks
from app.trust import access
from app.trust.staff_sessions import AGENCY_IS_HUB
from models import (
    AccessGrant,
    AgencyKind,
    CareTeamMember,
    ConsentObjection,
    HubNetwork,
    HubReferral,
    HubReferralStatus,
    Referral,
    ReferralSource,
    ReferralStatus,
    Role,
    Urgency,
)
from models.clock import utc_now
from tests import factories
from tests.factories import World

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
NOT_IN_TEAM = "Your agency is not in this person's care team, so you cannot open their record."
OBJECTED = "This person has objected to sharing their record with your agency, so you cannot open it."


@pytest.fixture
def world(db):
    return World(db)


def referral(db, person, status=ReferralStatus.received, received_by=None, sent_as=None):
    row = Referral(
        person_id=person.id,
        source=ReferralSource.gp,
        referrer_name="Dr Rao",
        reason="Falls",
        requested_urgency=Urgency.routine,
        urgency=Urgency.routine,
        status=status,
        received_at=NOW,
        received_by_id=received_by.id if received_by else None,
        due_by=clocks.due_by(NOW, Urgency.routine),
        sent_as=sent_as,
    )
    db.add(row)
    db.commit()
    return row


def grant(db, user, person, expires_at):
    row = AccessGrant(
        user_id=user.id,
        agency_id=user.agency_id,
        person_id=person.id,
        reason_code="urgent_care",
        reason_text="Called by the family at night",
        granted_at=expires_at - timedelta(minutes=30),
        expires_at=expires_at,
    )
    db.add(row)
    db.commit()
    return row


def objection(db, person, agency, withdrawn=False):
    db.add(ConsentObjection(person_id=person.id, agency_id=agency.id, withdrawn_at=utc_now() if withdrawn else None))
    db.commit()


# --- The FHIR API ----------------------------------------------------------------------------

API_NO_BREAK_GLASS = "Break-glass access opens a record only on OnePlan's own pages, never through the API."


def test_the_api_opens_a_record_by_the_pages_rules():
    assert access.API_NO_BREAK_GLASS == API_NO_BREAK_GLASS
    assert access.SENDER == "sender of this referral"


def test_the_api_opens_the_record_to_the_care_team_and_the_network_lead_as_the_pages_do(db, world):
    assert access.api_decide(db, world.nurse, world.person) == access.Decision(True, "care team")
    assert access.api_decide(db, world.lead, world.person) == access.Decision(True, "network lead")


def test_a_refusal_through_the_api_never_offers_break_glass(db, world):
    decision = access.api_decide(db, world.outsider, world.person)
    assert decision == access.Decision(False, NOT_IN_TEAM)
    assert decision.may_break_glass is False and decision.grant is None


def test_a_live_break_glass_grant_opens_nothing_through_the_api(db, world):
    grant(db, world.outsider, world.person, datetime.now(UTC) + timedelta(minutes=10))
    assert access.decide(db, world.outsider, world.person).allowed  # on the pages it opens
    decision = access.api_decide(db, world.outsider, world.person)
    assert decision == access.Decision(False, API_NO_BREAK_GLASS)
    assert decision.grant is None and decision.may_break_glass is False


def test_a_rule_whose_basis_is_break_glass_opens_nothing_through_the_api(db, world):
    def says_break_glass(session, user, person):
        return access.Decision(True, access.BREAK_GLASS)

    def grants(session, user, person):
        return access.Decision(True, "care team", grant=AccessGrant(id=1))

    assert access.for_api(says_break_glass)(db, world.nurse, world.person) == access.Decision(False, API_NO_BREAK_GLASS)
    assert access.for_api(grants)(db, world.nurse, world.person) == access.Decision(False, API_NO_BREAK_GLASS)


def test_a_rule_made_for_the_api_passes_its_decision_on_without_break_glass(db, world):
    api = access.for_api(access.decide)  # built here: the module's own api_decide was built before any test ran
    assert api(db, world.nurse, world.person) == access.Decision(True, "care team")
    assert api(db, world.lead, world.person) == access.Decision(True, "network lead")
    refused = api(db, world.outsider, world.person)
    assert refused == access.Decision(False, NOT_IN_TEAM) and refused.may_break_glass is False
    grant(db, world.outsider, world.person, datetime.now(UTC) + timedelta(minutes=10))
    assert api(db, world.outsider, world.person) == access.Decision(False, API_NO_BREAK_GLASS)


def test_the_api_applies_triage_to_the_spa_while_a_referral_is_open(db, world):
    referral(db, world.person)
    assert access.api_triage_rule(db, world.coordinator, world.person) == access.Decision(True, "open referral")
    assert access.api_decide(db, world.coordinator, world.person) == access.Decision(False, NOT_IN_TEAM)


def test_the_account_that_sent_a_referral_reads_it_back_and_nothing_else(db, world):
    sent = referral(db, world.person, received_by=world.outsider, sent_as={"intent": "order"})
    assert access.sent_referral_rule(sent)(db, world.outsider, world.person) == access.Decision(True, "sender of this referral")
    assert access.api_decide(db, world.outsider, world.person) == access.Decision(False, NOT_IN_TEAM)
    colleague = factories.user(db, world.social_care, username="colleague")  # same agency, not the sender
    assert access.sent_referral_rule(sent)(db, colleague, world.person) == access.Decision(False, NOT_IN_TEAM)


def test_a_referral_received_on_a_form_opens_nothing_to_whoever_received_it(db, world):
    typed_in = referral(db, world.person, received_by=world.outsider)  # not sent over FHIR
    assert access.sent_referral_rule(typed_in)(db, world.outsider, world.person) == access.Decision(False, NOT_IN_TEAM)


def test_the_sender_is_refused_once_the_person_objects_to_its_agency(db, world):
    sent = referral(db, world.person, received_by=world.outsider, sent_as={"intent": "order"})
    objection(db, world.person, world.spa)  # another agency: still the sender's
    assert access.sent_referral_rule(sent)(db, world.outsider, world.person).allowed
    objection(db, world.person, world.social_care, withdrawn=True)  # withdrawn: still the sender's
    assert access.sent_referral_rule(sent)(db, world.outsider, world.person).allowed
    objection(db, world.person, world.social_care)
    assert access.sent_referral_rule(sent)(db, world.outsider, world.person) == access.Decision(False, OBJECTED)


def test_whoever_may_open_the_record_reads_a_referral_on_that_basis(db, world):
    sent = referral(db, world.person, received_by=world.outsider, sent_as={"intent": "order"})
    assert access.sent_referral_rule(sent)(db, world.nurse, world.person) == access.Decision(True, "care team")
    assert access.sent_referral_rule(sent)(db, world.coordinator, world.person) == access.Decision(True, "open referral")


# --- A person's and a carer's own pages -------------------------------------------------------

PERSON_PAGES = {"plan", "words", "access_log", "sharing", "carer", "assessment", "carer_notes"}
CARER_PAGES = {"plan", "carer_notes", "assessment"}
NO_SUCH_PAGE = "There is no such page."
WITHDRAWN = "The person has withdrawn your access to their plan."
NOT_SHARED = "The person has shared their plan with you, but not their assessment."
PERSON_ONLY = "This page is for the person only; as their carer you can read the plan they shared with you."

# What a carer's account opens, page by page, while the person shares with them (and their assessment or not).
CARER_TABLE = {
    # page:         (shares assessment, does not)
    "plan": (access.Decision(True, "carer"), access.Decision(True, "carer")),
    "carer_notes": (access.Decision(True, "carer"), access.Decision(True, "carer")),
    "assessment": (access.Decision(True, "carer"), access.Decision(False, NOT_SHARED)),
    "words": (access.Decision(False, PERSON_ONLY), access.Decision(False, PERSON_ONLY)),
    "access_log": (access.Decision(False, PERSON_ONLY), access.Decision(False, PERSON_ONLY)),
    "sharing": (access.Decision(False, PERSON_ONLY), access.Decision(False, PERSON_ONLY)),
    "carer": (access.Decision(False, PERSON_ONLY), access.Decision(False, PERSON_ONLY)),
    "referrals": (access.Decision(False, PERSON_ONLY), access.Decision(False, PERSON_ONLY)),
}


def test_the_pages_of_a_person_and_of_their_carer_are_exactly_these():
    assert access.PERSON_PAGES == PERSON_PAGES
    assert access.CARER_PAGES == CARER_PAGES
    assert (
        access.STAFF_ON_MY_PAGES
        == "These pages are for the person and their carer. Staff see the person's record from OnePlan's staff pages."
    )
    assert access.PERSON_ON_STAFF_PAGES == "This page is for staff. Your own pages are under My plan."


@pytest.mark.parametrize("page", sorted(PERSON_PAGES))
@pytest.mark.parametrize("shares_assessment", [True, False])
@pytest.mark.parametrize("withdrawn", [True, False])
def test_the_person_opens_every_one_of_their_pages_whatever_they_share(page, shares_assessment, withdrawn):
    assert access.account_page_rule("person", shares_assessment, withdrawn, page) == access.Decision(True, "the person")


def test_the_person_is_told_when_there_is_no_such_page():
    for page in ("referrals", "", "Plan"):
        assert access.account_page_rule("person", True, False, page) == access.Decision(False, NO_SUCH_PAGE)


@pytest.mark.parametrize("page", list(CARER_TABLE))
def test_a_carer_opens_the_plan_their_notes_and_the_assessment_only_if_shared(page):
    shared, not_shared = CARER_TABLE[page]
    assert access.account_page_rule("carer", True, False, page) == shared
    assert access.account_page_rule("carer", False, False, page) == not_shared


@pytest.mark.parametrize("page", list(CARER_TABLE))
def test_a_carer_whose_access_was_withdrawn_is_refused_every_page(page):
    for shares_assessment in (True, False):
        assert access.account_page_rule("carer", shares_assessment, True, page) == access.Decision(False, WITHDRAWN)


INVITE_REFUSED = "Only the person's key worker, or the single point of access, can invite them to see their own plan."


def test_the_key_worker_invites_the_person_and_the_rest_of_the_team_does_not(db, world):
    assert access.invitation_rule(db, world.nurse, world.person) == access.Decision(True, "key worker")
    colleague = factories.user(db, world.nursing, username="colleague", network=world.network)
    assert access.decide(db, colleague, world.person).allowed  # in the care team, but not the key worker
    for user in (colleague, world.lead, world.outsider, world.admin, world.coordinator):
        assert access.invitation_rule(db, user, world.person) == access.Decision(False, INVITE_REFUSED), user.username


def test_the_single_point_of_access_invites_while_a_referral_is_open(db, world):
    referral(db, world.person)
    assert access.invitation_rule(db, world.coordinator, world.person) == access.Decision(True, "open referral")
    other_person = factories.person(db, world.practice)
    assert not access.invitation_rule(db, world.coordinator, other_person).allowed


def test_a_practitioner_in_the_care_team_does_not_invite_on_an_open_referral(db, world):
    referral(db, world.person)
    colleague = factories.user(db, world.nursing, username="colleague", network=world.network)
    assert access.triage_rule(db, colleague, world.person).allowed
    assert access.invitation_rule(db, colleague, world.person) == access.Decision(False, INVITE_REFUSED)


def test_a_key_worker_who_left_the_team_no_longer_invites(db, world):
    row = db.exec(select(CareTeamMember).where(CareTeamMember.user_id == world.nurse.id)).one()
    row.left_at = utc_now()
    db.add(row)
    db.commit()
    assert access.invitation_rule(db, world.nurse, world.person) == access.Decision(False, INVITE_REFUSED)


def test_an_objection_stops_the_key_worker_and_the_spa_inviting(db, world):
    referral(db, world.person)
    objection(db, world.person, world.nursing)
    objection(db, world.person, world.spa)
    assert access.invitation_rule(db, world.nurse, world.person) == access.Decision(False, OBJECTED)
    assert access.invitation_rule(db, world.coordinator, world.person) == access.Decision(False, OBJECTED)


# --- Who works for a hub ---------------------------------------------------------------------


@pytest.fixture
def hub(db, world):
    hub = factories.agency(db, AgencyKind.therapy, name="Falls Hub")
    db.add(HubNetwork(hub_agency_id=hub.id, network_id=world.network.id))
    db.commit()
    return hub


def test_care_staff_of_a_hub_work_for_it_and_nobody_else_does(db, world, hub):
    for role in (Role.practitioner, Role.spa_coordinator, Role.network_lead):
        assert access.works_for_hub(db, factories.user(db, hub, role, username=f"hub-{role.value}")), role
    for role in (Role.administrator, Role.out_of_hours):
        assert not access.works_for_hub(db, factories.user(db, hub, role, username=f"hub-{role.value}")), role
    for user in (world.nurse, world.lead, world.coordinator, world.outsider, None):
        assert not access.works_for_hub(db, user)
    agencyless = factories.user(db, hub, username="agencyless")
    agencyless.agency_id = None
    assert not access.works_for_hub(db, agencyless)


def test_what_the_sign_in_read_about_the_signed_in_user_is_used_for_them_only(db, world, hub):
    staff = factories.user(db, hub, username="hubstaff")
    db.info[AGENCY_IS_HUB] = (staff.id, False)  # as read at sign-in
    assert not access.works_for_hub(db, staff)
    db.info[AGENCY_IS_HUB] = (world.nurse.id, 0)  # someone else's: the database says
    assert access.works_for_hub(db, staff)
    db.info[AGENCY_IS_HUB] = (world.nurse.id, 1)
    assert access.works_for_hub(db, world.nurse) is True
    db.info.pop(AGENCY_IS_HUB)


def test_a_hub_reads_its_own_referrals_unless_the_person_objected_to_it(db, world, hub):
    staff = factories.user(db, hub, username="hubstaff")
    own = HubReferral(person_id=world.person.id, hub_agency_id=hub.id, reason="x", status=HubReferralStatus.requested)
    db.add(own)
    db.commit()
    assert access.hub_referral_for(db, staff, own.id, "view_hub_referral") == (hub, own)
    assert access.hub_referral_for(db, staff, own.id + 1000, "view_hub_referral") == (hub, None)
    objection(db, world.person, world.nursing)  # another agency
    assert access.hub_referral_for(db, staff, own.id, "view_hub_referral") == (hub, own)
    objection(db, world.person, hub)
    with pytest.raises(access.AccessRefused) as refused:
        access.hub_referral_for(db, staff, own.id, "view_hub_referral")
    error = refused.value
    assert (error.action, error.reason, error.record_type, error.record_id) == (
        "view_hub_referral",
        "This person has objected to sharing their record with your agency.",
        "hub_referral",
        own.id,
    )
    with pytest.raises(access.AccessRefused) as outsider:
        access.hub_of(db, world.nurse, "view_hub")
    assert (outsider.value.action, outsider.value.reason) == ("view_hub", "Only the staff of a specialist hub see its caseload.")
    with pytest.raises(access.AccessRefused) as not_hub:
        access.hub_referral_for(db, world.nurse, own.id, "view_hub_referral")
    assert (not_hub.value.action, not_hub.value.reason) == ("view_hub_referral", "Only the staff of a specialist hub see its caseload.")


# --- What search results say about each person -----------------------------------------------


def test_the_words_of_a_standing_are_these():
    assert (
        access.IN_YOUR_CARE_TEAM,
        access.IN_YOUR_NETWORK,
        access.BREAK_GLASS_OPEN,
        access.OBJECTED_TO_YOUR_AGENCY,
        access.NOT_IN_TEAM_BREAK_GLASS,
        access.NOT_IN_TEAM,
    ) == (
        "In your care team",
        "In your network: you can read the record",
        "Open to you with break-glass access for now",
        "Has objected to sharing with your agency",
        "Not in your care team (you would need to break glass)",
        "Not in your care team",
    )


TEAM = access.Standing("In your care team", True)
NETWORK = access.Standing("In your network: you can read the record", True)
GLASS = access.Standing("Open to you with break-glass access for now", True)
OBJECTS = access.Standing("Has objected to sharing with your agency", False)
NEED_GLASS = access.Standing("Not in your care team (you would need to break glass)", False)
NOT_TEAM = access.Standing("Not in your care team", False)

EXPECTED = {
    # user: standings with [in team, objected to nursing, granted to outsider, in the other network, nursing left,
    #                       objection withdrawn, outsider's grant expired, colleague's grant]
    "nurse": [TEAM, OBJECTS, NEED_GLASS, NEED_GLASS, NEED_GLASS, TEAM, NEED_GLASS, NEED_GLASS],
    "lead": [NETWORK, NETWORK, NETWORK, NOT_TEAM, NETWORK, NETWORK, NETWORK, NETWORK],
    "other_lead": [NOT_TEAM, NOT_TEAM, NOT_TEAM, NETWORK, NOT_TEAM, NOT_TEAM, NOT_TEAM, NOT_TEAM],
    "outsider": [NEED_GLASS, NEED_GLASS, GLASS, NEED_GLASS, NEED_GLASS, NEED_GLASS, NEED_GLASS, NEED_GLASS],
    "coordinator": [NEED_GLASS, NEED_GLASS, NEED_GLASS, NEED_GLASS, NEED_GLASS, NEED_GLASS, NEED_GLASS, NEED_GLASS],
    "admin": [NOT_TEAM, NOT_TEAM, NOT_TEAM, NOT_TEAM, NOT_TEAM, NOT_TEAM, NOT_TEAM, NOT_TEAM],
}


@pytest.fixture
def people(db, world):
    """Eight people, each standing differently with the World's staff (see EXPECTED)."""
    other_practice = factories.agency(db, AgencyKind.gp_practice, world.other_network, name="Southgate Surgery")
    in_team = world.person
    objected = factories.person(db, world.practice)
    factories.team_member(db, objected, world.nursing)
    objection(db, objected, world.nursing)
    granted = factories.person(db, world.practice)
    grant(db, world.outsider, granted, NOW + timedelta(minutes=10))
    elsewhere = factories.person(db, other_practice)
    left = factories.person(db, world.practice)
    member = factories.team_member(db, left, world.nursing)
    member.left_at = utc_now()
    db.add(member)
    withdrawn = factories.person(db, world.practice)
    factories.team_member(db, withdrawn, world.nursing)
    objection(db, withdrawn, world.nursing, withdrawn=True)
    expired = factories.person(db, world.practice)
    grant(db, world.outsider, expired, NOW)
    colleagues = factories.person(db, world.practice)
    grant(db, factories.user(db, world.social_care, username="colleague"), colleagues, NOW + timedelta(minutes=10))
    db.commit()
    return [in_team, objected, granted, elsewhere, left, withdrawn, expired, colleagues]


@pytest.mark.parametrize("username", list(EXPECTED))
def test_search_results_say_where_each_user_stands_with_each_person(db, world, people, username):
    user = getattr(world, username)
    ids = [p.id for p in people]
    got = access.standings(db, user, ids, NOW)
    assert got == dict(zip(ids, EXPECTED[username], strict=True))


def test_a_standing_is_judged_now_when_no_time_is_given(db, world, people):
    granted = people[2]  # granted until ten minutes after NOW, long past
    assert access.standings(db, world.outsider, [granted.id])[granted.id] == NEED_GLASS
    fresh = grant(db, world.outsider, people[3], datetime.now(UTC) + timedelta(minutes=10))
    assert access.standings(db, world.outsider, [fresh.person_id])[fresh.person_id] == GLASS


def test_standings_are_given_only_for_the_people_asked_about(db, world, people):
    assert set(access.standings(db, world.nurse, [people[0].id, people[5].id], NOW)) == {people[0].id, people[5].id}
    assert access.standings(db, world.nurse, [], NOW) == {}


def test_a_network_lead_without_a_network_stands_outside_everyone(db, world, people):
    lead = factories.user(db, world.practice, Role.network_lead, username="nonetwork")
    no_practice = factories.person(db)
    got = access.standings(db, lead, [p.id for p in people] + [no_practice.id], NOW)
    assert set(got.values()) == {NOT_TEAM}


def test_an_administrator_stands_outside_everyone_even_in_an_agency_of_the_care_team(db, world, people):
    admin = factories.user(db, world.nursing, Role.administrator, username="nursingadmin")
    grant(db, admin, people[0], NOW + timedelta(minutes=10))
    got = access.standings(db, admin, [p.id for p in people], NOW)
    assert set(got.values()) == {NOT_TEAM}
