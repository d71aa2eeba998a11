"""Early discharge from hospital: a network's discharge board and the figures across networks.

A ward refers for supported discharge through the front door (ward, expected discharge date, and the
date the person was ready to leave). The network's board lists who is waiting to come home, the
days since they were ready, what holds each one (a coded delay reason) and the plan actions that
gate their discharge, with their owners; it records the day they got home. Every day between ready
and home is a delayed day, counted against the reason recorded. Reads are a fixed number of
queries, however many people are waiting. Nothing here commits."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Optional

from sqlalchemy import ColumnElement, Date, Integer, bindparam, cast, func, literal, literal_column, or_, union_all
from sqlalchemy import select as core_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app import checks, versioned
from app.trust import access, audit
from app.versioned import SaveResult
from app.work.workload import PersonName
from models import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    Agency,
    CarePlanAction,
    ConsentObjection,
    DelayReason,
    DischargeBoardEntry,
    DischargeGate,
    DischargeWait,
    Network,
    Person,
    Referral,
    ReferralSource,
    ReferralStatus,
    User,
)
from models.clock import utc_now

NOTE_MAX = 500
RECENTLY_HOME = timedelta(days=28)  # people home this recently stay on the board, marked home
BOARD_PAGE = 20  # people waiting, a page
HOME_PAGE = 10  # people home, a page
NOT_RECORDED = "Not recorded"
WEEKS = 12
# A referral that was declined or signposted elsewhere brings nobody home through the network.
NOT_ON_THE_BOARD = (ReferralStatus.declined, ReferralStatus.signposted)


@dataclass(frozen=True)
class RecordDischarge:
    """What holds the person (a coded reason and a note), the plan actions that gate their discharge,
    and the day they got home, once they have."""

    delay_reason: Optional[DelayReason]
    delay_note: Optional[str]
    home_on: Optional[date]
    gates: tuple[int, ...]
    seen_version: int  # 0 before anything was recorded


def _practice():
    return aliased(Agency)


def network_of_referral(practice: Any) -> ColumnElement[Any]:
    """The network a discharge belongs to: the one triage allocated, else that of the person's GP practice."""
    return func.coalesce(Referral.network_id, practice.network_id)


def _discharge_referrals(practice: Any):
    return (
        select(Referral, Person, DischargeWait)
        .join(Person, col(Person.id) == Referral.person_id)
        .outerjoin(practice, col(practice.id) == Person.gp_practice_id)
        .outerjoin(DischargeWait, col(DischargeWait.referral_id) == Referral.id)
        .where(
            col(Referral.source) == ReferralSource.hospital_discharge,
            col(Referral.linked_to_id).is_(None),
            col(Referral.medically_optimised_on).is_not(None),
            col(Referral.status).not_in(NOT_ON_THE_BOARD),
        )
    )


# What the board shows of each referral, person, wait and gating action: read as columns, not as
# whole records (a page of 45 rows made 136 ORM objects, a fifth of the page's CPU).
@dataclass(frozen=True)
class BoardReferral:
    id: int
    ward: Optional[str]
    expected_discharge_on: Optional[date]
    medically_optimised_on: date


@dataclass(frozen=True)
class BoardWait:
    id: int
    version: int
    delay_reason: Optional[DelayReason]
    delay_note: Optional[str]
    home_on: Optional[date]


@dataclass(frozen=True)
class Gate:
    """A plan action gating a discharge, as the board shows it: what, how it stands, whose."""

    description: str
    status: ActionStatus
    agency_name: str
    user_name: Optional[str]


@dataclass
class BoardRow:
    referral: BoardReferral
    person: PersonName
    wait: Optional[BoardWait]
    days_since_ready: int
    gates: list[Gate] = field(default_factory=list)

    @property
    def home_on(self) -> Optional[date]:
        return self.wait.home_on if self.wait else None

    @property
    def version(self) -> int:
        return self.wait.version if self.wait else 0


@dataclass
class Board:
    """One page of the people waiting (longest since ready first) and one of those home in the last
    four weeks (latest home first), with whether there are more after each."""

    waiting: list[BoardRow]
    home: list[BoardRow]
    page: int = 1
    more_waiting: bool = False
    home_page: int = 1
    more_home: bool = False

    @property
    def delayed_days(self) -> int:
        return sum(row.days_since_ready for row in self.waiting)


