"""Specialist hubs: a person's care team refers them to a hub that serves their network; the hub
sees its caseload across networks, joins the care team when it accepts, and leaves when it ends."""

import pytest
from sqlmodel import select

from app.care_plan import commands
from app.care_plan.commands import AddItem
from app.network import hubs
from app.trust import access
from models import AgencyKind, CareTeamMember, ConsentObjection, HubNetwork, HubReferral, HubReferralStatus, PlanItemType, Profession
from tests import factories
from tests.factories import PlanWorld


@pytest.fixture
def world(db):
    world = PlanWorld(db)
    world.hub = factories.agency(db, AgencyKind.community_matron, name="Wakefield Frailty Hub")
    world.hub_nurse = factories.user(db, world.hub, profession=Profession.community_matron, username="hubnurse")
    for network in (world.network, world.other_network):
        db.add(HubNetwork(hub_agency_id=world.hub.id, network_id=network.id))
    db.commit()
    return world


def _refer(db, world, reason="Frailty review after falls"):
    result = hubs.refer(db, world.person, world.network.id, hubs.ReferToHub(world.hub.id, reason), world.nurse)
    db.commit()
    return result


def _members(db, world):
    return db.exec(
        select(CareTeamMember).where(CareTeamMember.agency_id == world.hub.id, CareTeamMember.person_id == world.person.id)
    ).all()


def test_a_person_is_referred_only_to_a_hub_serving_their_network_and_once_at_a_time(db, world):
    assert [h.name for h in hubs.hubs_for_network(db, world.network.id)] == ["Wakefield Frailty Hub"]
    wrong = hubs.refer(db, world.person, world.network.id, hubs.ReferToHub(world.therapy.id, "x"), world.nurse)
    assert wrong.errors == {"hub_agency_id": "Select a hub that serves the person's network"}
    assert hubs.refer(db, world.person, world.network.id, hubs.ReferToHub(world.hub.id, ""), world.nurse).errors == {
        "reason": "Enter the reason for the referral"
    }
    assert _refer(db, world).ok
    again = hubs.refer(db, world.person, world.network.id, hubs.ReferToHub(world.hub.id, "Again"), world.nurse)
    assert again.errors == {"hub_agency_id": "Wakefield Frailty Hub has already been asked, or is involved"}


def test_the_hub_sees_its_caseload_across_networks(db, world):
    _refer(db, world)
    other = factories.person(db, factories.agency(db, AgencyKind.gp_practice, world.other_network), given_name="Bea")
    hubs.refer(db, other, world.other_network.id, hubs.ReferToHub(world.hub.id, "Breathless"), world.nurse)
    db.commit()
    caseload = hubs.caseload(db, world.hub)
    assert [r.person.given_name for r in caseload.requested] == ["Ada", "Bea"]
    assert caseload.by_network == [("Pontefract", 1), ("Wakefield North", 1)]


def test_accepting_joins_the_care_team_so_the_hub_owns_actions_and_ending_leaves_it(db, world):
    referral = _refer(db, world).item
    assert access.decide(db, world.hub_nurse, world.person).allowed is False
    accepted = hubs.respond(db, referral, world.person, hubs.RespondToReferral("accept", None, 1), world.hub_nurse)
    db.commit()
    assert accepted.ok and referral.status is HubReferralStatus.accepted
    [member] = _members(db, world)
    assert member.role == "Wakefield Frailty Hub" and member.left_at is None
    assert access.decide(db, world.hub_nurse, world.person).basis == "care team"
    action = commands.add_item(
        db,
        world.plan,
        world.person,
        AddItem(PlanItemType.action, {"description": "Frailty review"}, owner_agency_id=world.hub.id),
        world.nurse,
    )
    db.commit()
    assert action.ok
    # While it owns an open action the hub stays in the team, and the referral stays open.
    refused = hubs.respond(db, referral, world.person, hubs.RespondToReferral("end", None, referral.version), world.hub_nurse)
    db.commit()
    assert refused.refused and "still has 1 open action" in refused.refused
    assert db.get(HubReferral, referral.id).status is HubReferralStatus.accepted
    action.item.status = "cancelled"
    db.add(action.item)
    db.commit()
    ended = hubs.respond(db, referral, world.person, hubs.RespondToReferral("end", None, referral.version), world.hub_nurse)
    db.commit()
    assert ended.ok and db.get(HubReferral, referral.id).status is HubReferralStatus.ended
    assert _members(db, world)[0].left_at is not None


def test_declining_needs_a_reason_and_joins_nothing(db, world):
    referral = _refer(db, world).item
    assert hubs.respond(db, referral, world.person, hubs.RespondToReferral("decline", "", 1), world.hub_nurse).errors == {
        "note": "Enter the reason"
    }
    assert hubs.respond(db, referral, world.person, hubs.RespondToReferral("decline", "Not frail enough", 1), world.hub_nurse).ok
    db.commit()
    assert _members(db, world) == []
    late = hubs.respond(db, db.get(HubReferral, referral.id), world.person, hubs.RespondToReferral("accept", None, 2), world.hub_nurse)
    assert late.refused == "This referral is declined."


def test_a_stale_answer_is_refused_and_nothing_joins(db, world):
    referral = _refer(db, world).item
    stale = hubs.respond(db, referral, world.person, hubs.RespondToReferral("accept", None, 7), world.hub_nurse)
    db.commit()
    assert stale.refused == "Someone in the hub answered this referral first."
    assert _members(db, world) == []


def test_a_person_who_objected_to_the_hub_is_not_referred_nor_listed(db, world):
    referral = _refer(db, world).item
    db.add(ConsentObjection(person_id=world.person.id, agency_id=world.hub.id, recorded_by_id=world.nurse.id))
    db.commit()
    assert hubs.caseload(db, world.hub).rows == []
    with pytest.raises(access.AccessRefused):
        access.hub_referral_for(db, world.hub_nurse, referral.id, "respond")


def test_the_hub_pages_are_for_hub_staff_only(client, auth, db, world):
    _refer(db, world)
    for username in ("nurse", "lead", "coordinator", "admin"):
        auth.sign_in(username)
        assert client.get("/hub").status_code == 403, username
        auth.sign_out()
    auth.sign_in("hubnurse")
    page = client.get("/hub")
    assert page.status_code == 200 and "LOVELACE" in page.get_data(as_text=True)


def test_a_key_worker_refers_from_the_plan_and_the_hub_accepts_over_http(client, auth, db, world):
    auth.sign_in("nurse")
    assert client.get(f"/people/{world.person.id}/hub-referrals/new").status_code == 200
    bad = auth.post(f"/people/{world.person.id}/hub-referrals", {"hub_agency_id": "", "reason": ""})
    assert bad.status_code == 400 and db.exec(select(HubReferral)).all() == []
    assert auth.post(f"/people/{world.person.id}/hub-referrals", {"hub_agency_id": world.hub.id, "reason": "Falls"}).status_code == 302
    referral = db.exec(select(HubReferral)).one()
    auth.sign_out()
    auth.sign_in("hubnurse")
    declined_without_reason = auth.post(f"/hub/referrals/{referral.id}", {"version": "1", "response": "decline"})
    assert declined_without_reason.status_code == 400 and "Enter the reason" in declined_without_reason.get_data(as_text=True)
    assert auth.post(f"/hub/referrals/{referral.id}", {"version": "1", "response": "accept"}).status_code == 302
    assert client.get(f"/people/{world.person.id}/care-plan").status_code == 200
    assert auth.post("/hub/referrals/999999", {"version": "1", "response": "accept"}).status_code == 404
