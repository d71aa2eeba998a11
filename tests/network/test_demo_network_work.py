"""The demo district's network at work: hubs across networks, meetings with decided agendas and a
coming one, and discharge boards with reasons and people home, agreeing with the records."""

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from models import CareTeamMember, DischargeWait, HubNetwork, HubReferral, HubReferralStatus, MdtAgendaItem, MdtMeeting, Network, User
from tests.conftest import AuthActions


@pytest.fixture
def built(runner, db):
    result = runner.invoke(args=["demo-data", "--people", "600", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "network work:" in result.output
    return result


def test_every_network_has_past_meetings_with_decisions_and_a_coming_one(db, built):
    networks = db.exec(select(Network.id)).all()
    for network_id in networks:
        meetings = db.exec(select(MdtMeeting).where(MdtMeeting.network_id == network_id)).all()
        assert len(meetings) == 7
    decided = db.exec(select(func.count()).select_from(MdtAgendaItem).where(col(MdtAgendaItem.decided_at).is_not(None))).one()
    waiting = db.exec(select(func.count()).select_from(MdtAgendaItem).where(col(MdtAgendaItem.decided_at).is_(None))).one()
    assert decided > 0 and waiting > 0


def test_hubs_serve_several_networks_and_accepted_ones_are_in_the_care_team(db, built):
    served = db.exec(select(HubNetwork.hub_agency_id, func.count()).group_by(col(HubNetwork.hub_agency_id))).all()
    assert len(served) == 5 and all(count >= 3 for _, count in served)
    accepted = db.exec(select(HubReferral).where(HubReferral.status == HubReferralStatus.accepted)).all()
    assert accepted
    for referral in accepted:
        assert db.exec(
            select(CareTeamMember).where(
                CareTeamMember.person_id == referral.person_id,
                CareTeamMember.agency_id == referral.hub_agency_id,
                col(CareTeamMember.left_at).is_(None),
            )
        ).first()


def test_discharge_boards_have_people_waiting_and_home_with_reasons(db, built):
    waits = db.exec(select(DischargeWait)).all()
    assert any(w.home_on is None for w in waits) and any(w.home_on is not None for w in waits)
    assert any(w.delay_reason is not None for w in waits)


def test_the_demo_lead_and_hub_pages_open(client, db, built):
    auth = AuthActions(client)
    lead = db.exec(select(User).where(User.username == "lead")).one()
    client.post("/sign-in", data={"username": "lead", "password": "oneplan-demo-2026", "csrf_token": auth.csrf_token()})
    for url in (
        f"/networks/{lead.network_id}",
        f"/networks/{lead.network_id}/meetings",
        f"/networks/{lead.network_id}/discharges",
        "/discharges/figures",
    ):
        assert client.get(url).status_code == 200, url
    meeting = db.exec(select(MdtMeeting).where(MdtMeeting.network_id == lead.network_id).order_by(col(MdtMeeting.held_on).desc())).first()
    assert client.get(f"/networks/{lead.network_id}/meetings/{meeting.id}").status_code == 200
    auth.sign_out()
    client.post("/sign-in", data={"username": "hub", "password": "oneplan-demo-2026", "csrf_token": auth.csrf_token()})
    assert client.get("/hub").status_code == 200