def board(
    session: Session, network_id: int, today: date, viewer_agency_id: Optional[int] = None, page: int = 1, home_page: int = 1
) -> Board:
    """A page of who is waiting to come home (longest since ready first) and a page of who got home
    in the last four weeks (latest first), none who objected to the viewer's agency: each page read
    from the network's board entries in order (ix_discharge_board_entry_network, kept by triggers),
    so a page costs the same whatever the size of the district; three queries."""
    page, home_page = max(page, 1), max(home_page, 1)
    waiting_page, home_page_statement = _board_statements(viewer_agency_id is not None)
    given = {"network_id": network_id, **({"agency_id": viewer_agency_id} if viewer_agency_id is not None else {})}
    waiting = session.execute(waiting_page, {**given, "limit": BOARD_PAGE + 1, "offset": (page - 1) * BOARD_PAGE}).all()
    home = session.execute(
        home_page_statement, {**given, "since": today - RECENTLY_HOME, "limit": HOME_PAGE + 1, "offset": (home_page - 1) * HOME_PAGE}
    ).all()
    rows = [[_board_row(row, today) for row in found] for found in (waiting, home)]
    _add_gates(session, [row for found in rows for row in found])
    return Board(rows[0][:BOARD_PAGE], rows[1][:HOME_PAGE], page, len(rows[0]) > BOARD_PAGE, home_page, len(rows[1]) > HOME_PAGE)


@lru_cache(maxsize=2)
def _board_statements(viewing: bool) -> tuple[Any, Any]:
    """The board's two pages (waiting; home lately), built once (for a viewer's agency, leaving out
    who objected to it): the network, the agency, the day since and the page are parameters."""
    entry = DischargeBoardEntry
    statement = (
        core_select(
            col(Referral.id),
            col(Referral.ward),
            col(Referral.expected_discharge_on),
            col(Referral.medically_optimised_on),
            col(Person.id),
            col(Person.given_name),
            col(Person.family_name),
            col(DischargeWait.id),
            col(DischargeWait.version),
            col(DischargeWait.delay_reason),
            col(DischargeWait.delay_note),
            col(DischargeWait.home_on),
        )
        .select_from(entry)
        .join(Referral, col(Referral.id) == entry.referral_id)
        .join(Person, col(Person.id) == Referral.person_id)
        .outerjoin(DischargeWait, col(DischargeWait.referral_id) == Referral.id)
        .where(col(entry.network_id) == bindparam("network_id", type_=Integer))
    )
    if viewing:
        statement = statement.where(access.not_objected(bindparam("agency_id", type_=Integer), Person.id))
    limit, offset = bindparam("limit", type_=Integer), bindparam("offset", type_=Integer)
    waiting = (
        statement.where(col(entry.home_on).is_(None))
        # home_on (null in every row) leads the order as it leads the index: PostgreSQL does not take
        # IS NULL as one value, and without it sorted every wait on the board to find the first page.
        .order_by(col(entry.home_on), col(entry.ready_on), col(entry.referral_id))
        .limit(limit)
        .offset(offset)
    )
    home = (
        statement.where(col(entry.home_on) >= bindparam("since", type_=Date))
        .order_by(col(entry.home_on).desc(), col(entry.ready_on).desc(), col(entry.referral_id).desc())
        .limit(limit)
        .offset(offset)
    )
    return waiting, home


def _board_row(row: Any, today: date) -> BoardRow:
    referral_id, ward, expected_on, ready_on, person_id, given, family, wait_id, version, reason, note, home_on = row
    referral = BoardReferral(referral_id, ward, expected_on, ready_on)
    wait = BoardWait(wait_id, version, reason, note, home_on) if wait_id is not None else None
    return BoardRow(referral, PersonName(person_id, given, family), wait, _days(referral, wait, today))


# The actions gating the waits of a page of the board, with their owners' names: built once.
_GATES = (
    core_select(
        col(DischargeGate.wait_id),
        col(CarePlanAction.description),
        col(CarePlanAction.status),
        col(Agency.name),
        col(User.full_name),
    )
    .join(CarePlanAction, col(CarePlanAction.id) == DischargeGate.action_id)
    .join(Agency, col(Agency.id) == CarePlanAction.owner_agency_id)
    .outerjoin(User, col(User.id) == CarePlanAction.owner_user_id)
    .where(col(DischargeGate.wait_id).in_(bindparam("wait_ids", expanding=True)))
    .order_by(col(CarePlanAction.due_on), col(CarePlanAction.id))
)


