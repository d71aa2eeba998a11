"""Front-door figures computed from referrals with known answers, and the page that shows them."""

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from app.front_door import clocks
from app.front_door import figures as front_door_figures
from models import AuditEvent, AuditOutcome, Referral, ReferralSource, ReferralStatus, Urgency
from tests import factories
from tests.factories import World

# A Wednesday afternoon in winter (UK time is UTC), far from bank holidays.
NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)


def add(db, world, *, received, urgency=Urgency.urgent, source=ReferralSource.gp, triaged_after=None, status=None, person=None, **fields):
    triaged_at = received + triaged_after if triaged_after is not None else None
    referral = Referral(
        person_id=(person or world.person).id,
        source=source,
        referrer_name="Dr Rao",
        reason="Falls",
        requested_urgency=urgency,
        urgency=urgency,
        status=status or (ReferralStatus.accepted if triaged_at else ReferralStatus.received),
        received_at=received,
        due_by=clocks.due_by(received, urgency),
        triaged_at=triaged_at,
        decided_at=triaged_at,
        **fields,
    )
    db.add(referral)
    db.commit()
    return referral


def test_referrals_a_day_are_counted_by_source_in_uk_days(db):
    world = World(db)
    add(db, world, received=NOW - timedelta(hours=1), source=ReferralSource.gp)
    add(db, world, received=NOW - timedelta(hours=2), source=ReferralSource.ambulance)
    add(db, world, received=NOW - timedelta(days=1), source=ReferralSource.gp)
    add(db, world, received=NOW - timedelta(days=6, hours=14), source=ReferralSource.family)  # first day of 7
    add(db, world, received=NOW - timedelta(days=8), source=ReferralSource.gp)  # outside 7 days

    figures = front_door_figures.compute(db, NOW, days=7)
    assert figures.days[0] == date(2026, 11, 12) and figures.days[-1] == date(2026, 11, 18)
    assert figures.by_source[ReferralSource.gp] == [0, 0, 0, 0, 0, 1, 1]
    assert figures.by_source[ReferralSource.ambulance][-1] == 1
    assert figures.by_source[ReferralSource.family][0] == 1
    assert figures.received == 4
    assert figures.daily_totals == [1, 0, 0, 0, 0, 1, 2]
    assert figures.sources_seen == [ReferralSource.gp, ReferralSource.ambulance, ReferralSource.family]


def test_share_within_each_standard_and_the_two_hour_target(db):
    world = World(db)
    base = NOW - timedelta(days=3)
    # Urgent: 3 responded within 2 hours, 1 late, 1 never responded (overdue): 3 of 5 = 60%, target 70% not met.
    for minutes in (10, 50, 119):
        add(db, world, received=base, triaged_after=timedelta(minutes=minutes))
    add(db, world, received=base, triaged_after=timedelta(hours=3))
    add(db, world, received=base)
    # Urgent but not yet due: not counted either way.
    add(db, world, received=NOW - timedelta(minutes=30))
    # Two-day: 1 of 1 within.
    add(db, world, received=NOW - timedelta(days=5), urgency=Urgency.two_day, triaged_after=timedelta(days=1))

    figures = front_door_figures.compute(db, NOW, days=28)
    by_urgency = {row.urgency: row for row in figures.standards}
    urgent = by_urgency[Urgency.urgent]
    assert (urgent.clock_finished, urgent.in_time) == (5, 3)
    assert urgent.share == 0.6 and urgent.target == 0.7 and urgent.target_met is False
    assert (by_urgency[Urgency.two_day].clock_finished, by_urgency[Urgency.two_day].in_time) == (1, 1)
    assert by_urgency[Urgency.two_day].target_met is None  # no national target set for it
    assert by_urgency[Urgency.routine].share is None

    # Medians over those triaged in the period: urgent 10, 50, 119, 180 minutes -> 84.5; with 1440 (two-day) -> 119.
    assert figures.median_minutes_by_urgency[Urgency.urgent] == 84.5
    assert figures.median_minutes_to_triage == 119
    assert figures.triaged == 5


def test_the_target_is_met_at_seventy_percent(db):
    world = World(db)
    base = NOW - timedelta(days=1)
    for n in range(10):
        add(db, world, received=base, triaged_after=timedelta(minutes=30 if n < 7 else 200))
    urgent = front_door_figures.compute(db, NOW).standards[0]
    assert urgent.share == 0.7 and urgent.target_met is True


def test_open_referrals_by_network_use_the_allocated_network_else_the_gp_practices(db):
    world = World(db)
    other_practice = factories.agency(db, factories.AgencyKind.gp_practice, world.other_network, name="Pontefract Surgery")
    pontefract_person = factories.person(db, other_practice, given_name="Grace", family_name="Hopper")
    add(db, world, received=NOW - timedelta(hours=1))  # Wakefield North, from Ada's practice
    add(db, world, received=NOW - timedelta(hours=1), person=pontefract_person)
    add(
        db,
        world,
        received=NOW - timedelta(hours=1),
        person=pontefract_person,
        network_id=world.network.id,
        triaged_after=timedelta(minutes=5),
    )  # allocated to Wakefield North
    add(db, world, received=NOW - timedelta(days=2), status=ReferralStatus.closed)  # closed: not open

    figures = front_door_figures.compute(db, NOW)
    assert figures.open_by_network == [("Pontefract", 1), ("Wakefield North", 2)]


