"""The front-door figures from the summaries the database keeps (migration 0012_daily_figures) are
the figures counted from the referrals themselves, after intake and triage across midnight, a
change of clock, a referral joined to an open one, redirected to another network, declined and
closed, and a person or a GP practice moving network; the migration's backfill builds the same
summaries; and SQLite's England date is zoneinfo's, hour by hour."""

import importlib.util
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from statistics import median

import pytest
from sqlalchemy import and_, case, func, select, text
from sqlalchemy.orm import aliased
from sqlmodel import col

from app.front_door import figures as front_door_figures
from app.front_door import intake, triage
from app.front_door.clocks import ENGLAND, response_standards
from models import (
    OPEN_REFERRAL_STATUSES,
    Agency,
    AgencyKind,
    DailyFigures,
    Network,
    OpenReferralCount,
    Person,
    Referral,
    ReferralSource,
    TriageDecision,
    Urgency,
)
from tests import factories
from tests.factories import World

MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0012_daily_figures.py"


def migration():
    spec = importlib.util.spec_from_file_location("daily_figures_migration", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def counted_from_referrals(session, now: datetime, days: int) -> front_door_figures.Figures:
    """The figures as they were computed before the summaries: every referral of the period read."""
    start = front_door_figures.period_start(now, days)
    first_day = start.astimezone(ENGLAND).date()
    by_source = {source: [0] * days for source in ReferralSource}
    for received_at, source in session.execute(
        select(col(Referral.received_at), col(Referral.source)).where(col(Referral.received_at) >= start, col(Referral.received_at) <= now)
    ):
        index = (received_at.astimezone(ENGLAND).date() - first_day).days
        if 0 <= index < days:
            by_source[source][index] += 1
    in_time = case((and_(col(Referral.triaged_at).is_not(None), col(Referral.triaged_at) <= Referral.due_by), 1), else_=0)
    counts = {
        urgency: (total, int(ok or 0))
        for urgency, total, ok in session.execute(
            select(col(Referral.urgency), func.count(), func.sum(in_time))
            .where(col(Referral.due_by) >= start, col(Referral.due_by) <= now)
            .group_by(col(Referral.urgency))
        )
    }
    standards = [
        front_door_figures.StandardShare(urgency, standard.label, *counts.get(urgency, (0, 0)), standard.target_share)
        for urgency, standard in response_standards().items()
    ]
    minutes: dict[Urgency, list[int]] = {urgency: [] for urgency in Urgency}  # whole minutes, rounded down
    for received_at, triaged_at, urgency in session.execute(
        select(col(Referral.received_at), col(Referral.triaged_at), col(Referral.urgency)).where(
            col(Referral.triaged_at).is_not(None), col(Referral.triaged_at) >= start, col(Referral.triaged_at) <= now
        )
    ):
        minutes[urgency].append(max((triaged_at - received_at) // timedelta(minutes=1), 0))
    everything = [m for values in minutes.values() for m in values]
    practice = aliased(Agency)
    network_id = func.coalesce(Referral.network_id, practice.network_id)
    names = dict(session.execute(select(col(Network.id), col(Network.name))).all())
    open_rows = session.execute(
        select(network_id, func.count())
        .select_from(Referral)
        .join(Person, col(Person.id) == Referral.person_id)
        .outerjoin(practice, col(practice.id) == Person.gp_practice_id)
        .where(col(Referral.status).in_(OPEN_REFERRAL_STATUSES), col(Referral.linked_to_id).is_(None))
        .group_by(network_id)
    ).all()
    open_by_network = sorted(
        [(names.get(nid, "No network known"), count) for nid, count in open_rows], key=lambda item: (item[0] == "No network known", item[0])
    )
    delayed, delayed_count, delayed_by_band = front_door_figures._delayed_discharges(session, now)
    return front_door_figures.Figures(
        now=now,
        days=[first_day + timedelta(days=i) for i in range(days)],
        by_source=by_source,
        standards=standards,
        median_minutes_to_triage=median(everything) if everything else None,
        median_minutes_by_urgency={u: (median(v) if v else None) for u, v in minutes.items()},
        triaged=len(everything),
        open_by_network=open_by_network,
        delayed=delayed,
        delayed_count=delayed_count,
        delayed_by_band=delayed_by_band,
    )


def assert_same_figures(session, *moments: datetime) -> None:
    """The same figures, medians of the whole minutes exactly."""
    for now in moments:
        for days in front_door_figures.PERIODS:
            kept, counted = front_door_figures.compute(session, now, days), counted_from_referrals(session, now, days)
            assert kept == counted, (now, days)


# Saturday 24 October 2026, 23:30 in England (BST, 22:30 UTC); British Summer Time ends at 01:00 UTC on Sunday 25th.
SATURDAY_NIGHT = datetime(2026, 10, 24, 22, 30, tzinfo=UTC)


@pytest.fixture
def world(db):
    world = World(db)
    world.nurse.network_id = world.network.id
    db.add(world.nurse)
    world.other_practice = factories.agency(db, AgencyKind.gp_practice, world.other_network, name="Pontefract Surgery")
    world.third_network = factories.network(db, "Castleford")
    world.grace = factories.person(db, world.other_practice, given_name="Grace", family_name="Hopper")
    world.alan = factories.person(db, world.other_practice, given_name="Alan", family_name="Turing")
    db.commit()
    return world


def receive(db, world, person, now, urgency, source=ReferralSource.gp, **details):
    command = intake.ReceiveReferral(
        source=source,
        referrer_name="Dr Rao",
        reason="Falls",
        requested_urgency=urgency,
        person_id=person.id,
        **details,
    )
    result = intake.receive(db, command, world.coordinator, now)
    assert result.ok, result.errors
    db.commit()
    return result.referral


def decide(db, world, referral, now, **command):
    result = triage.decide(db, referral, triage.TriageReferral(**command), world.coordinator, referral.version, now)
    assert result.ok, result
    db.commit()


def test_the_summaries_give_the_figures_counted_from_the_referrals_through_intake_and_triage(db, world):
    t = SATURDAY_NIGHT
    first = receive(db, world, world.person, t, Urgency.routine)
    assert_same_figures(db, t, t + timedelta(minutes=45))

    # Past midnight in England (still Saturday in UTC): a referral for Grace, and a second one for
    # Ada, urgent, which joins her open referral and tightens its clock.
    t = SATURDAY_NIGHT + timedelta(hours=1)
    grace = receive(db, world, world.grace, t, Urgency.two_day, source=ReferralSource.ambulance)
    receive(db, world, world.person, t, Urgency.urgent, source=ReferralSource.family)
    db.refresh(first)
    assert first.urgency is Urgency.urgent
    assert_same_figures(db, t, t + timedelta(hours=3))

    # After the clocks go back: Ada's accepted into Wakefield North (late), Grace's redirected there
    # from Pontefract, a hospital discharge for Alan declined (open, on his practice's network).
    t = SATURDAY_NIGHT + timedelta(hours=4)
    decide(
        db,
        world,
        first,
        t,
        urgency=Urgency.urgent,
        decision=TriageDecision.accept,
        network_id=world.network.id,
        key_worker_id=world.nurse.id,
    )
    decide(
        db,
        world,
        grace,
        t,
        urgency=Urgency.routine,
        decision=TriageDecision.redirect,
        redirect_network_id=world.network.id,
        redirect_reason="Nearer",
    )
    alan = receive(
        db,
        world,
        world.alan,
        t,
        Urgency.two_day,
        source=ReferralSource.hospital_discharge,
        ward="Ward 7",
        medically_optimised_on=date(2026, 10, 23),
    )
    assert_same_figures(db, t, t + timedelta(days=1), t + timedelta(days=3))
    decide(db, world, alan, t + timedelta(days=1), urgency=Urgency.two_day, decision=TriageDecision.decline, decline_reason="Needs met")
    assert_same_figures(db, t + timedelta(days=1), t + timedelta(days=20))

    # Ada's closed; Alan moves to Ada's practice, then Pontefract's practice joins Castleford:
    # his open referral (no network of its own) follows his practice's network each time.
    t = SATURDAY_NIGHT + timedelta(days=2)
    db.refresh(first)
    assert triage.close(db, first, world.coordinator, first.version, t).ok
    db.commit()
    world.alan.gp_practice_id = world.practice.id
    db.add(world.alan)
    db.commit()
    assert_same_figures(db, t)
    world.alan.gp_practice_id = world.other_practice.id
    db.add(world.alan)
    world.other_practice.network_id = world.third_network.id
    db.add(world.other_practice)
    db.commit()
    figures = front_door_figures.compute(db, t)
    assert figures.open_by_network == [("Castleford", 1), ("Wakefield North", 1)]
    assert figures.received == 4 and figures.triaged == 3
    assert_same_figures(db, t, t + timedelta(days=7), t + timedelta(days=89), t + timedelta(days=120))


def test_the_backfill_builds_the_summaries_the_triggers_kept(db, world, is_postgres):
    t = SATURDAY_NIGHT
    for n, urgency in enumerate(Urgency):
        referral = receive(db, world, [world.person, world.grace, world.alan][n], t + timedelta(hours=n), urgency)
        if n:
            decide(
                db,
                world,
                referral,
                t + timedelta(hours=2 * n),
                urgency=Urgency.urgent,
                decision=TriageDecision.signpost,
                signposted_to="Lunch club",
            )

    def summaries():
        daily = db.scalars(select(DailyFigures).where(col(DailyFigures.received) + DailyFigures.due + DailyFigures.triaged > 0)).all()
        counts = db.scalars(select(OpenReferralCount).where(col(OpenReferralCount.count) != 0)).all()
        return sorted((d.day, d.source, d.urgency, d.received, d.due, d.due_in_time, d.triaged) for d in daily), sorted(
            (c.network_id, c.count) for c in counts
        )

    kept = summaries()
    assert kept[0] and kept[1]
    migration().backfill(db.connection(), is_postgres)
    db.commit()
    db.expire_all()
    assert summaries() == kept


def test_sqlites_england_date_is_zoneinfos_hour_by_hour():
    local_date = migration().sqlite_local_date("t")
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE moments (t TEXT)")
    start = datetime(2024, 1, 1, tzinfo=UTC)
    moments = [start + timedelta(minutes=30 * n) for n in range(2 * 24 * 366 * 6)]
    moments += [m - timedelta(microseconds=1) for m in moments[1:]]
    connection.executemany("INSERT INTO moments VALUES (?)", [(m.strftime("%Y-%m-%d %H:%M:%S.%f"),) for m in moments])
    found = connection.execute(f"SELECT t, {local_date} FROM moments").fetchall()
    wrong = [
        (t, day)
        for t, day in found
        if datetime.strptime(t, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC).astimezone(ENGLAND).date().isoformat() != day
    ]
    assert wrong == []


def test_postgresqls_summaries_use_englands_date(db, world, is_postgres):
    # 23:30 UTC on a summer Saturday is Sunday in England: counted on Sunday on either database.
    summer = datetime(2026, 7, 4, 23, 30, tzinfo=UTC)
    receive(db, world, world.person, summer, Urgency.routine)
    days = db.scalars(select(DailyFigures.day).where(DailyFigures.received > 0)).all()
    assert days == [date(2026, 7, 5)]
    if is_postgres:
        summaries = "tgname LIKE 'referral_daily_figures_%' OR tgname LIKE 'referral_open_count_%'"
        assert db.execute(text(f"SELECT count(*) FROM pg_trigger WHERE {summaries}")).scalar() == 4
