"""Front-door figures: how the single point of access is doing against its response standards.

Pure functions of a database session and `now`, so tests can fix both. The counts come from
summaries the database keeps as referrals change (models/daily_figures.py, migration
0012_daily_figures), so the page costs the same whatever the size of the district.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from typing import Any, Optional

from sqlalchemy import ColumnElement, Float, String, and_, case, cast, func, select, type_coerce
from sqlmodel import Session, col

from app.front_door.clocks import ENGLAND, response_standards
from models import DailyFigures, Network, OpenReferralCount, Referral, ReferralSource, ReferralStatus, Urgency
from models.enums import AWAITING_DECISION

PERIODS = (7, 28, 90)
DELAY_BANDS = ((0, 2, "0 to 2 days"), (3, 6, "3 to 6 days"), (7, 13, "7 to 13 days"), (14, None, "14 days or more"))


@dataclass
class StandardShare:
    urgency: Urgency
    label: str
    clock_finished: int  # referrals whose response was due within the period
    in_time: int
    target: Optional[float]

    @property
    def share(self) -> Optional[float]:
        return self.in_time / self.clock_finished if self.clock_finished else None

    @property
    def target_met(self) -> Optional[bool]:
        if self.target is None or self.share is None:
            return None
        return self.share >= self.target


@dataclass
class DelayedDischarge:
    referral_id: int
    ward: Optional[str]
    medically_optimised_on: date
    days: int
    status: ReferralStatus


@dataclass
class Figures:
    now: datetime
    days: list[date]
    by_source: dict[ReferralSource, list[int]]  # referrals received each day, per source
    standards: list[StandardShare]
    median_minutes_to_triage: Optional[float]
    median_minutes_by_urgency: dict[Urgency, Optional[float]]
    triaged: int
    open_by_network: list[tuple[str, int]]
    delayed: list[DelayedDischarge] = field(default_factory=list)

    @property
    def received(self) -> int:
        return sum(sum(counts) for counts in self.by_source.values())

    @property
    def daily_totals(self) -> list[int]:
        return [sum(counts[i] for counts in self.by_source.values()) for i in range(len(self.days))]

    @property
    def sources_seen(self) -> list[ReferralSource]:
        return [source for source, counts in self.by_source.items() if any(counts)]

    @property
    def delay_bands(self) -> list[tuple[str, int]]:
        return [
            (label, sum(1 for d in self.delayed if d.days >= low and (high is None or d.days <= high))) for low, high, label in DELAY_BANDS
        ]


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def period_start(now: datetime, days: int) -> datetime:
    """Midnight in England, `days - 1` days before today: the period is whole local days, today included."""
    today = _utc(now).astimezone(ENGLAND).date()
    first = today - timedelta(days=days - 1)
    return datetime.combine(first, time.min, tzinfo=ENGLAND).astimezone(UTC)


def compute(session: Session, now: datetime, days: int = 28) -> Figures:
    """The figures for the `days` whole days in England up to `now`: the days before today from the
    daily summaries the database keeps (models/daily_figures.py), today so far from today's
    referrals (an index range), so nothing counts the whole period's referrals."""
    now = _utc(now)
    start = period_start(now, days)
    first_day = start.astimezone(ENGLAND).date()
    day_list = [first_day + timedelta(days=i) for i in range(days)]
    today = day_list[-1]
    today_start = period_start(now, 1)
    before_today = (col(DailyFigures.day) >= first_day, col(DailyFigures.day) < today)

    # Referrals a day by source: whole days from the summary, today's from the referrals.
    by_source = {source: [0] * days for source in ReferralSource}
    for day, source, received in session.execute(
        select(col(DailyFigures.day), col(DailyFigures.source), func.sum(DailyFigures.received))
        .where(*before_today)
        .group_by(col(DailyFigures.day), col(DailyFigures.source))
    ):
        by_source[source][(day - first_day).days] += received
    for source, received in session.execute(
        select(col(Referral.source), func.count())
        .where(col(Referral.received_at) >= today_start, col(Referral.received_at) <= now)
        .group_by(col(Referral.source))
    ):
        by_source[source][days - 1] += received

    # Share responded (triaged) within each standard, over referrals whose clock finished in the
    # period: whole days from the summary, and those that fell due today up to now.
    counts: dict[Urgency, tuple[int, int]] = {}
    in_time = case((and_(col(Referral.triaged_at).is_not(None), col(Referral.triaged_at) <= Referral.due_by), 1), else_=0)
    for rows in (
        select(col(DailyFigures.urgency), func.sum(DailyFigures.due), func.sum(DailyFigures.due_in_time))
        .where(*before_today)
        .group_by(col(DailyFigures.urgency)),
        select(col(Referral.urgency), func.count(), func.sum(in_time))
        .where(col(Referral.due_by) >= today_start, col(Referral.due_by) <= now)
        .group_by(col(Referral.urgency)),
    ):
        for urgency, total, ok in session.execute(rows):
            before = counts.get(urgency, (0, 0))
            counts[urgency] = (before[0] + int(total or 0), before[1] + int(ok or 0))
    standards = [
        StandardShare(urgency, standard.label, *counts.get(urgency, (0, 0)), standard.target_share)
        for urgency, standard in response_standards().items()
    ]

    # Time from receipt to triage, for referrals triaged in the period: a median needs every one
    # of them, so the minutes are worked out by the database from one index (ix_referral_triaged)
    # and only they come back (the one figure whose cost follows the period's triaged referrals).
    # The urgency as the text stored (turning 17,000 of them into enums, one by one, cost more than the rest).
    stored_urgency = type_coerce(col(Referral.urgency), String)
    minutes_by_stored: dict[str, list[float]] = {urgency.value: [] for urgency in Urgency}
    for urgency, minutes in session.execute(
        select(stored_urgency, _minutes_to_triage(session)).where(col(Referral.triaged_at) >= start, col(Referral.triaged_at) <= now)
    ):
        minutes_by_stored[urgency].append(minutes)
    minutes_by_urgency = {urgency: minutes_by_stored[urgency.value] for urgency in Urgency}
    everything = [m for values in minutes_by_urgency.values() for m in values]

    return Figures(
        now=now,
        days=day_list,
        by_source=by_source,
        standards=standards,
        median_minutes_to_triage=median(everything) if everything else None,
        median_minutes_by_urgency={u: (median(v) if v else None) for u, v in minutes_by_urgency.items()},
        triaged=len(everything),
        open_by_network=_open_by_network(session),
        delayed=_delayed_discharges(session, now),
    )


