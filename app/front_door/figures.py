"""Front-door figures: how the single point of access is doing against its response standards.

Pure functions of a database session and `now`, so tests can fix both. The counts come from
summaries the database keeps as referrals change (models/daily_figures.py, migration
0012_daily_figures), so the page costs the same whatever the size of the district.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from typing import Any, NamedTuple, Optional

from markupsafe import Markup
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Date,
    Integer,
    String,
    TextClause,
    and_,
    bindparam,
    case,
    cast,
    func,
    select,
    text,
    type_coerce,
    union_all,
)
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
    delayed: list[DelayedDischarge] = field(default_factory=list)  # the longest DELAYED_LISTED
    delayed_count: int = 0
    delayed_by_band: list[tuple[str, int]] = field(default_factory=list)

    # Worked out once a page (the page asks for them once a day and once a chart column).
    @cached_property
    def received(self) -> int:
        return sum(self.daily_totals)

    @cached_property
    def daily_totals(self) -> list[int]:
        return [sum(day) for day in zip(*self.by_source.values(), strict=True)] if self.by_source else [0] * len(self.days)

    @cached_property
    def sources_seen(self) -> list[ReferralSource]:
        return [source for source, counts in self.by_source.items() if any(counts)]

    @cached_property
    def daily_rows(self) -> list[tuple[date, list[int], int]]:
        """Each day, its counts for the sources seen (in sources_seen's order), and its total."""
        seen = [self.by_source[source] for source in self.sources_seen]
        return [
            (day, [counts[i] for counts in seen], total) for i, (day, total) in enumerate(zip(self.days, self.daily_totals, strict=True))
        ]

    @property
    def delay_bands(self) -> list[tuple[str, int]]:
        return self.delayed_by_band


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def period_start(now: datetime, days: int) -> datetime:
    """Midnight in England, `days - 1` days before today: the period is whole local days, today included."""
    today = _utc(now).astimezone(ENGLAND).date()
    first = today - timedelta(days=days - 1)
    return datetime.combine(first, time.min, tzinfo=ENGLAND).astimezone(UTC)


def compute(session: Session, now: datetime, days: int = 28) -> Figures:
    """The figures for the `days` whole days in England up to `now`: from the daily summaries the
    database keeps (models/daily_figures.py), with today's referrals only where `now` cuts today
    (index ranges), so nothing counts the whole period's referrals."""
    now = _utc(now)
    start = period_start(now, days)
    first_day = start.astimezone(ENGLAND).date()
    day_list = [first_day + timedelta(days=i) for i in range(days)]
    today = day_list[-1]
    today_start = period_start(now, 1)
    tomorrow_start = datetime.combine(today + timedelta(days=1), time.min, tzinfo=ENGLAND).astimezone(UTC)
    bound = {"first_day": first_day, "today": today, "today_start": today_start, "now": now, "tomorrow_start": tomorrow_start}

    # Referrals a day by source, from the summary (today's too), less any received later today than
    # `now` (none, unless `now` is not the present: an empty index range).
    statements = _statements(session.get_bind().dialect.name)
    by_source = {source: [0] * days for source in ReferralSource}
    for day, source, received in session.execute(statements.received_by_day, bound):
        by_source[source][(day - first_day).days] += received
    for source, received in session.execute(statements.received_later_today, bound):
        by_source[source][days - 1] -= received

    # Share responded (triaged) within each standard, over referrals whose clock finished in the
    # period: whole days from the summary, and those that fell due today up to now.
    counts: dict[Urgency, tuple[int, int]] = {}
    for rows in (statements.due_by_urgency, statements.due_today):
        for urgency, total, ok in session.execute(rows, bound):
            before = counts.get(urgency, (0, 0))
            counts[urgency] = (before[0] + int(total or 0), before[1] + int(ok or 0))
    standards = [
        StandardShare(urgency, standard.label, *counts.get(urgency, (0, 0)), standard.target_share)
        for urgency, standard in response_standards().items()
    ]

    # Time from receipt to triage, in whole minutes, for referrals triaged in the period up to now:
    # every day's from the counts the database keeps (TriageTime), today's included, less any
    # triaged later today than `now` (none, unless `now` is not the present: an empty index range).
    later: dict[Urgency, list[int]] = {urgency: [] for urgency in Urgency}
    for urgency, minutes in session.execute(statements.triaged_later_today, bound):
        later[Urgency(urgency)].append(int(minutes))
    groups = [tuple(Urgency), *((urgency,) for urgency in Urgency)]
    medians, triaged = TriageMedians(session, day_list, later).medians(groups)

    delayed, delayed_count, delayed_by_band = _delayed_discharges(session, now)
    return Figures(
        now=now,
        days=day_list,
        by_source=by_source,
        standards=standards,
        median_minutes_to_triage=medians[0],
        median_minutes_by_urgency=dict(zip(Urgency, medians[1:], strict=True)),
        triaged=triaged[0],
        open_by_network=_open_by_network(session),
        delayed=delayed,
        delayed_count=delayed_count,
        delayed_by_band=delayed_by_band,
    )


@dataclass(frozen=True)
class _Statements:
    """compute's statements, made once for each database (their values bound as they run)."""

    received_by_day: Any
    received_later_today: Any
    due_by_urgency: Any
    due_today: Any
    triaged_later_today: Any


@lru_cache(maxsize=4)
def _statements(dialect: str) -> _Statements:
    # Each value takes its column's type from the comparison it is in, as a literal value would.
    first_day: BindParameter[Any] = bindparam("first_day")
    today: BindParameter[Any] = bindparam("today")
    today_start: BindParameter[Any] = bindparam("today_start")
    now: BindParameter[Any] = bindparam("now")
    tomorrow_start: BindParameter[Any] = bindparam("tomorrow_start")
    before_today = (col(DailyFigures.day) >= first_day, col(DailyFigures.day) < today)
    in_time = case((and_(col(Referral.triaged_at).is_not(None), col(Referral.triaged_at) <= Referral.due_by), 1), else_=0)
    return _Statements(
        received_by_day=select(col(DailyFigures.day), col(DailyFigures.source), func.sum(DailyFigures.received))
        .where(col(DailyFigures.day) >= first_day, col(DailyFigures.day) <= today)
        .group_by(col(DailyFigures.day), col(DailyFigures.source)),
        received_later_today=select(col(Referral.source), func.count())
        .where(col(Referral.received_at) > now, col(Referral.received_at) < tomorrow_start)
        .group_by(col(Referral.source)),
        due_by_urgency=select(col(DailyFigures.urgency), func.sum(DailyFigures.due), func.sum(DailyFigures.due_in_time))
        .where(*before_today)
        .group_by(col(DailyFigures.urgency)),
        due_today=select(col(Referral.urgency), func.count(), func.sum(in_time))
        .where(col(Referral.due_by) >= today_start, col(Referral.due_by) <= now)
        .group_by(col(Referral.urgency)),
        triaged_later_today=select(type_coerce(col(Referral.urgency), String), _whole_minutes(dialect)).where(
            col(Referral.triaged_at) > now, col(Referral.triaged_at) < tomorrow_start
        ),
    )


def _whole_minutes(dialect: str) -> ColumnElement[Any]:
    """Whole minutes (rounded down, none below 0) from receipt to triage, worked out by the database
    exactly as the triggers that keep TriageTime do (migration 0013_growth, whole_minutes)."""
    if dialect == "postgresql":
        seconds = func.extract("epoch", col(Referral.triaged_at) - col(Referral.received_at))
        return cast(func.greatest(func.floor(seconds / 60), 0), Integer)
    triaged, received = col(Referral.triaged_at), col(Referral.received_at)
    micro = (func.strftime("%s", func.substr(triaged, 1, 19)) - func.strftime("%s", func.substr(received, 1, 19))) * 1000000 + (
        cast(func.substr(triaged, 21, 6), Integer) - cast(func.substr(received, 21, 6), Integer)
    )
    return case((micro < 0, 0), else_=micro / 60000000)


# TriageTime's levels: minutes a bucket at each, coarsest first.
LEVEL_WIDTHS = (1440, 60, 1)


class TriageMedians:
    """The median time to triage, in whole minutes, of referrals triaged on `days` (from TriageTime),
    less those of `later` (whole minutes of referrals counted there to leave out), for sets of urgencies: the exact median
    of the whole minutes, as statistics.median gives it (the mean of the two middle ones when their
    number is even). Found level by level: the whole days of the period's counts (a few dozen
    buckets a day), then the hours of the days the middles fall in, then the minutes of those hours,
    so it reads a bounded number of counts whatever the number of referrals: three queries."""

    def __init__(self, session: Session, days: list[date], later: dict[Urgency, list[int]]):
        self.session = session
        self.days = days
        self.later = later

    def medians(self, groups: list[tuple[Urgency, ...]]) -> tuple[list[Optional[float]], list[int]]:
        """The median of each group of urgencies, and how many were triaged in each."""
        counts = self._counts(0, {None: set(Urgency)})[None]
        totals = [sum(n for (urgency, _), n in counts.items() if urgency in group) for group in groups]
        # (group, rank from 1) -> [the bucket found so far, the rank left inside it]
        wanted = {(g, rank): [0, rank] for g, total in enumerate(totals) if total for rank in {(total + 1) // 2, total // 2 + 1}}
        for level in range(len(LEVEL_WIDTHS)):
            if level:
                needed: dict[Optional[int], set[Urgency]] = defaultdict(set)
                for (g, _), found in wanted.items():
                    needed[found[0]] |= set(groups[g])
                by_parent = self._counts(level, needed)
            else:
                by_parent = {0: counts}
            for (g, _), found in wanted.items():
                merged: dict[int, int] = {}
                for (urgency, key), n in by_parent[found[0] if level else 0].items():
                    if urgency in groups[g] and n:
                        merged[key] = merged.get(key, 0) + n
                for key in sorted(merged):
                    if found[1] <= merged[key]:
                        found[0] = key
                        break
                    found[1] -= merged[key]
        medians: list[Optional[float]] = []
        for g, total in enumerate(totals):
            middle = [wanted[(g, rank)][0] for rank in sorted({(total + 1) // 2, total // 2 + 1})] if total else []
            medians.append(sum(middle) / len(middle) if middle else None)
        return medians, totals

    def _counts(self, level: int, wanted: dict[Optional[int], set[Urgency]]) -> dict[Optional[int], dict[tuple[Urgency, int], int]]:
        """The counts at `level` of the urgencies wanted inside each parent (a bucket of the level
        above; None: all), summed over the days, by urgency and bucket: TriageTime's (each parent an
        index range of its primary key, by day and urgency; one query), less those of `later`."""
        ratio = LEVEL_WIDTHS[level - 1] // LEVEL_WIDTHS[level] if level else 1
        parents = sorted(wanted, key=lambda parent: -1 if parent is None else parent)
        found: dict[Optional[int], dict[tuple[Urgency, int], int]] = {parent: {} for parent in parents}
        bound: dict[str, Any] = {"level": level, "days": self.days}
        for n, parent in enumerate(parents):
            bound[f"urgencies_{n}"] = [urgency.value for urgency in Urgency if urgency in wanted[parent]]
            if parent is not None:
                bound[f"low_{n}"], bound[f"high_{n}"] = parent * ratio, parent * ratio + ratio - 1
        if self.days and parents:
            statement = _counts_statement(tuple(parent is not None for parent in parents))
            for part, urgency, bucket, referrals in self.session.execute(statement, bound):
                found[parents[part]][(Urgency(urgency), bucket)] = int(referrals)
        for urgency, values in self.later.items():
            for minutes in values:
                key = minutes // LEVEL_WIDTHS[level]
                parent_key = key // ratio if level else None
                if parent_key in found and urgency in wanted[parent_key]:
                    found[parent_key][(urgency, key)] = found[parent_key].get((urgency, key), 0) - 1
        return found


@lru_cache(maxsize=64)
def _counts_statement(within: tuple[bool, ...]) -> TextClause:
    """TriageTime's counts by urgency and bucket, summed over the days, one part for each of `within`
    (True: inside a parent bucket, between its lowest and highest), the days and urgencies lists
    (so each part is index ranges of the primary key by day and urgency). Made once for each shape."""
    parts = []
    for n, inside in enumerate(within):
        between = f" AND bucket BETWEEN :low_{n} AND :high_{n}" if inside else ""
        parts.append(
            f"SELECT {n} AS part, urgency, bucket, sum(referrals) AS referrals FROM triage_time "
            f"WHERE level = :level AND day IN :days AND urgency IN :urgencies_{n}{between} GROUP BY urgency, bucket"
        )
    expanding = [bindparam("days", expanding=True, type_=Date), *(bindparam(f"urgencies_{n}", expanding=True) for n in range(len(within)))]
    return text(" UNION ALL ".join(parts)).bindparams(*expanding)


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


DELAYED_LISTED = 50  # the longest delays listed


def _delayed_discharges(session: Session, now: datetime) -> tuple[list[DelayedDischarge], int, list[tuple[str, int]]]:
    """People medically optimised for discharge whose referral still awaits a decision (each day
    since then is a day in a hospital bed they no longer need): the DELAYED_LISTED longest, how many
    in all, and how many in each band of days, from how many became ready each day (counted by the
    database over ix_referral_awaiting_discharge, a count a day): two queries, made once."""
    today = now.astimezone(ENGLAND).date()
    listed_statement, by_day_statement = _delayed_statements()
    rows = session.execute(listed_statement, {"today": today}).all()
    bands = [0] * len(DELAY_BANDS)
    count = 0
    for ready_on, people in session.execute(by_day_statement, {"today": today}):
        days = (today - ready_on).days
        count += people
        for n, (low, high, _label) in enumerate(DELAY_BANDS):
            if days >= low and (high is None or days <= high):
                bands[n] += people
    listed = [DelayedDischarge(rid, ward, optimised, (today - optimised).days, status) for rid, ward, optimised, status in rows]
    return listed, count, [(label, n) for (_low, _high, label), n in zip(DELAY_BANDS, bands, strict=True)]


@lru_cache(maxsize=1)
def _delayed_statements() -> tuple[Any, Any]:
    """_delayed_discharges' statements: the longest waits, and how many became ready each day."""
    today: BindParameter[Any] = bindparam("today")
    ready = col(Referral.medically_optimised_on)
    ready_from_hospital = (col(Referral.source) == ReferralSource.hospital_discharge, ready.is_not(None), ready <= today)
    waiting = (col(Referral.status).in_(AWAITING_DECISION), *ready_from_hospital)
    # The longest waits: the first DELAYED_LISTED of each status, each read in order from its range
    # of ix_referral_awaiting_discharge (status, source, day ready, id), then merged. As one IN,
    # PostgreSQL read every waiting referral of both statuses and sorted them.
    firsts = [
        select(col(Referral.id), col(Referral.ward), ready, col(Referral.status))
        .where(col(Referral.status) == status, *ready_from_hospital)
        .order_by(ready, col(Referral.id))
        .limit(DELAYED_LISTED)
        .subquery()
        for status in sorted(AWAITING_DECISION, key=lambda status: status.value)
    ]
    merged = union_all(*(select(*first.c) for first in firsts)).subquery()
    listed = select(*merged.c).order_by(merged.c.medically_optimised_on, merged.c.id).limit(DELAYED_LISTED)
    return listed, select(ready, func.count()).where(*waiting).group_by(ready)


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


class ChartPart(NamedTuple):
    """One source's part of a day's column, its position as the template shows it (to one decimal
    place, as Jinja's round filter gives)."""

    series: int
    y_shown: float
    height_shown: float
    referrals: int
    source: str


class ChartColumn(NamedTuple):
    day: date
    x_shown: float
    width_shown: float
    labelled: bool  # the day is written under it (the first, the last and every seventh)
    parts: tuple[ChartPart, ...]


def stacked_columns(figures: Figures, *, width: int = 720, height: int = 220) -> dict:
    """Geometry for the referrals-a-day chart: one column a day, stacked by source."""
    sources = figures.sources_seen
    totals = figures.daily_totals
    top = max(totals, default=0) or 1
    axis = 40
    column_space = (width - axis) / max(len(figures.days), 1)
    column = max(column_space * 0.75, 2)
    width_shown = round(column, 1)
    labels = tuple(source.label for source in sources)
    series = [figures.by_source[source] for source in sources]
    last = len(figures.days) - 1
    columns = [
        _column(
            day,
            tuple(counts[i] for counts in series),
            labels,
            top,
            axis + i * column_space,
            width_shown,
            height,
            i in (0, last) or i % 7 == 0,
        )
        for i, day in enumerate(figures.days)
    ]
    ticks = sorted({0, top // 2, top})
    return {
        "width": width,
        "height": height + 24,
        "plot_height": height,
        "axis": axis,
        "columns": columns,
        "sources": list(enumerate(labels)),
        "ticks": [{"value": t, "y": height - t / top * (height - 10)} for t in ticks],
    }


@lru_cache(maxsize=1024)
def _column(
    day: date, counts: tuple[int, ...], labels: tuple[str, ...], top: int, x: float, width_shown: float, height: int, labelled: bool
) -> ChartColumn:
    """One day's column of the referrals-a-day chart: made once for what it shows and kept, so a page
    makes only today's (and every one when the busiest day changes the scale)."""
    y: float = height
    parts = []
    for n, count in enumerate(counts):
        if not count:
            continue
        h = count / top * (height - 10)
        y -= h
        parts.append(ChartPart(n, round(y, 1), round(h, 1), count, labels[n]))
    return ChartColumn(day, round(x, 1), width_shown, labelled, tuple(parts))


def daily_markup(macros: Any, chart: dict, figures: Figures, kept: bool = True) -> tuple[Markup, Markup]:
    """The chart's columns and the table's rows, as templates/front_door/_daily.html (`macros`, its
    module) renders them: each column and row rendered once for what it shows and kept, so a page
    renders only what changed since (today's column and row, as a rule; every column when the
    busiest day changes the scale). Not `kept`: each rendered afresh (the FAST_RENDERING setting off)."""
    rendered = _rendered if kept else _rendered.__wrapped__
    columns = Markup("").join(rendered(macros.column, column, chart["plot_height"]) for column in chart["columns"])
    rows = Markup("").join(rendered(macros.row, day, tuple(counts), total) for day, counts, total in figures.daily_rows)
    return columns, rows


@lru_cache(maxsize=2048)
def _rendered(macro: Any, *arguments: Any) -> Markup:
    """A macro's markup for these arguments (all values, so the same arguments give the same markup)."""
    return Markup(macro(*arguments))
