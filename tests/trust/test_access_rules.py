"""The access rules (app/trust/access.py) one by one, without HTTP: who opens a record and on what
basis, who may change it, who may break glass, and what each role may do. Expected tables are
written out here by hand, never read from the code under test."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from app.front_door import clocks
from app.trust import access
from models import (
    AccessGrant,
    AuditEvent,
    CareTeamMember,
    ConsentObjection,
    Person,
    Referral,
    ReferralSource,
    ReferralStatus,
    Role,
    Urgency,
    User,
)
from models.clock import utc_now
from tests import factories
from tests.factories import World

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
NOT_IN_TEAM = "Your agency is not in this person's care team, so you cannot open their record."


@pytest.fixture
def world(db):
    return World(db)


def referral(db, person, status):
    row = Referral(
        person_id=person.id,
        source=ReferralSource.gp,
        referrer_name="Dr Rao",
        reason="Falls",
        requested_urgency=Urgency.routine,
        urgency=Urgency.routine,
        status=status,
        received_at=NOW,
        due_by=clocks.due_by(NOW, Urgency.routine),
    )
    db.add(row)
    db.commit()
    return row


def grant(db, user, person, expires_at, reason_code="urgent_care"):
    row = AccessGrant(
        user_id=user.id,
        agency_id=user.agency_id,
        person_id=person.id,
        reason_code=reason_code,
        reason_text="Called by the family at night",
        granted_at=expires_at - timedelta(minutes=30),
        expires_at=expires_at,
    )
    db.add(row)
    db.commit()
    return row


def objection(db, person, agency, withdrawn=False):
    row = ConsentObjection(person_id=person.id, agency_id=agency.id, withdrawn_at=utc_now() if withdrawn else None)
    db.add(row)
    db.commit()
    return row


# --- Role capabilities ------------------------------------------------------------------------

S, P, L, A = Role.spa_coordinator, Role.practitioner, Role.network_lead, Role.administrator
EXPECTED_CAPABILITIES = {
    "search_people": {S, P, L},  # administrators manage accounts; they do not look people up
    "manage_directory": {A},
    "receive_referrals": {S},
    "triage_referrals": {S},
    "view_referral_queue": {S, L},
    "view_front_door_figures": {S, L},
    "submit_referral": {S, P, L},
    "read_inbox": {S, P, L},
    "read_worklist": {S, P, L},
    "view_network": {L},
    "review_break_glass": {L},
    "read_crisis_summaries": {Role.out_of_hours},  # the network at work (issue 15)
}


def staff(role):
    """A member of staff with this role (capabilities depend on the role alone)."""
    return User(id=1, username="u", password_hash="x", full_name="U", agency_id=1, role=role)


def test_the_capabilities_are_exactly_these():
    assert set(access.CAPABILITIES) == set(EXPECTED_CAPABILITIES)
    assert set(access.REFUSAL_REASONS) == set(EXPECTED_CAPABILITIES)


@pytest.mark.parametrize("capability", list(EXPECTED_CAPABILITIES))
@pytest.mark.parametrize("role", list(Role))
def test_each_role_has_exactly_its_capabilities(capability, role):
    user = staff(role)
    expected = role in EXPECTED_CAPABILITIES[capability]
    assert access.allowed(user, capability) is expected
    if expected:
        access.require(user, capability)
    else:
        with pytest.raises(access.AccessRefused) as refused:
            access.require(user, capability)
        assert (refused.value.action, refused.value.reason) == (capability, access.REFUSAL_REASONS[capability])
        assert refused.value.person_id is None and refused.value.break_glass_person_id is None


@pytest.mark.parametrize("capability", list(EXPECTED_CAPABILITIES))
def test_nobody_signed_in_has_any_capability(capability):
    assert not access.allowed(None, capability)
    with pytest.raises(access.AccessRefused):
        access.require(None, capability)


def test_the_refusals_say_who_may():
    assert access.REFUSAL_REASONS["read_inbox"] == "Administrators have no clinical inbox."
    assert access.REFUSAL_REASONS["manage_directory"] == "Only administrators can manage agencies, networks and user accounts."
    assert access.REFUSAL_REASONS["view_network"] == "Only network leads see a network's caseload and reviews."


def test_break_glass_is_for_practitioners_and_coordinators_with_a_reason_from_the_list():
    assert {Role.practitioner, Role.spa_coordinator} == access.BREAK_GLASS_ROLES
    assert access.BREAK_GLASS == "break glass"
    assert access.BREAK_GLASS_REASONS == {
        "urgent_care": "Giving urgent or emergency care",
        "safeguarding": "A safeguarding concern",
        "unplanned_contact": "The person or their family contacted us and the team cannot be reached",
        "covering": "Covering for a colleague in the care team",
        "other": "Another reason",
    }


# --- The record rule -------------------------------------------------------------------------


def test_a_practitioner_outside_the_care_team_is_refused_a_record_in_their_own_network(db, world):
    therapy = factories.agency(db, network=world.network)
    practitioner = factories.user(db, therapy, network=world.network)
    decision = access.decide(db, practitioner, world.person)
    assert decision == access.Decision(False, NOT_IN_TEAM, may_break_glass=True)


def test_a_network_lead_without_a_network_is_refused(db, world):
    lead = factories.user(db, world.practice, Role.network_lead)
    assert access.decide(db, lead, world.person) == access.Decision(False, NOT_IN_TEAM, may_break_glass=False)


def test_a_network_lead_is_refused_a_person_without_a_gp_practice(db, world):
    person = factories.person(db)
    assert access.person_network_id(db, person) is None
    assert not access.decide(db, world.lead, person).allowed
    assert access.person_network_id(db, world.person) == world.network.id


def test_break_glass_is_offered_only_to_those_who_may_break_glass(db, world):
    assert access.Decision(False, "no").may_break_glass is False and access.Decision(False, "no").grant is None
    assert access.decide(db, world.outsider, world.person).may_break_glass
    assert not access.decide(db, world.other_lead, world.person).may_break_glass
    assert not access.decide(db, world.admin, world.person).may_break_glass
    assert access.decide(db, world.coordinator, world.person) == access.Decision(False, NOT_IN_TEAM, may_break_glass=True)


def test_administrators_are_refused_in_these_words(db, world):
    assert access.decide(db, world.admin, world.person) == access.Decision(
        False, "Administrators manage accounts and agencies and cannot open care records."
    )


@pytest.mark.parametrize("status", [s for s in ReferralStatus if s is not ReferralStatus.closed])
def test_an_open_referral_opens_what_triage_needs_to_the_spa_and_not_the_record(db, world, status):
    referral(db, world.person, status)
    assert access.triage_rule(db, world.coordinator, world.person) == access.Decision(True, "open referral")
    assert access.decide(db, world.coordinator, world.person) == access.Decision(False, NOT_IN_TEAM, may_break_glass=True)


def test_the_spa_is_refused_once_the_referral_is_closed(db, world):
    referral(db, world.person, ReferralStatus.closed)
    other = factories.person(db, world.practice)
    referral(db, other, ReferralStatus.received)  # someone else's open referral opens nothing here
    assert not access.triage_rule(db, world.coordinator, world.person).allowed
    assert not access.decide(db, world.coordinator, world.person).allowed


def test_an_open_referral_opens_nothing_to_an_agency_the_person_objected_to(db, world):
    referral(db, world.person, ReferralStatus.received)
    objection(db, world.person, world.spa)
    assert not access.triage_rule(db, world.coordinator, world.person).allowed


def test_an_open_referral_opens_triage_to_the_spa_only(db, world):
    referral(db, world.person, ReferralStatus.received)
    assert access.triage_rule(db, world.outsider, world.person) == access.Decision(False, NOT_IN_TEAM, may_break_glass=True)


def test_an_objection_refuses_the_agency_even_in_the_care_team(db, world):
    objection(db, world.person, world.nursing)
    decision = access.decide(db, world.nurse, world.person)
    assert decision == access.Decision(False, "This person has objected to sharing their record with your agency, so you cannot open it.")
    assert not decision.may_break_glass


def test_a_withdrawn_objection_or_one_to_another_agency_refuses_nothing(db, world):
    objection(db, world.person, world.nursing, withdrawn=True)
    objection(db, world.person, world.social_care)
    other = factories.person(db, world.practice)
    objection(db, other, world.nursing)
    assert access.decide(db, world.nurse, world.person) == access.Decision(True, "care team")


def test_the_care_team_of_another_person_opens_nothing(db, world):
    other = factories.person(db, world.practice)
    factories.team_member(db, other, world.social_care)
    assert not access.decide(db, world.outsider, world.person).allowed


# --- Break glass -----------------------------------------------------------------------------


def test_a_live_grant_opens_the_record_for_reading(db, world):
    live = grant(db, world.outsider, world.person, NOW + timedelta(minutes=10))
    decision = access.decide(db, world.outsider, world.person, NOW)
    assert (decision.allowed, decision.basis, decision.grant.id, decision.may_break_glass) == (True, "break glass", live.id, False)
    assert not access.may_change(decision)


def test_a_grant_lapses_at_its_expiry(db, world):
    grant(db, world.outsider, world.person, NOW)
    assert access.live_grant(db, world.outsider, world.person.id, NOW) is None
    assert access.live_grant(db, world.outsider, world.person.id, NOW - timedelta(seconds=1)) is not None
    assert not access.decide(db, world.outsider, world.person, NOW).allowed


def test_a_grant_is_the_users_own_for_that_person_only(db, world):
    other = factories.person(db, world.practice)
    colleague = factories.user(db, world.social_care)
    grant(db, colleague, world.person, NOW + timedelta(minutes=10))
    grant(db, world.outsider, other, NOW + timedelta(minutes=10))
    assert access.live_grant(db, world.outsider, world.person.id, NOW) is None
    assert not access.decide(db, world.outsider, world.person, NOW).allowed


def test_the_latest_expiring_grant_is_the_one_used(db, world):
    grant(db, world.outsider, world.person, NOW + timedelta(minutes=5))
    later = grant(db, world.outsider, world.person, NOW + timedelta(minutes=50))
    grant(db, world.outsider, world.person, NOW + timedelta(minutes=20))
    assert access.live_grant(db, world.outsider, world.person.id, NOW).id == later.id


def test_a_grant_opens_nothing_to_a_network_lead(db, world):
    grant(db, world.other_lead, world.person, NOW + timedelta(minutes=10))
    assert not access.decide(db, world.other_lead, world.person, NOW).allowed


def test_without_a_time_a_grant_is_judged_now(db, world):
    grant(db, world.outsider, world.person, datetime.now(UTC) + timedelta(minutes=10))
    assert access.live_grant(db, world.outsider, world.person.id) is not None
    grant(db, world.coordinator, world.person, datetime.now(UTC) - timedelta(minutes=1))
    assert access.live_grant(db, world.coordinator, world.person.id) is None


def test_the_network_lead_and_the_administrator_may_not_break_glass(db, world):
    with pytest.raises(access.AccessRefused) as lead:
        access.break_glass_candidate(db, world.other_lead, world.person)
    assert lead.value.reason == "Network leads cannot use break-glass access: ask the person's care team or their network lead."
    assert lead.value.break_glass_person_id is None  # not offered again
    assert (lead.value.action, lead.value.person_id, lead.value.record_type, lead.value.record_id) == (
        "break_glass",
        world.person.id,
        "person",
        world.person.id,
    )
    with pytest.raises(access.AccessRefused) as admin:
        access.break_glass_candidate(db, world.admin, world.person)
    assert admin.value.reason.startswith("Administrators manage accounts")


def test_someone_who_may_break_glass_is_a_candidate_and_someone_with_access_is_told_so(db, world):
    assert access.break_glass_candidate(db, world.outsider, world.person) == access.Decision(False, NOT_IN_TEAM, may_break_glass=True)
    assert access.break_glass_candidate(db, world.nurse, world.person).allowed


# --- Reading and changing --------------------------------------------------------------------


def test_only_the_care_team_changes_a_record():
    assert {"care team"} == access.WRITE_BASES
    assert access.may_change(access.Decision(True, "care team"))
    for basis in ("open referral", "network lead", "break glass", "key worker"):
        assert not access.may_change(access.Decision(True, basis))
    assert not access.may_change(access.Decision(False, "care team"))


def test_an_open_referral_is_a_basis_to_read_for_triage_not_to_write(db, world):
    referral(db, world.person, ReferralStatus.received)
    assert access.open_record(db, world.coordinator, world.person, "view_referral", rule=access.triage_rule).basis == "open referral"
    with pytest.raises(access.AccessRefused) as refused:
        access.open_record(db, world.coordinator, world.person, "edit_plan", write=True, rule=access.triage_rule)
    assert refused.value.reason == "Only agencies in the person's care team can change their record; you can read it."
    assert refused.value.break_glass_person_id is None
    with pytest.raises(access.AccessRefused) as refused:
        access.open_record(db, world.coordinator, world.person, "view_assessment")
    assert refused.value.reason == NOT_IN_TEAM and refused.value.break_glass_person_id == world.person.id


def test_the_network_lead_reads_but_does_not_change(db, world):
    assert access.open_record(db, world.lead, world.person, "view_person") == access.Decision(True, "network lead")
    with pytest.raises(access.AccessRefused):
        access.open_record(db, world.lead, world.person, "edit_plan", write=True)


def test_the_care_team_changes_the_record_and_the_change_is_audited(db, world):
    decision = access.open_record(db, world.nurse, world.person, "edit_plan", write=True)
    db.commit()
    assert decision == access.Decision(True, "care team")
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "edit_plan")).one()
    assert (event.user_id, event.person_id, event.record_type, event.record_id, event.reason, event.detail) == (
        world.nurse.id,
        world.person.id,
        "person",
        str(world.person.id),
        "care team",
        None,
    )


def test_reading_through_break_glass_is_audited_with_the_reason_and_the_users_words(db, world):
    grant(db, world.outsider, world.person, datetime.now(UTC) + timedelta(minutes=10), reason_code="safeguarding")
    decision = access.open_record(db, world.outsider, world.person, "view_person")
    db.commit()
    assert decision.basis == "break glass"
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "view_person")).one()
    assert (event.reason, event.detail) == ("break glass: A safeguarding concern", "Called by the family at night")
    with pytest.raises(access.AccessRefused):
        access.open_record(db, world.outsider, world.person, "edit_plan", write=True)


def test_a_grant_with_a_reason_no_longer_listed_is_audited_with_its_code(db, world):
    grant(db, world.outsider, world.person, datetime.now(UTC) + timedelta(minutes=10), reason_code="retired_code")
    access.open_record(db, world.outsider, world.person, "view_person")
    db.commit()
    assert db.exec(select(AuditEvent.reason)).one() == "break glass: retired_code"


def test_a_refusal_names_the_record_and_offers_break_glass_when_it_may(db, world):
    with pytest.raises(access.AccessRefused) as refused:
        access.open_record(db, world.outsider, world.person, "view_person")
    error = refused.value
    assert (error.action, error.reason, error.person_id, error.record_type, error.record_id, error.break_glass_person_id) == (
        "view_person",
        NOT_IN_TEAM,
        world.person.id,
        "person",
        world.person.id,
        world.person.id,
    )
    assert str(error) == NOT_IN_TEAM
    with pytest.raises(access.AccessRefused) as lead:
        access.open_record(db, world.other_lead, world.person, "view_person")
    assert lead.value.break_glass_person_id is None


def test_open_record_applies_the_rule_it_is_given(db, world):
    decision = access.open_record(db, world.nurse, world.person, "view_access_log", rule=access.access_log_rule)
    assert decision == access.Decision(True, "key worker")


# --- Who may see who looked at a record ------------------------------------------------------

LOG_REFUSED = "Only the person's key worker and their network lead can see who has looked at this record."


def test_the_key_worker_and_the_network_lead_see_who_looked(db, world):
    assert access.access_log_rule(db, world.nurse, world.person) == access.Decision(True, "key worker")
    assert access.access_log_rule(db, world.lead, world.person) == access.Decision(True, "network lead")


def test_the_rest_of_the_team_and_other_leads_do_not_see_who_looked(db, world):
    colleague = factories.user(db, world.nursing, network=world.network)
    factories.team_member(db, world.person, world.social_care, world.outsider)
    lead_without_network = factories.user(db, world.practice, Role.network_lead)
    for user in (colleague, world.outsider, world.other_lead, lead_without_network, world.admin, world.coordinator):
        assert access.access_log_rule(db, user, world.person) == access.Decision(False, LOG_REFUSED)


def test_a_key_worker_who_left_or_of_another_person_does_not_see_who_looked(db, world):
    other = factories.person(db, world.practice)
    factories.team_member(db, other, world.social_care, world.outsider, key_worker=True)
    assert not access.access_log_rule(db, world.outsider, world.person).allowed
    left = db.exec(select(CareTeamMember).where(CareTeamMember.user_id == world.nurse.id)).one()
    left.left_at = utc_now()
    db.add(left)
    db.commit()
    assert not access.access_log_rule(db, world.nurse, world.person).allowed


def test_an_objection_hides_who_looked_even_from_the_key_worker_and_says_why(db, world):
    objection(db, world.person, world.nursing)
    assert access.access_log_rule(db, world.nurse, world.person) == access.Decision(
        False, "This person has objected to sharing their record with your agency, so you cannot open it."
    )


# --- The rule as a filter for lists of people -------------------------------------------------


def test_the_list_filters_keep_the_care_teams_people_the_person_has_not_objected_to(db, world):
    objected = factories.person(db, world.practice)
    factories.team_member(db, objected, world.nursing)
    objection(db, objected, world.nursing)
    withdrawn = factories.person(db, world.practice)
    factories.team_member(db, withdrawn, world.nursing)
    objection(db, withdrawn, world.nursing, withdrawn=True)
    objection(db, withdrawn, world.social_care)
    left = factories.person(db, world.practice)
    member = factories.team_member(db, left, world.nursing)
    member.left_at = utc_now()
    db.add(member)
    db.commit()
    not_in_team = factories.person(db, world.practice)
    factories.team_member(db, not_in_team, world.social_care)

    def ids(condition):
        return set(db.exec(select(Person.id).where(condition)).all())

    assert ids(access.open_to_care_team(world.nursing.id, Person.id)) == {world.person.id, withdrawn.id}
    everyone = {world.person.id, objected.id, withdrawn.id, left.id, not_in_team.id}
    assert ids(access.not_objected(world.nursing.id, Person.id)) == everyone - {objected.id}
    assert ids(access.not_objected(world.social_care.id, Person.id)) == everyone - {withdrawn.id}


# --- A network's caseload --------------------------------------------------------------------


def test_only_the_lead_of_a_network_sees_its_caseload(world):
    access.check_network(world.lead, world.network, "view_network")
    with pytest.raises(access.AccessRefused) as other:
        access.check_network(world.other_lead, world.network, "view_network")
    assert (other.value.action, other.value.reason, other.value.record_type, other.value.record_id) == (
        "view_network",
        "You lead another network, so you cannot see this one's caseload.",
        "network",
        world.network.id,
    )
    with pytest.raises(access.AccessRefused) as nurse:
        access.check_network(world.nurse, world.network, "view_network")
    assert nurse.value.reason == access.REFUSAL_REASONS["view_network"]


def test_a_refusal_offers_break_glass_only_when_asked_to():
    assert access.AccessRefused("view_person", "No", person_id=5).break_glass_person_id is None
    assert access.AccessRefused("view_person", "No", person_id=5, offer_break_glass=True).break_glass_person_id == 5


def test_staff_with_no_agency_are_in_no_care_team_and_objected_to_by_nobody(db, world):
    """The record rule's one query, asked for a user whose agency is not known (the schema requires
    one; a user built in memory can lack it): no team holds them, and no objection speaks for them."""
    nobody = User(id=10_000, username="noagency", password_hash="x", full_name="No Agency", role=Role.practitioner, agency_id=None)
    objection(db, world.person, world.nursing)
    decision = access.decide(db, nobody, world.person)
    assert not decision.allowed and decision.basis == NOT_IN_TEAM
    assert access._key_worker_or_objected(db, nobody, world.person.id) == (False, False)
    assert access._key_worker_or_objected(db, world.nurse, world.person.id) == (True, True)


# --- Recording a traced NHS number, and the record decision read off triage's -------------------

RECORD_NHS_NUMBER_REFUSED = "Only the person's care team, or the single point of access, can record their NHS number."


def test_who_may_record_an_nhs_number_and_in_what_words(db, world):
    """The whole decision, not only yes or no: the care team on its own basis, the SPA on the open
    referral, a reader under break-glass refused in the rule's words, anyone else in the record
    rule's words (without the offer to break glass: that opens no writing)."""
    assert access.nhs_number_rule(db, world.nurse, world.person) == access.Decision(True, "care team")
    assert access.nhs_number_rule(db, world.coordinator, world.person) == access.Decision(False, NOT_IN_TEAM)
    assert access.nhs_number_rule(db, world.outsider, world.person) == access.Decision(False, NOT_IN_TEAM)
    referral(db, world.person, ReferralStatus.received)
    assert access.nhs_number_rule(db, world.coordinator, world.person) == access.Decision(True, access.OPEN_REFERRAL)
    grant(db, world.outsider, world.person, utc_now() + timedelta(minutes=20))
    assert access.decide(db, world.outsider, world.person).allowed  # reads under break-glass...
    assert access.nhs_number_rule(db, world.outsider, world.person) == access.Decision(False, RECORD_NHS_NUMBER_REFUSED)
    assert access.RECORD_NHS_NUMBER_REFUSED == RECORD_NHS_NUMBER_REFUSED


def test_the_record_decision_is_read_off_triages_unless_it_rests_on_an_open_referral_alone():
    for decision in (
        access.Decision(True, "care team"),
        access.Decision(True, "network lead"),
        access.Decision(False, NOT_IN_TEAM, may_break_glass=True),
    ):
        assert access.decision_behind_triage(decision) is decision
    assert access.decision_behind_triage(access.Decision(True, access.OPEN_REFERRAL)) is None