def _add_gates(session: Session, found: list[BoardRow]) -> None:
    """The plan actions gating each row's discharge, with their owners: one query."""
    wait_rows = {row.wait.id: row for row in found if row.wait is not None}
    if wait_rows:
        for wait_id, description, status, agency_name, user_name in session.execute(_GATES, {"wait_ids": list(wait_rows)}):
            wait_rows[wait_id].gates.append(Gate(description, status, agency_name, user_name))


def _days(referral: BoardReferral, wait: Optional[BoardWait], today: date) -> int:
    """Days in a hospital bed after being ready to leave: to the day home, or to today."""
    end = wait.home_on if wait is not None and wait.home_on is not None else today
    return max((end - referral.medically_optimised_on).days, 0)


def referral_on_board(session: Session, network_id: int, referral_id: int) -> Optional[tuple[Referral, Person, Optional[DischargeWait]]]:
    """One of the network's discharge referrals, or None."""
    practice = _practice()
    row = session.exec(
        _discharge_referrals(practice).where(Referral.id == referral_id, network_of_referral(practice) == network_id)
    ).first()
    return (row[0], row[1], row[2]) if row else None


def open_actions(session: Session, person_id: int) -> list[tuple[CarePlanAction, Agency]]:
    """The person's open plan actions: those that may gate their discharge."""
    return list(
        session.exec(
            select(CarePlanAction, Agency)
            .join(Agency, col(Agency.id) == CarePlanAction.owner_agency_id)
            .where(CarePlanAction.person_id == person_id, col(CarePlanAction.status).in_(OPEN_ACTION_STATUSES))
            .order_by(col(CarePlanAction.due_on), col(CarePlanAction.id))
        ).all()
    )


def gates_of(session: Session, wait: Optional[DischargeWait]) -> set[int]:
    if wait is None:
        return set()
    return set(session.exec(select(DischargeGate.action_id).where(DischargeGate.wait_id == wait.id)).all())


def check(session: Session, referral: Referral, person: Person, wait: Optional[DischargeWait], command: RecordDischarge) -> dict[str, str]:
    """What recording this would be refused for, changing nothing: a note within its length, a day
    home not before the day they were ready, and gating actions from the person's own plan."""
    assert person.id is not None
    errors: dict[str, str] = {}
    problem = checks.text_problem(command.delay_note, "the note", max_length=NOTE_MAX)
    if problem:
        errors["delay_note"] = problem
    ready = referral.medically_optimised_on
    if command.home_on is not None and ready is not None and command.home_on < ready:
        errors["home_on-day"] = f"The date the person got home must be on or after the day they were ready to leave ({ready:%-d %B %Y})"
    allowed = {action.id for action, _ in open_actions(session, person.id)} | gates_of(session, wait)
    if set(command.gates) - allowed:
        errors["gate"] = "Select actions from this person's care plan"
    return errors


def record(
    session: Session, referral: Referral, person: Person, wait: Optional[DischargeWait], command: RecordDischarge, by: User, today: date
) -> SaveResult[DischargeWait]:
    """Record what holds the person, which of their open actions gate discharge, and the day they got
    home (`check`); only over the version the user saw."""
    assert referral.id is not None and person.id is not None
    errors = check(session, referral, person, wait, command)
    if errors:
        return SaveResult(errors=errors, item=wait)
    values: dict[str, Any] = {
        "delay_reason": command.delay_reason,
        "delay_note": command.delay_note,
        "home_on": command.home_on,
        "updated_by_id": by.id,
        "updated_at": utc_now(),
    }
    if wait is None:
        if command.seen_version != 0:  # it was there when the user looked: it cannot have gone since
            return SaveResult(refused="This discharge changed since you opened it. Go back to the board and try again.")
        wait = DischargeWait(referral_id=referral.id, person_id=person.id, **values)
        session.add(wait)
        session.flush()
    else:
        assert wait.id is not None
        if not versioned.save_if_unchanged(session, DischargeWait, wait.id, command.seen_version, values):
            theirs = {"delay_reason": wait.delay_reason, "home_on": wait.home_on}
            return SaveResult(item=wait, conflict=versioned.conflict_with(session, wait, values, theirs))
        session.refresh(wait)
    assert wait.id is not None
    current = gates_of(session, wait)
    for action_id in set(command.gates) - current:
        session.add(DischargeGate(wait_id=wait.id, action_id=action_id))
    stale = current - set(command.gates)
    if stale:
        for gate in session.exec(select(DischargeGate).where(DischargeGate.wait_id == wait.id, col(DischargeGate.action_id).in_(stale))):
            session.delete(gate)
    session.flush()
    detail = f"home on {command.home_on}" if command.home_on else (command.delay_reason.label if command.delay_reason else None)
    audit.record(session, "record_discharge", user=by, person_id=person.id, record_type="referral", record_id=referral.id, detail=detail)
    return SaveResult(item=wait)


