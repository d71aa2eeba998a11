"""The network dashboard: caseload by frailty band, overdue actions by agency, referrals and their
response times, discharge delays and meeting throughput, in a fixed number of statements."""

from datetime import UTC, date, datetime, timedelta

import pytest

from app.assessment import service
from app.care_plan import commands
from app.care_plan.commands import AddItem
from app.front_door import clocks
from app.network import dashboard, mdt
from models import MdtMeeting, PlanItemType, Referral, ReferralStatus, Urgency
from tests import factories
from tests.factories import PlanWorld

TODAY = date.today()


@pytest.fixture
def world(db):
    world = PlanWorld(db)
    assessment = service.open_assessment(db, world.person, world.nurse)
    assert service.save_section(db, assessment, service.SaveSection("physical", {"cfs_level": "moderate_frailty"}, 0), world.nurse).ok
    overdue = AddItem(
        PlanItemType.action,
        {"description": "Visit", "due_on": (TODAY - timedelta(days=3)).isoformat()},
        owner_agency_id=world.social_care.id,
    )
    assert commands.add_item(db, world.plan, world.person, overdue, world.nurse).ok
    now = datetime.now(UTC)
    db.add(
        Referral(
            person_id=world.person.id,
            source="gp",
            referrer_name="Dr Rao",
            reason="Falls",
            requested_urgency=Urgency.urgent,
            urgency=Urgency.urgent,
            status=ReferralStatus.triaged,
            received_at=now - timedelta(hours=3),
            triaged_at=now - timedelta(hours=2),
            due_by=clocks.due_by(now - timedelta(hours=3), Urgency.urgent),
        )
    )
    meeting = MdtMeeting(network_id=world.network.id, held_on=TODAY - timedelta(days=7), place="Surgery")
    db.add(meeting)
    db.commit()
    item = mdt.MdtAgendaItem(
        meeting_id=meeting.id, person_id=world.person.id, question="Q", decision="Carry on", decided_at=now, actions_created=1
    )
    db.add(item)
    db.commit()
    return world


def test_the_dashboard_counts_what_the_lead_needs(db, world):
    board = dashboard.build(db, world.network.id, TODAY, reviews_overdue=0)
    assert board.caseload == 1
    assert dict(board.frailty_bands)["Moderate frailty (6)"] == 1
    assert board.overdue_by_agency == [("Adult Social Care", 1)]
    assert (board.referrals.received, board.referrals.triaged, board.referrals.in_time, board.referrals.median_minutes) == (1, 1, 1, 60)
    assert (board.meetings.held, board.meetings.discussed, board.meetings.decided, board.meetings.actions) == (1, 1, 1, 1)
    other = dashboard.build(db, world.other_network.id, TODAY, reviews_overdue=0)
    assert (other.caseload, other.overdue_by_agency, other.referrals.received, other.meetings.held) == (0, [], 0, 0)


def test_frailty_bands_follow_the_clinical_frailty_scale_levels():
    assert [dashboard.frailty_band(level) for level in (None, 1, 3, 4, 5, 6, 7, 9)] == [
        "Not assessed",
        "Fit or managing well (1 to 3)",
        "Fit or managing well (1 to 3)",
        "Very mild or mild frailty (4 to 5)",
        "Very mild or mild frailty (4 to 5)",
        "Moderate frailty (6)",
        "Severe frailty or end of life (7 to 9)",
        "Severe frailty or end of life (7 to 9)",
    ]


def test_the_dashboard_page_shows_charts_with_tables_in_a_fixed_number_of_statements(client, auth, db, world, count_queries):
    auth.sign_in("lead")
    url = f"/networks/{world.network.id}"
    client.get(url)
    with count_queries() as before:
        page = client.get(url).get_data(as_text=True)
    assert "Caseload by frailty band" in page and 'role="img"' in page and "Adult Social Care" in page
    for n in range(5):
        person = factories.person(db, world.practice, given_name=f"Extra{n}")
        factories.team_member(db, person, world.nursing, key_worker=True)
    db.commit()
    with count_queries() as after:
        assert client.get(url).status_code == 200
    assert after.count == before.count