def test_delayed_discharges_count_days_since_medically_optimised(db):
    world = World(db)
    discharge = dict(source=ReferralSource.hospital_discharge, urgency=Urgency.two_day, ward="Ward 4")
    add(db, world, received=NOW - timedelta(days=10), medically_optimised_on=date(2026, 11, 8), **discharge)  # 10 days
    add(db, world, received=NOW - timedelta(days=1), medically_optimised_on=date(2026, 11, 17), **discharge)  # 1 day
    add(db, world, received=NOW - timedelta(days=1), medically_optimised_on=date(2026, 11, 20), **discharge)  # not yet
    add(
        db,
        world,
        received=NOW - timedelta(days=3),
        medically_optimised_on=date(2026, 11, 15),
        triaged_after=timedelta(hours=4),
        **discharge,
    )  # accepted: no longer waiting on the front door

    figures = front_door_figures.compute(db, NOW)
    assert [(d.days, d.ward) for d in figures.delayed] == [(10, "Ward 4"), (1, "Ward 4")]
    assert figures.delay_bands == [("0 to 2 days", 1), ("3 to 6 days", 0), ("7 to 13 days", 1), ("14 days or more", 0)]


def test_the_longest_delays_listed_are_the_longest_of_both_statuses_in_day_then_referral_order(db):
    """More waiting in each status than the list shows, on days shared across both statuses: the
    list (the first of each status's range, merged) is the DELAYED_LISTED longest of them all, by
    the day ready and then the referral, as sorting them all would give."""
    world = World(db)
    discharge = dict(source=ReferralSource.hospital_discharge, urgency=Urgency.two_day, ward="Ward 4")
    waiting = []
    for n in range(front_door_figures.DELAYED_LISTED + 15):
        for status in (ReferralStatus.triaged, ReferralStatus.received):  # triaged first: ids interleave
            ready = date(2026, 11, 17) - timedelta(days=(n * 7 + (status is ReferralStatus.received) * 3) % 40)
            referral = add(db, world, received=NOW - timedelta(days=41), status=status, medically_optimised_on=ready, **discharge)
            waiting.append((ready, referral.id))
    add(db, world, received=NOW - timedelta(days=50), medically_optimised_on=date(2026, 9, 1), status=ReferralStatus.accepted, **discharge)
    add(db, world, received=NOW - timedelta(days=50), medically_optimised_on=date(2026, 9, 1), source=ReferralSource.gp)

    figures = front_door_figures.compute(db, NOW)
    expected = sorted(waiting)[: front_door_figures.DELAYED_LISTED]
    assert [(d.medically_optimised_on, d.referral_id) for d in figures.delayed] == expected
    assert {d.status for d in figures.delayed} == {ReferralStatus.received, ReferralStatus.triaged}
    assert figures.delayed_count == len(waiting)


def test_the_page_draws_charts_with_tables_and_is_audited(client, auth, db):
    world = World(db)
    add(db, world, received=datetime.now(UTC) - timedelta(days=1), triaged_after=timedelta(minutes=30))
    auth.sign_in("coordinator")
    response = client.get("/referrals/metrics?days=7")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.count("<svg") >= 3 and 'role="img"' in body
    assert "Urgent community response" in body and "At least 70%" in body
    assert "Wakefield North" in body
    assert "Last 7 days" in body
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "view_front_door_figures")).one()
    assert event.user_id == world.coordinator.id and event.person_id is None


def test_an_unknown_period_falls_back_to_28_days(client, auth, db):
    World(db)
    auth.sign_in("lead")
    body = client.get("/referrals/metrics?days=1000' OR 1=1").get_data(as_text=True)
    assert 'value="28" selected' in body


def test_practitioners_and_administrators_are_refused_and_audited(client, auth, db):
    World(db)
    for username in ("nurse", "admin"):
        auth.sign_in(username)
        assert client.get("/referrals/metrics").status_code == 403
        auth.sign_out()
    refusals = db.exec(select(AuditEvent).where(AuditEvent.outcome == AuditOutcome.refused)).all()
    assert len(refusals) == 2


def test_todays_referrals_come_from_the_summary_less_those_received_after_now(db):
    world = World(db)
    add(db, world, received=NOW - timedelta(hours=3), source=ReferralSource.gp)
    add(db, world, received=NOW + timedelta(hours=2), source=ReferralSource.gp)  # later today than `now`
    add(db, world, received=NOW + timedelta(hours=3), source=ReferralSource.ambulance)
    add(db, world, received=NOW + timedelta(hours=10), source=ReferralSource.gp)  # tomorrow
    figures = front_door_figures.compute(db, NOW, days=7)
    assert figures.by_source[ReferralSource.gp][-1] == 1 and figures.by_source[ReferralSource.ambulance][-1] == 0
    assert figures.received == 1 and figures.sources_seen == [ReferralSource.gp]
    later = front_door_figures.compute(db, NOW + timedelta(hours=4), days=7)
    assert later.by_source[ReferralSource.gp][-1] == 2 and later.by_source[ReferralSource.ambulance][-1] == 1


def test_the_kept_columns_and_rows_are_those_rendered_afresh(app, db):
    world = World(db)
    for hours in (1, 30, 50, 75):
        add(db, world, received=NOW - timedelta(hours=hours), source=ReferralSource.gp if hours % 2 else ReferralSource.ambulance)
    figures = front_door_figures.compute(db, NOW, days=7)
    chart = front_door_figures.stacked_columns(figures)
    with app.test_request_context("/referrals/metrics"):
        macros = app.jinja_env.get_template("front_door/_daily.html").module
        kept = [front_door_figures.daily_markup(macros, chart, figures) for _ in range(2)]
        fresh = front_door_figures.daily_markup(macros, chart, figures, kept=False)
    assert kept[0] == kept[1] == fresh
    assert "18 November 2026: 1 from GP" in fresh[0] and "<strong>4</strong>" not in fresh[1]