# --- Figures across networks -------------------------------------------------------------------


@dataclass
class Figures:
    today: date
    by_network_and_reason: dict[str, dict[str, int]]  # delayed days
    reasons: list[str]
    weeks: list[date]  # the Monday of each week
    by_week: list[int]  # delayed days falling in each week
    median_days_home: Optional[float]
    median_by_network: dict[str, Optional[float]]
    home: int
    waiting: int
    waiting_days: int = 0  # delayed days of those still waiting
    since: Optional[date] = None  # those home on or after this day are counted

    @property
    def networks(self) -> list[str]:
        return sorted(self.by_network_and_reason)

    def network_total(self, network: str) -> int:
        return sum(self.by_network_and_reason[network].values())

    @property
    def total(self) -> int:
        return sum(self.network_total(n) for n in self.by_network_and_reason)


def _spread(by_week: list[int], first_week: date, start: date, end: date) -> None:
    """Add the days from `start` up to (not including) `end` to the weeks they fall in (what figures'
    weekly sums add up in the database, stated in Python: tests compare the two)."""
    if end <= start:
        return
    first = max((start - first_week).days // 7, 0)
    last = min((end - first_week).days // 7, len(by_week) - 1)  # only the weeks it touches
    for index in range(first, last + 1):
        week_start = first_week + timedelta(weeks=index)
        overlap = (min(end, week_start + timedelta(weeks=1)) - max(start, week_start)).days
        if overlap > 0:
            by_week[index] += overlap


def figures(session: Session, today: date, network_id: Optional[int] = None, since: Optional[date] = None) -> Figures:
    """Delayed days (from ready to home, or to today) by network and by delay reason, by week over the
    last twelve weeks, and the median days from ready to home, for the people waiting and those home
    since `since` (the start of the twelve weeks unless given): added up by the database over the
    board entries (two ranges of ix_discharge_board_entry_home_on, or _network for one network, so
    nobody home before the period is read), so only counts come back: people by network, reason,
    waiting or home and days delayed (a few hundred at most, however many people), and the delayed
    days of each week; three queries."""
    first_week = today - timedelta(days=today.weekday()) - timedelta(weeks=WEEKS - 1)
    since = first_week if since is None else since
    entry = DischargeBoardEntry
    found = select(col(entry.ready_on), col(entry.home_on), col(entry.delay_reason), col(entry.network_id)).where(
        col(entry.ready_on) <= today
    )
    if network_id is not None:
        found = found.where(col(entry.network_id) == network_id)
    # Two ranges of the index, so that those home before the period are not read.
    entries = union_all(found.where(col(entry.home_on).is_(None)), found.where(col(entry.home_on) >= since)).subquery()
    greatest, least = (func.greatest, func.least) if session.get_bind().dialect.name == "postgresql" else (func.max, func.min)
    first = _day_number_of(session, first_week)
    ready = _day_number(session, entries.c.ready_on)
    end = greatest(func.coalesce(_day_number(session, entries.c.home_on), bindparam("today", _day_number_of(session, today))), ready)
    # Grouped by the names of the columns made (the same expression, its values bound, would not be
    # the same expression to PostgreSQL), so the statements are made once and cached.
    by: list[ColumnElement[Any]] = [literal_column(name) for name in ("network_id", "delay_reason", "waiting", "days")]
    groups = session.execute(
        core_select(
            entries.c.network_id,
            entries.c.delay_reason,
            entries.c.home_on.is_(None).label("waiting"),
            (end - ready).label("days"),
            func.count(),
        ).group_by(*by)
    ).all()
    # Delayed days by week: each day of the twelve weeks, the people delayed that day (ready by then,
    # not yet home), from how many became ready and how many stopped being delayed each day (those
    # before the weeks counted on their first day, those after left out): two counts a day at most.
    start_day = greatest(ready, bindparam("first", first)).label("day")
    end_day = least(greatest(end, bindparam("first", first)), bindparam("last", first + 7 * WEEKS)).label("day")
    changes = [0] * (7 * WEEKS + 1)
    for sign, day, people in session.execute(
        union_all(
            core_select(literal(1).label("sign"), start_day, func.count()).group_by(literal_column("day")),
            core_select(literal(-1).label("sign"), end_day, func.count()).group_by(literal_column("day")),
        )
    ):
        changes[int(day) - first] += sign * people
    by_week, delayed_today = [0] * WEEKS, 0
    for offset in range(7 * WEEKS):
        delayed_today += changes[offset]
        by_week[offset // 7] += delayed_today
    names = dict(session.exec(select(Network.id, Network.name)).all())
    weeks = [first_week + timedelta(weeks=i) for i in range(WEEKS)]
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    home_days: dict[int, int] = defaultdict(int)  # days from ready to home -> people
    home_by_network: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    waiting = waiting_days = 0
    for nid, reason, is_waiting, delayed, people in groups:
        name = names.get(nid, "No network known")
        delayed = int(delayed)
        table[name][reason.label if reason else NOT_RECORDED] += delayed * people
        if is_waiting:
            waiting += people
            waiting_days += delayed * people
        else:
            home_days[delayed] += people
            home_by_network[name][delayed] += people
    reasons = [r.label for r in DelayReason if any(r.label in t for t in table.values())]
    if any(NOT_RECORDED in t for t in table.values()):
        reasons.append(NOT_RECORDED)
    return Figures(
        today,
        {n: dict(t) for n, t in table.items()},
        reasons,
        weeks,
        by_week,
        _median_as_listed(home_days),
        {n: _median_as_listed(home_by_network[n]) if home_by_network.get(n) else None for n in table},
        sum(home_days.values()),
        waiting,
        waiting_days,
        since,
    )


def _median_as_listed(counts: dict[int, int]) -> Optional[float]:
    """statistics.median of the list of days that `counts` (days -> how many) stands for, of the same
    type (the middle one itself when the count is odd), so the page shows it exactly as before."""
    total = sum(counts.values())
    if not total:
        return None
    wanted, seen, found = sorted({(total + 1) // 2, total // 2 + 1}), 0, []
    for value in sorted(counts):
        found += [value for rank in wanted if seen < rank <= seen + counts[value]]
        seen += counts[value]
    return found[0] if len(found) == 1 else (found[0] + found[1]) / 2


def _day_number(session: Session, column: Any) -> ColumnElement[Any]:
    """A date as a whole number of days, so the database can subtract and add them up."""
    return _day_number_in(session.get_bind().dialect.name, column)


def _day_number_in(dialect: str, column: Any) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return column - literal(date(2000, 1, 1), Date)
    return cast(func.julianday(column), Integer)


def _days_between_in(dialect: str, start: Any, end: Any) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return end - start  # a whole number of days
    return cast(func.julianday(end) - func.julianday(start), Integer)


def board_figures(session: Session, today: date, network_id: int, viewer_agency_id: Optional[int] = None) -> Figures:
    """The board's figures for one network: delayed days by reason of those waiting (to today) and of
    those home in the last four weeks (to the day home), how many of each, and the median days from
    ready to home of those home; with a viewer's agency, none who objected to it (as `board` lists
    them). Added up by the database over the network's board entries (ix_discharge_board_entry_network,
    two ranges of it), so only a few dozen counts come back, less the entries of those who objected
    to the agency (read from its standing objections, so however big the board): three queries."""
    since = today - RECENTLY_HOME
    statements = _board_figures_statements(session.get_bind().dialect.name)
    given = {"network_id": network_id, "today": today, "since": since}
    table: dict[str, int] = defaultdict(int)
    people_by_reason: dict[str, int] = defaultdict(int)
    waiting = waiting_days = 0
    for reason, people, ready_days in session.execute(statements.waiting, given):
        days = people * _day_number_of(session, today) - int(ready_days)
        table[reason.label if reason else NOT_RECORDED] += days
        people_by_reason[reason.label if reason else NOT_RECORDED] += people
        waiting += people
        waiting_days += days
    home_days: dict[int, int] = defaultdict(int)  # days from ready to home -> people
    for reason, days, people in session.execute(statements.home, given):
        table[reason.label if reason else NOT_RECORDED] += int(days) * people
        people_by_reason[reason.label if reason else NOT_RECORDED] += people
        home_days[int(days)] += people
    if viewer_agency_id is not None:
        # Those the board leaves out, taken off again (and a reason only they had with them): read
        # from the agency's standing objections (ix_consent_objection_agency_standing), then each
        # person's referrals and their entries, so it reads a few rows however big the board.
        for ready_on, home_on, reason in session.execute(statements.objected, {**given, "agency_id": viewer_agency_id}):
            label = reason.label if reason else NOT_RECORDED
            days = ((home_on or today) - ready_on).days
            table[label] -= days
            people_by_reason[label] -= 1
            if home_on is None:
                waiting -= 1
                waiting_days -= days
            else:
                home_days[days] -= 1
        table = defaultdict(int, {label: days for label, days in table.items() if people_by_reason[label] > 0})
        home_days = defaultdict(int, {days: people for days, people in home_days.items() if people > 0})
    name = session.execute(statements.name, given).scalar() or "No network known"
    reasons = [r.label for r in DelayReason if r.label in table]
    if NOT_RECORDED in table:
        reasons.append(NOT_RECORDED)
    home = sum(home_days.values())
    middle = _median_of_counts(home_days)
    return Figures(today, {name: dict(table)} if table else {}, reasons, [], [], middle, {name: middle}, home, waiting, waiting_days, since)


@dataclass(frozen=True)
class _BoardFiguresStatements:
    waiting: Any
    home: Any
    objected: Any
    name: Any


@lru_cache(maxsize=2)
def _board_figures_statements(dialect: str) -> _BoardFiguresStatements:
    """`board_figures`' statements, built once for each database: the network, the day and the
    start of "recently home" (and the viewer's agency) are bound per request."""
    entry = DischargeBoardEntry
    since = bindparam("since", type_=Date)
    mine = (col(entry.network_id) == bindparam("network_id", type_=Integer), col(entry.ready_on) <= bindparam("today", type_=Date))
    took = _days_between_in(dialect, col(entry.ready_on), col(entry.home_on))
    objected = (
        select(col(ConsentObjection.person_id))
        .where(col(ConsentObjection.agency_id) == bindparam("agency_id", type_=Integer), col(ConsentObjection.withdrawn_at).is_(None))
        .distinct()
        .subquery()
    )
    return _BoardFiguresStatements(
        waiting=select(col(entry.delay_reason), func.count(), func.sum(_day_number_in(dialect, col(entry.ready_on))))
        .where(*mine, col(entry.home_on).is_(None))
        .group_by(col(entry.delay_reason)),
        home=select(col(entry.delay_reason), took, func.count())
        .where(*mine, col(entry.home_on) >= since)
        .group_by(col(entry.delay_reason), took),
        objected=select(col(entry.ready_on), col(entry.home_on), col(entry.delay_reason))
        .select_from(objected)
        .join(Referral, col(Referral.person_id) == objected.c.person_id)
        .join(entry, col(entry.referral_id) == Referral.id)
        .where(*mine, or_(col(entry.home_on).is_(None), col(entry.home_on) >= since)),
        name=select(Network.name).where(col(Network.id) == bindparam("network_id", type_=Integer)),
    )


def _day_number_of(session: Session, day: date) -> int:
    """`day` as _day_number counts it."""
    if session.get_bind().dialect.name == "postgresql":
        return (day - date(2000, 1, 1)).days
    return day.toordinal() + 1721424  # the Julian day number of noon that day, as julianday() counts


def _median_of_counts(counts: dict[int, int]) -> Optional[float]:
    """statistics.median of a list given as value -> how many times it occurs."""
    total = sum(counts.values())
    if not total:
        return None
    middle, seen, found = sorted({(total + 1) // 2, total // 2 + 1}), 0, []
    for value in sorted(counts):
        seen += counts[value]
        found += [value for rank in middle if seen - counts[value] < rank <= seen]
    return sum(found) / len(found)