def _minutes_to_triage(session: Session) -> ColumnElement[Any]:
    """Minutes from receipt to triage, to a millionth of a minute (SQLite's clock reads to the millisecond)."""
    if session.get_bind().dialect.name == "postgresql":
        minutes = func.round(func.extract("epoch", col(Referral.triaged_at) - col(Referral.received_at)) / 60, 6)
    else:
        minutes = func.round((func.julianday(Referral.triaged_at) - func.julianday(Referral.received_at)) * 1440, 6)
    return cast(minutes, Float)  # a float from the driver, not a Decimal made row by row


def _open_by_network(session: Session) -> list[tuple[str, int]]:
    """Open referrals per network: the one it was allocated or redirected to, else the network
    of the person's GP practice (kept by the database as referrals change: OpenReferralCount)."""
    rows = session.execute(
        select(col(OpenReferralCount.network_id), col(Network.name))
        .add_columns(col(OpenReferralCount.count))
        .outerjoin(Network, col(Network.id) == OpenReferralCount.network_id)
        .where(col(OpenReferralCount.count) != 0)
    ).all()
    result = [(name or "No network known", count) for _network_id, name, count in rows]
    return sorted(result, key=lambda item: (item[0] == "No network known", item[0]))


def _delayed_discharges(session: Session, now: datetime) -> list[DelayedDischarge]:
    """People medically optimised for discharge whose referral still awaits a decision:
    each day since then is a day in a hospital bed they no longer need."""
    today = now.astimezone(ENGLAND).date()
    rows = session.execute(
        select(col(Referral.id), col(Referral.ward), col(Referral.medically_optimised_on), col(Referral.status))
        .where(
            col(Referral.source) == ReferralSource.hospital_discharge,
            col(Referral.medically_optimised_on).is_not(None),
            col(Referral.medically_optimised_on) <= today,
            col(Referral.status).in_(AWAITING_DECISION),
        )
        .order_by(col(Referral.medically_optimised_on), col(Referral.id))
    ).all()
    return [DelayedDischarge(rid, ward, optimised, (today - optimised).days, status) for rid, ward, optimised, status in rows]


def bar_chart(values: list[tuple[str, int]], *, width: int = 640, bar: int = 22, gap: int = 8) -> dict:
    """Geometry for a horizontal bar chart, drawn as SVG by the template."""
    label_width = 230
    largest = max((v for _, v in values), default=0) or 1
    scale = (width - label_width - 60) / largest
    bars = [
        {"label": label, "value": value, "x": label_width, "y": i * (bar + gap), "width": max(value * scale, 0), "height": bar}
        for i, (label, value) in enumerate(values)
    ]
    return {"width": width, "height": max(len(values) * (bar + gap), bar), "bars": bars, "label_width": label_width}


def stacked_columns(figures: Figures, *, width: int = 720, height: int = 220) -> dict:
    """Geometry for the referrals-a-day chart: one column a day, stacked by source."""
    sources = figures.sources_seen
    totals = figures.daily_totals
    top = max(totals, default=0) or 1
    axis = 40
    column_space = (width - axis) / max(len(figures.days), 1)
    column = max(column_space * 0.75, 2)
    columns = []
    for i, day in enumerate(figures.days):
        y: float = height
        parts = []
        for n, source in enumerate(sources):
            count = figures.by_source[source][i]
            if not count:
                continue
            h = count / top * (height - 10)
            y -= h
            parts.append({"series": n, "y": y, "height": h, "count": count, "source": source.label})
        columns.append({"x": axis + i * column_space, "width": column, "parts": parts, "day": day, "total": totals[i]})
    ticks = sorted({0, top // 2, top})
    return {
        "width": width,
        "height": height + 24,
        "plot_height": height,
        "axis": axis,
        "columns": columns,
        "sources": [(n, source.label) for n, source in enumerate(sources)],
        "ticks": [{"value": t, "y": height - t / top * (height - 10)} for t in ticks],
    }
