"""The list rules of the access module, as filters: which referrals the queue may list for whom,
which agencies a person has objected to, and which inbox recipients may be told about a person.
Each is checked directly against rows, so a rule that lists too much (or too little) fails here even
where no page happens to show the difference."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from app.front_door import clocks
from app.trust import access
from models import ConsentObjection, Person, Profession, Referral, ReferralStatus, Role, Urgency
from tests import factories
from tests.factories import World


class Lists(World):
    """World, plus a person in the other network, each with an open referral for their own network,
    and a third person (in this network) who objected to the single point of access."""

    def __init__(self, session):
        super().__init__(session)
        self.elsewhere = factories.person(session, self.practice, given_name="Grace", family_name="Hopper")
        self.objector = factories.person(session, self.practice, given_name="Alan", family_name="Turing")
        self.referrals = {
            self.person.id: self._refer(session, self.person, self.network),
            self.elsewhere.id: self._refer(session, self.elsewhere, self.other_network),
            self.objector.id: self._refer(session, self.objector, self.network),
        }
        session.add(ConsentObjection(person_id=self.objector.id, agency_id=self.spa.id, recorded_by_id=self.nurse.id))
        session.commit()

    @staticmethod
    def _refer(session, person: Person, network) -> Referral:
        now = datetime.now(UTC)
        referral = Referral(
            person_id=person.id,
            source="gp",
            referrer_name="Dr Rao",
            reason="Falls",
            requested_urgency=Urgency.routine,
            urgency=Urgency.routine,
            status=ReferralStatus.received,
            received_at=now,
            due_by=clocks.due_by(now, Urgency.routine),
            network_id=network.id,
        )
        session.add(referral)
        session.commit()
        return referral


@pytest.fixture
def lists(db):
    return Lists(db)


def _listed_for(db, user) -> set[int]:
    rule = access.referrals_listed_for(user, Referral.network_id, Referral.person_id)
    return set(db.exec(select(Referral.person_id).where(rule)))


def test_the_single_point_of_access_lists_every_network_but_not_a_person_who_objected_to_it(db, lists):
    assert _listed_for(db, lists.coordinator) == {lists.person.id, lists.elsewhere.id}


def test_a_network_lead_lists_only_their_own_networks_referrals(db, lists):
    assert _listed_for(db, lists.lead) == {lists.person.id, lists.objector.id}
    assert _listed_for(db, lists.other_lead) == {lists.elsewhere.id}


def test_a_network_lead_lists_nothing_about_a_person_who_objected_to_their_agency(db, lists):
    db.add(ConsentObjection(person_id=lists.objector.id, agency_id=lists.practice.id, recorded_by_id=lists.nurse.id))
    db.commit()
    assert _listed_for(db, lists.lead) == {lists.person.id}


def test_a_network_lead_without_a_network_lists_nothing(db, lists):
    adrift = factories.user(db, lists.practice, Role.network_lead, Profession.gp, username="adrift")
    assert _listed_for(db, adrift) == set()


def test_a_practitioner_with_a_network_lists_no_referrals(db, lists):
    assert lists.nurse.network_id == lists.network.id
    assert _listed_for(db, lists.nurse) == set()


def test_an_administrator_lists_no_referrals(db, lists):
    assert _listed_for(db, lists.admin) == set()


def test_objected_agencies_are_the_persons_own_standing_objections(db, lists):
    # Another person's objection, and this person's withdrawn one, do not count.
    db.add(ConsentObjection(person_id=lists.elsewhere.id, agency_id=lists.nursing.id, recorded_by_id=lists.nurse.id))
    db.add(
        ConsentObjection(
            person_id=lists.objector.id,
            agency_id=lists.social_care.id,
            recorded_by_id=lists.nurse.id,
            withdrawn_at=datetime.now(UTC) - timedelta(days=1),
        )
    )
    db.commit()
    assert access.objected_agency_ids(db, lists.objector.id) == {lists.spa.id}
    assert access.objected_agency_ids(db, lists.elsewhere.id) == {lists.nursing.id}
    assert access.objected_agency_ids(db, lists.person.id) == set()


def test_nobody_in_an_objected_agency_is_told_about_the_person(db, lists):
    recipients = {
        (lists.coordinator.id, None),  # a named user in the objected agency
        (None, lists.spa.id),  # the objected agency's shared inbox
        (lists.nurse.id, None),
        (None, lists.social_care.id),
    }
    assert access.may_be_told(db, lists.objector.id, recipients) == {(lists.nurse.id, None), (None, lists.social_care.id)}


def test_everyone_may_be_told_about_a_person_who_objected_to_nobody(db, lists):
    recipients = {(lists.coordinator.id, None), (None, lists.spa.id)}
    assert access.may_be_told(db, lists.person.id, recipients) == recipients


def test_an_item_about_nobody_in_particular_reaches_everyone(db, lists):
    recipients = {(lists.coordinator.id, None), (None, lists.spa.id)}
    assert access.may_be_told(db, None, recipients) == recipients


def test_another_persons_objection_does_not_silence_an_agency(db, lists):
    # The objector objected to the SPA; the SPA is still told about everyone else.
    recipients = {(lists.coordinator.id, None), (None, lists.spa.id)}
    assert access.may_be_told(db, lists.elsewhere.id, recipients) == recipients


def test_only_the_objected_agencys_people_are_dropped_not_everyone_named(db, lists):
    recipients = {(lists.coordinator.id, None), (lists.lead.id, None), (lists.outsider.id, None)}
    assert access.may_be_told(db, lists.objector.id, recipients) == {(lists.lead.id, None), (lists.outsider.id, None)}
