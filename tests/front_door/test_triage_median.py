"""The median time to triage, read level by level from the counts the database keeps (TriageTime),
is the exact median of the whole minutes (rounded down) of the referrals triaged in the period, as
statistics.median gives it."""

import random
from datetime import UTC, datetime, timedelta
from statistics import median

from sqlmodel import select

from app.front_door import figures as front_door_figures
from app.front_door.clocks import ENGLAND
from models import Referral, Urgency
from tests.factories import World
from tests.front_door.test_figures import add


def _expected(db, now: datetime, days: int):
    """statistics.median of the whole minutes of every referral triaged in the period, by urgency too."""
    start = front_door_figures.period_start(now, days)
    minutes: dict[Urgency, list[int]] = {urgency: [] for urgency in Urgency}
    for referral in db.exec(select(Referral).where(Referral.triaged_at.is_not(None))):  # type: ignore[union-attr]
        triaged, received = referral.triaged_at.replace(tzinfo=UTC), referral.received_at.replace(tzinfo=UTC)
        if start <= triaged <= now:
            minutes[referral.urgency].append(max((triaged - received) // timedelta(minutes=1), 0))
    every = [m for values in minutes.values() for m in values]
    return (median(every) if every else None), {u: (median(v) if v else None) for u, v in minutes.items()}, len(every)


def _figures(db, now, days):
    found = front_door_figures.compute(db, now, days)
    return found.median_minutes_to_triage, found.median_minutes_by_urgency, found.triaged


def test_an_even_number_gives_the_mean_of_the_two_middle_minutes(db):
    world = World(db)
    now = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
    for seconds in (59 * 60 + 59.999999, 61 * 60 + 0.5, 3 * 86400 + 7, 10 * 60):  # 59, 61, 4320, 10 minutes
        add(db, world, received=now - timedelta(days=5), triaged_after=timedelta(seconds=seconds))
    assert _figures(db, now, 28)[0] == 60 == _expected(db, now, 28)[0]


def test_the_median_is_that_of_the_raw_minutes_across_midnight_the_clock_change_and_re_triage(db):
    world = World(db)
    rng = random.Random(17)
    # A week that holds the end of British Summer Time (Sunday 25 October 2026, 02:00 BST -> 01:00 GMT).
    now = datetime(2026, 10, 27, 12, 0, tzinfo=UTC)
    start = front_door_figures.period_start(now, 7)
    assert start == datetime(2026, 10, 20, 23, 0, tzinfo=UTC)  # midnight in England, still BST
    edges = [start, start - timedelta(microseconds=1), start + timedelta(microseconds=1), now, now + timedelta(seconds=1)]
    edges += [datetime(2026, 10, 25, 0, 59, 59, 999999, tzinfo=UTC), datetime(2026, 10, 25, 1, 0, tzinfo=UTC)]  # the change
    edges += [datetime(2026, 10, 25, 23, 59, 59, 999999, tzinfo=UTC), datetime(2026, 10, 26, 0, 0, tzinfo=UTC)]  # midnight, GMT
    edges += [datetime.combine(now.astimezone(ENGLAND).date(), datetime.min.time(), tzinfo=ENGLAND).astimezone(UTC)]  # today
    referrals = []
    for n in range(61):
        triaged = edges[n] if n < len(edges) else now - timedelta(seconds=rng.randrange(0, 8 * 86400))
        waited = timedelta(seconds=rng.choice([0, 30, 59.5, 60, 3599.9, 3600, 86399, 86400, 5 * 86400 + 17]) + rng.random())
        urgency = rng.choice(list(Urgency))
        referrals.append(add(db, world, received=triaged - waited, urgency=urgency, triaged_after=waited))
    # Re-triage: some change urgency, or their triage time moves (into or out of the period).
    for referral in referrals[::7]:
        referral.urgency = Urgency.routine if referral.urgency != Urgency.routine else Urgency.urgent
        referral.triaged_at = referral.triaged_at + timedelta(hours=rng.choice([-30, -1, 2, 50]), seconds=rng.random())
        db.add(referral)
    db.commit()
    for days in (7, 28):
        assert _figures(db, now, days) == _expected(db, now, days)
    # Every count the database keeps is the same as counting them again from the referrals.
    assert _figures(db, now + timedelta(days=1), 7) == _expected(db, now + timedelta(days=1), 7)


def test_the_median_costs_the_same_statements_however_many_were_triaged(db, count_queries):
    world = World(db)
    now = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
    counts = []
    for many in (3, 40):
        for n in range(many):
            add(db, world, received=now - timedelta(days=n % 20, minutes=n * 97), triaged_after=timedelta(minutes=n * 13 + 1))
        with count_queries() as counter:
            front_door_figures.compute(db, now, 28)
        counts.append(counter.count)
    assert counts[0] == counts[1]
