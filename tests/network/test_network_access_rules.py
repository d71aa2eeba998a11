"""The network at work's rules in app/trust/access.py, without HTTP."""

import pytest

from app.trust import access
from models import AgencyKind, Consent, ConsentObjection, HubNetwork, HubReferral, HubReferralStatus, Profession, Role
from tests import factories
from tests.factories import World


@pytest.fixture
def world(db):
    world = World(db)
    world.ooh_service = factories.agency(db, AgencyKind.community_nursing, name="Out-of-Hours Service")
    world.ooh = factories.user(db, world.ooh_service, Role.out_of_hours, Profession.gp, username="ooh")
    return world


def test_the_key_worker_and_the_networks_lead_put_a_person_on_the_agenda_nobody_else(db, world):
    assert access.mdt_agenda_rule(db, world.nurse, world.person).allowed
    assert access.mdt_agenda_rule(db, world.lead, world.person).allowed
    for user in (world.other_lead, world.outsider, world.coordinator, world.admin, world.ooh):
        decision = access.mdt_agenda_rule(db, user, world.person)
        assert not decision.allowed, user.username
    assert access.mdt_agenda_rule(db, world.outsider, world.person).basis.startswith("Only the person's key worker and their network lead")


def test_only_the_lead_of_the_persons_network_records_a_meetings_outcome(db, world):
    assert access.mdt_outcome_rule(db, world.lead, world.person) == access.Decision(True, "network MDT")
    assert (
        access.mdt_outcome_rule(db, world.nurse, world.person).basis
        == "Only the lead of the person's network records the outcome of its meeting."
    )
    assert not access.mdt_outcome_rule(db, world.other_lead, world.person).allowed
    db.add(ConsentObjection(person_id=world.person.id, agency_id=world.practice.id))
    db.commit()
    assert not access.mdt_outcome_rule(db, world.lead, world.person).allowed


def test_the_crisis_summary_needs_the_role_the_persons_agreement_and_no_objection(db, world):
    rule = access.crisis_summary_rule("Visiting the person now")
    assert rule(db, world.ooh, world.person).basis.startswith("This person has not agreed")
    db.add(Consent(person_id=world.person.id, shares_with_care_team=True))
    db.commit()
    assert rule(db, world.ooh, world.person) == access.Decision(True, "out of hours: Visiting the person now")
    assert not rule(db, world.nurse, world.person).allowed
    db.add(ConsentObjection(person_id=world.person.id, agency_id=world.ooh_service.id))
    db.commit()
    assert rule(db, world.ooh, world.person).basis.startswith("This person has objected")
    with pytest.raises(access.AccessRefused):
        access.require_out_of_hours(world.nurse, "x")
    access.require_out_of_hours(world.ooh, "x")


def test_a_hubs_pages_are_for_its_own_staff(db, world):
    hub = factories.agency(db, AgencyKind.therapy, name="Falls Hub")
    staff = factories.user(db, hub, username="hubstaff")
    with pytest.raises(access.AccessRefused):
        access.hub_of(db, staff, "x")  # not a hub until it serves a network
    db.add(HubNetwork(hub_agency_id=hub.id, network_id=world.network.id))
    db.commit()
    assert access.hub_of(db, staff, "x").id == hub.id
    for user in (world.nurse, world.admin, None):
        with pytest.raises(access.AccessRefused):
            access.hub_of(db, user, "x")
    referral = HubReferral(person_id=world.person.id, hub_agency_id=world.social_care.id, reason="x", status=HubReferralStatus.requested)
    db.add(referral)
    db.commit()
    assert access.hub_referral_for(db, staff, referral.id, "x") == (hub, None)  # another hub's referral


# --- Each decision in full (kind and words), not just whether it opens ------------------------

NOT_IN_TEAM = "Your agency is not in this person's care team, so you cannot open their record."
OBJECTED = "This person has objected to sharing their record with your agency, so you cannot open it."
AGENDA_REFUSED = "Only the person's key worker and their network lead can put them on the network's meeting agenda."
OUTCOME_REFUSED = "Only the lead of the person's network records the outcome of its meeting."
NOT_AGREED = "This person has not agreed to share their record with their care team, so their crisis summary is not shared out of hours."


def test_the_agenda_refusal_says_who_may_put_a_person_on_it(db, world):
    for user in (world.outsider, world.other_lead, world.coordinator, world.admin, world.ooh):
        assert access.mdt_agenda_rule(db, user, world.person) == access.Decision(False, AGENDA_REFUSED), user.username
    db.add(ConsentObjection(person_id=world.person.id, agency_id=world.nursing.id))
    db.commit()
    assert access.mdt_agenda_rule(db, world.nurse, world.person) == access.Decision(False, OBJECTED)


def test_the_outcome_refusals_say_why(db, world):
    assert access.mdt_outcome_rule(db, world.nurse, world.person) == access.Decision(False, OUTCOME_REFUSED)
    assert access.mdt_outcome_rule(db, world.other_lead, world.person) == access.Decision(False, NOT_IN_TEAM)
    assert access.mdt_outcome_rule(db, world.outsider, world.person) == access.Decision(False, NOT_IN_TEAM)
    db.add(ConsentObjection(person_id=world.person.id, agency_id=world.practice.id))
    db.commit()
    assert access.mdt_outcome_rule(db, world.lead, world.person) == access.Decision(False, OBJECTED)


def test_the_crisis_summary_refusals_say_why(db, world):
    rule = access.crisis_summary_rule("Visiting the person now")
    assert rule(db, world.nurse, world.person) == access.Decision(False, "Only out-of-hours clinicians read crisis summaries this way.")
    assert rule(db, world.ooh, world.person) == access.Decision(False, NOT_AGREED)
    db.add(ConsentObjection(person_id=world.person.id, agency_id=world.ooh_service.id))
    db.commit()
    assert rule(db, world.ooh, world.person) == access.Decision(False, OBJECTED)


def test_only_the_persons_own_agreement_to_share_opens_their_crisis_summary(db, world):
    rule = access.crisis_summary_rule("Visiting the person now")
    other = factories.person(db, world.practice)
    db.add(Consent(person_id=other.id, shares_with_care_team=True))  # someone else agreed
    db.add(Consent(person_id=world.person.id, shares_with_care_team=False))  # the person said no
    db.commit()
    assert rule(db, world.ooh, world.person) == access.Decision(False, NOT_AGREED)
    assert rule(db, world.ooh, other) == access.Decision(True, "out of hours: Visiting the person now")


def test_the_refusal_of_a_crisis_summary_page_names_the_page_and_says_who_may(world):
    with pytest.raises(access.AccessRefused) as refused:
        access.require_out_of_hours(world.nurse, "view_crisis_summaries")
    assert (refused.value.action, refused.value.reason) == (
        "view_crisis_summaries",
        "Only out-of-hours clinicians read crisis summaries this way.",
    )
