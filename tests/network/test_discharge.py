"""The discharge board's rules and figures, without HTTP."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from app.front_door import clocks
from app.network import discharge
from models import ConsentObjection, DelayReason, DischargeWait, Referral, ReferralStatus, Urgency
from tests import factories
from tests.factories import PlanWorld


def test_delayed_days_are_spread_over_the_weeks_they_fall_in():
    monday = date(2026, 11, 2)
    weeks = [0, 0, 0]
    discharge._spread(weeks, monday, monday + timedelta(days=5), monday + timedelta(days=16))
    assert weeks == [2, 7, 2]
    before = [0, 0]
    discharge._spread(before, monday, monday - timedelta(days=10), monday + timedelta(days=1))
    assert before == [1, 0]


TODAY = date.today()


@pytest.fixture
def world(db):
    return PlanWorld(db)


def _ward_referral(db, person, ready, status=ReferralStatus.accepted, network_id=None):
    now = datetime.now(UTC)
    row = Referral(
        person_id=person.id,
        source="hospital_discharge",
        referrer_name="Ward",
        reason="Home",
        requested_urgency=Urgency.urgent,
        urgency=Urgency.urgent,
        status=status,
        received_at=now,
        due_by=clocks.due_by(now, Urgency.urgent),
        medically_optimised_on=ready,
        network_id=network_id,
    )
    db.add(row)
    db.commit()
    return row


def _record(db, world, referral, person, **values):
    wait = db.exec(select(DischargeWait).where(DischargeWait.referral_id == referral.id)).first()
    command = discharge.RecordDischarge(values.get("reason"), None, values.get("home_on"), (), wait.version if wait else 0)
    result = discharge.record(db, referral, person, wait, command, world.lead, TODAY)
    db.commit()
    return result


def test_the_board_shows_the_networks_waiting_people_by_days_since_ready(db, world):
    _ward_referral(db, world.person, TODAY - timedelta(days=6))
    other = factories.person(db, world.practice, given_name="Bea")
    _ward_referral(db, other, TODAY - timedelta(days=2))
    _ward_referral(db, factories.person(db, world.practice, given_name="Cy"), TODAY - timedelta(days=9), status=ReferralStatus.declined)
    _ward_referral(db, factories.person(db, world.practice, given_name="Di"), TODAY - timedelta(days=9), network_id=world.other_network.id)
    board = discharge.board(db, world.network.id, TODAY)
    assert [(row.person.given_name, row.days_since_ready) for row in board.waiting] == [("Ada", 6), ("Bea", 2)]
    assert board.delayed_days == 8 and board.home == []


def test_delayed_days_count_against_the_reason_and_stop_at_home(db, world):
    referral = _ward_referral(db, world.person, TODAY - timedelta(days=6))
    assert _record(db, world, referral, world.person, reason=DelayReason.equipment).ok
    figures = discharge.figures(db, TODAY)
    assert figures.by_network_and_reason == {"Wakefield North": {"Equipment": 6}} and figures.waiting == 1
    assert _record(db, world, referral, world.person, reason=DelayReason.equipment, home_on=TODAY - timedelta(days=2)).ok
    figures = discharge.figures(db, TODAY)
    assert figures.by_network_and_reason == {"Wakefield North": {"Equipment": 4}}
    assert (figures.waiting, figures.home, figures.median_days_home) == (0, 1, 4)
    assert sum(figures.by_week) == 4
    board = discharge.board(db, world.network.id, TODAY)
    assert board.waiting == [] and [row.days_since_ready for row in board.home] == [4]


def test_home_before_ready_or_a_gate_from_another_plan_is_refused(db, world):
    referral = _ward_referral(db, world.person, TODAY - timedelta(days=6))
    early = _record(db, world, referral, world.person, home_on=TODAY - timedelta(days=7))
    assert list(early.errors) == ["home_on-day"]
    command = discharge.RecordDischarge(None, None, None, (999999,), 0)
    assert discharge.record(db, referral, world.person, None, command, world.lead, TODAY).errors == {
        "gate": "Select actions from this person's care plan"
    }


def test_a_stale_save_is_a_conflict(db, world):
    referral = _ward_referral(db, world.person, TODAY - timedelta(days=6))
    assert _record(db, world, referral, world.person, reason=DelayReason.housing).ok
    wait = db.exec(select(DischargeWait)).one()
    stale = discharge.record(db, referral, world.person, wait, discharge.RecordDischarge(None, None, None, (), 0), world.lead, TODAY)
    assert stale.conflict is not None
    fresh_again = discharge.record(db, referral, world.person, None, discharge.RecordDischarge(None, None, None, (), 1), world.lead, TODAY)
    assert fresh_again.refused


def test_the_board_is_read_a_page_at_a_time_longest_wait_first(db, world):
    people = [factories.person(db, world.practice, given_name=f"P{n:02}") for n in range(discharge.BOARD_PAGE + 3)]
    for n, person in enumerate(people):
        _ward_referral(db, person, TODAY - timedelta(days=40 - n))
    first = discharge.board(db, world.network.id, TODAY)
    second = discharge.board(db, world.network.id, TODAY, page=2)
    assert [row.person.given_name for row in first.waiting + second.waiting] == [p.given_name for p in people]
    assert (len(first.waiting), first.more_waiting, len(second.waiting), second.more_waiting) == (discharge.BOARD_PAGE, True, 3, False)
    figures = discharge.figures(db, TODAY, world.network.id, since=TODAY - discharge.RECENTLY_HOME)
    assert figures.waiting == len(people) and figures.waiting_days == sum(40 - n for n in range(len(people)))


def test_those_home_are_paged_latest_home_first(db, world):
    for n in range(discharge.HOME_PAGE + 1):
        person = factories.person(db, world.practice, given_name=f"H{n:02}")
        referral = _ward_referral(db, person, TODAY - timedelta(days=30))
        assert _record(db, world, referral, person, home_on=TODAY - timedelta(days=n)).ok
    first = discharge.board(db, world.network.id, TODAY)
    assert [row.home_on for row in first.home] == [TODAY - timedelta(days=n) for n in range(discharge.HOME_PAGE)] and first.more_home
    assert [row.person.given_name for row in discharge.board(db, world.network.id, TODAY, home_page=2).home] == [
        f"H{discharge.HOME_PAGE:02}"
    ]


def test_the_board_follows_the_network_the_referral_or_the_practice_moves_to(db, world):
    referral = _ward_referral(db, world.person, TODAY - timedelta(days=3))
    assert [row.referral.id for row in discharge.board(db, world.network.id, TODAY).waiting] == [referral.id]
    world.practice.network_id = world.other_network.id
    db.add(world.practice)
    db.commit()
    assert discharge.board(db, world.network.id, TODAY).waiting == []
    assert [row.referral.id for row in discharge.board(db, world.other_network.id, TODAY).waiting] == [referral.id]
    referral.network_id = world.network.id
    db.add(referral)
    db.commit()
    assert [row.referral.id for row in discharge.board(db, world.network.id, TODAY).waiting] == [referral.id]
    referral.status = ReferralStatus.declined
    db.add(referral)
    db.commit()
    assert discharge.board(db, world.network.id, TODAY).waiting == []


def test_the_figures_leave_out_those_home_before_their_period(db, world):
    long_ago = _ward_referral(db, world.person, TODAY - timedelta(days=200))
    assert _record(db, world, long_ago, world.person, reason=DelayReason.housing, home_on=TODAY - timedelta(days=190)).ok
    other = factories.person(db, world.practice, given_name="Bea")
    _ward_referral(db, other, TODAY - timedelta(days=3))
    figures = discharge.figures(db, TODAY)
    assert (figures.waiting, figures.home, figures.by_network_and_reason) == (1, 0, {"Wakefield North": {"Not recorded": 3}})


def test_the_board_page_links_to_the_next_page_of_those_waiting(client, auth, db, world):
    for n in range(discharge.BOARD_PAGE + 1):
        _ward_referral(db, factories.person(db, world.practice, given_name=f"W{n:02}"), TODAY - timedelta(days=30 - n))
    auth.sign_in(world.lead.username)
    page = client.get(f"/networks/{world.network.id}/discharges").get_data(as_text=True)
    assert f"{discharge.BOARD_PAGE + 1} people are waiting" in page and "W00" in page and f"W{discharge.BOARD_PAGE:02}" not in page
    assert f"/networks/{world.network.id}/discharges?page=2" in page
    second = client.get(f"/networks/{world.network.id}/discharges?page=2").get_data(as_text=True)
    assert f"W{discharge.BOARD_PAGE:02}" in second and "W00" not in second


def test_the_boards_figures_added_up_by_the_database_are_those_counted_one_by_one(db, world):
    reasons = [None, DelayReason.equipment, DelayReason.housing]
    for n in range(14):
        person = factories.person(db, world.practice, given_name=f"F{n:02}")
        referral = _ward_referral(db, person, TODAY - timedelta(days=3 + 3 * n) if n != 13 else TODAY + timedelta(days=2))
        home_on = TODAY - timedelta(days=n) if n % 3 == 0 and n < 12 else (TODAY - timedelta(days=35) if n == 12 else None)
        if reasons[n % 3] or home_on:
            assert _record(db, world, referral, person, reason=reasons[n % 3], home_on=home_on).ok
    _ward_referral(
        db, factories.person(db, world.practice, given_name="Other"), TODAY - timedelta(days=4), network_id=world.other_network.id
    )
    added = discharge.board_figures(db, TODAY, world.network.id)
    counted = discharge.figures(db, TODAY, world.network.id, since=TODAY - discharge.RECENTLY_HOME)
    assert (added.waiting, added.waiting_days, added.home, added.median_days_home) == (
        counted.waiting,
        counted.waiting_days,
        counted.home,
        counted.median_days_home,
    )
    assert added.by_network_and_reason == counted.by_network_and_reason and added.reasons == counted.reasons
    assert (added.waiting, added.home) == (8, 4)  # one ready only from the day after tomorrow, one home five weeks ago


def test_a_median_of_counts_is_statistics_median():
    assert discharge._median_of_counts({}) is None
    assert discharge._median_of_counts({3: 1}) == 3
    assert discharge._median_of_counts({1: 2, 5: 2}) == 3
    assert discharge._median_of_counts({1: 1, 2: 1, 9: 1}) == 2


def test_the_boards_figures_leave_out_those_who_objected_to_the_viewers_agency_as_its_rows_do(db, world, client, auth):
    agency = world.lead.agency_id
    objector = factories.person(db, world.practice, given_name="Obi")
    kept = _ward_referral(db, world.person, TODAY - timedelta(days=6))
    assert _record(db, world, kept, world.person, reason=DelayReason.equipment).ok
    waiting = _ward_referral(db, objector, TODAY - timedelta(days=9))
    assert _record(db, world, waiting, objector, reason=DelayReason.housing).ok
    home = _ward_referral(db, objector, TODAY - timedelta(days=20))
    assert _record(db, world, home, objector, reason=DelayReason.equipment, home_on=TODAY - timedelta(days=3)).ok
    everyone = discharge.board_figures(db, TODAY, world.network.id)
    assert (everyone.waiting, everyone.waiting_days, everyone.home) == (2, 15, 1)
    db.add(ConsentObjection(person_id=objector.id, agency_id=agency, recorded_by_id=world.lead.id))
    db.add(ConsentObjection(person_id=objector.id, agency_id=world.social_care.id, recorded_by_id=world.lead.id))
    db.commit()
    board = discharge.board(db, world.network.id, TODAY, agency)
    seen = discharge.board_figures(db, TODAY, world.network.id, agency)
    assert [row.person.given_name for row in board.waiting] == ["Ada"] and board.home == []
    assert (seen.waiting, seen.waiting_days, seen.home, seen.median_days_home) == (1, 6, 0, None)
    assert seen.by_network_and_reason == {"Wakefield North": {"Equipment": 6}} and seen.reasons == ["Equipment"]
    # A viewer of another agency still sees everyone.
    assert discharge.board_figures(db, TODAY, world.network.id, world.nursing.id).waiting == 2
    auth.sign_in(world.lead.username)
    page = client.get(f"/networks/{world.network.id}/discharges").get_data(as_text=True)
    assert "1 person is waiting to come home from hospital: 6 delayed days" in page


def test_the_all_networks_figures_added_up_by_the_database_are_those_counted_one_by_one(db, world):
    from statistics import median

    from models import DischargeBoardEntry

    reasons = [None, DelayReason.equipment, DelayReason.housing, DelayReason.package_of_care]
    for n in range(16):
        person = factories.person(db, world.practice, given_name=f"A{n:02}")
        ready = TODAY - timedelta(days=2 + 7 * n) if n != 15 else TODAY + timedelta(days=1)  # some before the twelve weeks
        referral = _ward_referral(db, person, ready, network_id=world.other_network.id if n % 5 == 4 else None)
        home_on = ready + timedelta(days=n) if n % 2 == 0 and ready + timedelta(days=n) <= TODAY else None
        if reasons[n % 4] or home_on:
            assert _record(db, world, referral, person, reason=reasons[n % 4], home_on=home_on).ok
    for network_id in (None, world.network.id):
        figures = discharge.figures(db, TODAY, network_id)
        first_week = figures.weeks[0]
        by_week = [0] * discharge.WEEKS
        home: list[int] = []
        home_by_network: dict[int, list[int]] = {}
        for row in db.exec(select(DischargeBoardEntry)).all():
            if row.ready_on > TODAY or (network_id is not None and row.network_id != network_id):
                continue
            if row.home_on is not None and row.home_on < first_week:
                continue
            days = max(((row.home_on or TODAY) - row.ready_on).days, 0)
            discharge._spread(by_week, first_week, row.ready_on, row.ready_on + timedelta(days=days))
            if row.home_on is not None:
                home.append(days)
                home_by_network.setdefault(row.network_id, []).append(days)
        assert figures.by_week == by_week and any(by_week)
        assert figures.home == len(home) and figures.median_days_home == median(home)
        assert type(figures.median_days_home) is type(median(home))  # shown as the page showed it ("3", not "3.0")
        names = {world.network.id: world.network.name, world.other_network.id: world.other_network.name}
        assert {names[n]: median(days) for n, days in home_by_network.items()} == {
            name: value for name, value in figures.median_by_network.items() if value is not None
        }
