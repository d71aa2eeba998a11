"""A network's multidisciplinary team (MDT) meetings: the lead schedules them; a key worker or the
lead puts a person on the next agenda with the question to discuss; the meeting reads a one-screen
summary of each person; the lead records who came (by agency), a decision per person and new plan
actions, made through the care plan's own commands (so each is requested of its agency: the
handshake). Nothing here commits: the request does."""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Optional

from sqlalchemy import Date, Integer, bindparam, case, func, true
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from app import checks, versioned
from app.care_plan import commands, read_model
from app.forms import questions
from app.trust import access, audit
from app.versioned import SaveResult
from models import (
    OPEN_ACTION_STATUSES,
    Agency,
    Assessment,
    AssessmentRevision,
    CarePlan,
    CarePlanAction,
    CarePlanRevision,
    CareTeamMember,
    MdtAgendaItem,
    MdtAttendee,
    MdtMeeting,
    Network,
    Person,
    User,
)
from models.clock import utc_now

QUESTION_MAX = 1000
DECISION_MAX = 2000
PLACE_MAX = 160
# With no earlier meeting of the network, "what changed since the last meeting" looks back this far.
FIRST_LOOK_BACK = timedelta(days=28)
CHANGES_SHOWN = 5  # per person, most recent first: the summary is one screen
FRAILTY_SECTION, FRAILTY_QUESTION, FRAILTY_TOOL = "physical", "cfs_level", "cfs"


# --- The commands ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleMeeting:
    held_on: Optional[date]
    place: Optional[str]


@dataclass(frozen=True)
class AddToAgenda:
    question: Optional[str]


@dataclass(frozen=True)
class RecordAttendee:
    agency_id: Optional[int]
    name: Optional[str]


@dataclass(frozen=True)
class RecordOutcome:
    """The decision about one person, and perhaps a new action for their plan (requested of an agency
    in their care team)."""

    decision: Optional[str]
    seen_version: int
    action: Optional[commands.AddItem] = None


# --- Scheduling and the agenda -----------------------------------------------------------------


def schedule(session: Session, network: Network, command: ScheduleMeeting, by: User, today: date) -> SaveResult[MdtMeeting]:
    """A meeting of the network on a day not yet past, somewhere."""
    errors: dict[str, str] = {}
    if command.held_on is None:
        errors.setdefault("held_on-day", "Enter the date of the meeting")
    elif command.held_on < today:
        errors["held_on-day"] = "The date of the meeting must be today or in the future"
    problem = checks.text_problem(command.place or "", "where the meeting is held", max_length=PLACE_MAX, required=True)
    if problem:
        errors["place"] = problem
    if errors:
        return SaveResult(errors=errors)
    assert command.held_on is not None and command.place is not None and network.id is not None
    meeting = MdtMeeting(network_id=network.id, held_on=command.held_on, place=command.place, scheduled_by_id=by.id)
    session.add(meeting)
    session.flush()
    audit.record(session, "schedule_mdt_meeting", user=by, record_type="mdt_meeting", record_id=meeting.id, detail=str(meeting.held_on))
    return SaveResult(item=meeting)


def next_meeting(session: Session, network_id: int, today: date) -> Optional[MdtMeeting]:
    """The network's next meeting: the first on or after today."""
    return session.exec(
        select(MdtMeeting)
        .where(MdtMeeting.network_id == network_id, MdtMeeting.held_on >= today)
        .order_by(col(MdtMeeting.held_on), col(MdtMeeting.id))
        .limit(1)
    ).first()


def add_to_agenda(
    session: Session, person: Person, network_id: Optional[int], command: AddToAgenda, by: User, today: date
) -> SaveResult[MdtAgendaItem]:
    """Put the person on their network's next meeting, with the question to discuss; once per meeting."""
    problem = checks.text_problem(command.question or "", "the question to discuss", max_length=QUESTION_MAX, required=True)
    if problem:
        return SaveResult(errors={"question": problem})
    meeting = next_meeting(session, network_id, today) if network_id is not None else None
    if meeting is None:
        return SaveResult(refused="The person's network has no meeting scheduled. Ask the network lead to schedule one.")
    already = session.exec(
        select(MdtAgendaItem).where(MdtAgendaItem.meeting_id == meeting.id, MdtAgendaItem.person_id == person.id)
    ).first()
    if already is not None:
        return SaveResult(
            refused=f"{person.full_name} is already on the agenda of the meeting on {meeting.held_on:%-d %B %Y}.", item=already
        )
    assert command.question is not None and meeting.id is not None and person.id is not None
    item = MdtAgendaItem(meeting_id=meeting.id, person_id=person.id, question=command.question.strip(), added_by_id=by.id)
    session.add(item)
    session.flush()
    audit.record(session, "add_to_mdt_agenda", user=by, person_id=person.id, record_type="mdt_agenda_item", record_id=item.id)
    return SaveResult(item=item)


@dataclass
class MeetingRow:
    meeting: MdtMeeting
    people: int
    decided: int


def meetings(session: Session, network_id: int) -> list[MeetingRow]:
    """The network's meetings, latest first, with how many people each discussed (one query)."""
    decided = func.count(col(MdtAgendaItem.decided_at))
    rows = session.exec(
        select(MdtMeeting, func.count(col(MdtAgendaItem.id)), decided)
        .outerjoin(MdtAgendaItem, col(MdtAgendaItem.meeting_id) == MdtMeeting.id)
        .where(MdtMeeting.network_id == network_id)
        .group_by(col(MdtMeeting.id))
        .order_by(col(MdtMeeting.held_on).desc(), col(MdtMeeting.id).desc())
    ).all()
    return [MeetingRow(meeting, people, done) for meeting, people, done in rows]


def meeting_of(session: Session, network_id: int, meeting_id: int) -> Optional[MdtMeeting]:
    meeting = session.get(MdtMeeting, meeting_id)
    return meeting if meeting is not None and meeting.network_id == network_id else None


def agenda_item_of(session: Session, meeting: MdtMeeting, item_id: int) -> Optional[MdtAgendaItem]:
    item = session.get(MdtAgendaItem, item_id)
    return item if item is not None and item.meeting_id == meeting.id else None


# --- The one-screen summary of each person -----------------------------------------------------


@dataclass
class Frailty:
    score: Optional[int]
    label: Optional[str]
    previous: Optional[int]  # the score before the last change of it, if it ever changed

    @property
    def trend(self) -> str:
        if self.score is None:
            return "Not assessed"
        if self.previous is None:
            return "No earlier score"
        if self.score > self.previous:
            return f"Worse (was {self.previous})"
        if self.score < self.previous:
            return f"Better (was {self.previous})"
        return "Unchanged"


@dataclass
class Change:
    at: datetime
    summary: str


@dataclass
class PersonSummary:
    item: MdtAgendaItem
    person: Person
    key_worker: Optional[str]
    frailty: Frailty
    open_actions: int = 0
    overdue_actions: int = 0
    changes: list[Change] = field(default_factory=list)
    more_changes: int = 0


@dataclass
class Agenda:
    meeting: MdtMeeting
    since: datetime  # what changed is counted from here: the network's previous meeting
    people: list[PersonSummary]
    attendees: list[tuple[MdtAttendee, Agency]]


def frailty_scores() -> dict[str, tuple[int, str]]:
    tool = questions.template().tool(FRAILTY_TOOL)
    return {option.value: (option.score or 0, option.label) for option in tool.items[0].options}


def frailty_from(answers_in_order: list[Mapping[str, Any]]) -> Frailty:
    """The Clinical Frailty Scale level now (the latest answer) and the level before its last change."""
    scores = frailty_scores()
    levels = [scores[a[FRAILTY_QUESTION]] for a in answers_in_order if a.get(FRAILTY_QUESTION) in scores]
    if not levels:
        return Frailty(None, None, None)
    score, label = levels[-1]
    previous = next((level for level, _ in reversed(levels) if level != score), None)
    return Frailty(score, label, previous)


@dataclass(frozen=True)
class _AgendaStatements:
    previous: Any
    people: Any
    attendees: Any
    key_workers: Any
    frailty: Any
    actions: Any
    changes: Any


@lru_cache(maxsize=2)
def _agenda_statements(viewing: bool) -> _AgendaStatements:
    """The agenda's statements, built once (for a viewer whose agency a person may have objected to,
    and for none): the meeting, its network, the people on it, the day and the look-back are bound
    per request."""
    meeting_id = bindparam("meeting_id", type_=Integer)
    person_ids: Any = bindparam("person_ids", expanding=True)
    overdue = func.sum(case((col(CarePlanAction.due_on) < bindparam("today", type_=Date), 1), else_=0))
    return _AgendaStatements(
        previous=select_columns(func.max(MdtMeeting.held_on)).where(
            col(MdtMeeting.network_id) == bindparam("network_id", type_=Integer),
            col(MdtMeeting.held_on) < bindparam("held_on", type_=Date),
        ),
        people=select(MdtAgendaItem, Person)
        .join(Person, col(Person.id) == MdtAgendaItem.person_id)
        .where(col(MdtAgendaItem.meeting_id) == meeting_id)
        .where(access.not_objected(bindparam("agency_id", type_=Integer), Person.id) if viewing else true())
        .order_by(col(MdtAgendaItem.added_at), col(MdtAgendaItem.id)),
        attendees=select(MdtAttendee, Agency)
        .join(Agency, col(Agency.id) == MdtAttendee.agency_id)
        .where(col(MdtAttendee.meeting_id) == meeting_id)
        .order_by(col(Agency.name), col(MdtAttendee.id)),
        key_workers=select_columns(col(CareTeamMember.person_id), col(User.full_name))
        .join(User, col(User.id) == CareTeamMember.user_id)
        .where(col(CareTeamMember.person_id).in_(person_ids), col(CareTeamMember.is_key_worker).is_(True))
        .where(col(CareTeamMember.left_at).is_(None)),
        frailty=select_columns(col(Assessment.person_id), col(AssessmentRevision.answers))
        .join(AssessmentRevision, col(AssessmentRevision.assessment_id) == Assessment.id)
        .where(col(Assessment.person_id).in_(person_ids), col(AssessmentRevision.section_key) == FRAILTY_SECTION)
        .order_by(col(AssessmentRevision.saved_at), col(AssessmentRevision.id)),
        actions=select_columns(col(CarePlanAction.person_id), func.count(), overdue)
        .where(col(CarePlanAction.person_id).in_(person_ids), col(CarePlanAction.status).in_(OPEN_ACTION_STATUSES))
        .group_by(col(CarePlanAction.person_id)),
        changes=select_columns(col(CarePlan.person_id), col(CarePlanRevision.saved_at), col(CarePlanRevision.summary))
        .join(CarePlanRevision, col(CarePlanRevision.care_plan_id) == CarePlan.id)
        .where(col(CarePlan.person_id).in_(person_ids), col(CarePlanRevision.saved_at) >= bindparam("since"))
        .order_by(col(CarePlanRevision.saved_at).desc(), col(CarePlanRevision.id).desc()),
    )


def agenda(session: Session, meeting: MdtMeeting, today: date, viewer_agency_id: Optional[int] = None) -> Agenda:
    """Each person on the agenda with their frailty score and its trend, their open and overdue
    actions, and what changed in their plan since the network's previous meeting: a fixed number of
    queries, however many people are on it."""
    assert meeting.id is not None
    statements = _agenda_statements(viewer_agency_id is not None)
    previous = session.execute(statements.previous, {"network_id": meeting.network_id, "held_on": meeting.held_on}).scalar_one()
    since = (
        datetime.combine(previous, time.min, tzinfo=UTC)
        if previous
        else datetime.combine(meeting.held_on, time.min, tzinfo=UTC) - FIRST_LOOK_BACK
    )
    rows = session.exec(statements.people, params={"meeting_id": meeting.id, "agency_id": viewer_agency_id}).all()
    person_ids = [person.id for _, person in rows]
    attendees = list(session.exec(statements.attendees, params={"meeting_id": meeting.id}).all())
    if not person_ids:
        return Agenda(meeting, since, [], attendees)

    of_people = {"person_ids": person_ids}
    key_workers: dict[int, str] = dict(session.execute(statements.key_workers, of_people).all())
    frailty_answers: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    for person_id, answers in session.execute(statements.frailty, of_people):
        frailty_answers[person_id].append(answers)
    counts = {
        person_id: (open_count, int(late or 0))
        for person_id, open_count, late in session.execute(statements.actions, {**of_people, "today": today})
    }
    changes: dict[int, list[Change]] = defaultdict(list)
    for person_id, saved_at, summary in session.execute(statements.changes, {**of_people, "since": since}):
        changes[person_id].append(Change(saved_at, summary))

    people = []
    for item, person in rows:
        assert person.id is not None
        open_count, late = counts.get(person.id, (0, 0))
        found = changes.get(person.id, [])
        people.append(
            PersonSummary(
                item,
                person,
                key_workers.get(person.id),
                frailty_from(frailty_answers.get(person.id, [])),
                open_count,
                late,
                found[:CHANGES_SHOWN],
                max(len(found) - CHANGES_SHOWN, 0),
            )
        )
    return Agenda(meeting, since, people, attendees)


# --- Recording the meeting ---------------------------------------------------------------------


def record_attendee(session: Session, meeting: MdtMeeting, command: RecordAttendee, by: User) -> SaveResult[MdtAttendee]:
    """Someone who came to the meeting, and the agency they came for."""
    errors: dict[str, str] = {}
    agency = session.get(Agency, command.agency_id) if command.agency_id is not None else None
    if agency is None:
        errors["agency_id"] = "Select the agency they came for"
    problem = checks.text_problem(command.name or "", "their name", max_length=120, required=True)
    if problem:
        errors["name"] = problem
    if errors:
        return SaveResult(errors=errors)
    assert agency is not None and agency.id is not None and command.name is not None and meeting.id is not None
    row = MdtAttendee(meeting_id=meeting.id, agency_id=agency.id, name=command.name.strip(), recorded_by_id=by.id)
    session.add(row)
    session.flush()
    audit.record(session, "record_mdt_attendee", user=by, record_type="mdt_meeting", record_id=meeting.id)
    return SaveResult(item=row)


def check_outcome(session: Session, person: Person, command: RecordOutcome, today: Optional[date] = None) -> dict[str, str]:
    """What recording this outcome would be refused for, changing nothing: a decision in words, and
    a new action the care plan's own rules accept (an agency in the care team, real dates)."""
    errors: dict[str, str] = {}
    problem = checks.text_problem(command.decision or "", "the decision", max_length=DECISION_MAX, required=True)
    if problem:
        errors["decision"] = problem
    if command.action is not None:
        assert person.id is not None
        # A person with no plan yet gets one when the outcome is saved; until then the action is
        # checked against an unsaved plan (an action under no need never reads the plan).
        plan = read_model.plan_for(session, person.id) or CarePlan(person_id=person.id)
        errors.update(commands.check_item(session, plan, person, command.action, today).errors)
    return errors


def record_outcome(
    session: Session, item: MdtAgendaItem, person: Person, command: RecordOutcome, by: User, today: Optional[date] = None
) -> SaveResult[MdtAgendaItem]:
    """The meeting's decision about the person (saved only over the version the user saw) and, if one
    was asked for, a new action in their plan: added by the care plan's own command, so it is
    requested of its agency, which is told, and the plan's history and the care team see it."""
    errors = check_outcome(session, person, command, today)
    if errors:
        return SaveResult(errors=errors, item=item)
    assert command.decision is not None and item.id is not None
    now = utc_now()
    made = 1 if command.action is not None else 0
    values = {
        "decision": command.decision.strip(),
        "decided_by_id": by.id,
        "decided_at": now,
        "actions_created": item.actions_created + made,
    }
    if not versioned.save_if_unchanged(session, MdtAgendaItem, item.id, command.seen_version, values):
        theirs = {"decision": item.decision}
        return SaveResult(item=item, conflict=versioned.conflict_with(session, item, {"decision": command.decision}, theirs))
    if command.action is not None:
        plan = commands.open_plan(session, person, by)
        added = commands.add_item(session, plan, person, command.action, by, today)
        assert added.ok, added.errors  # checked above, in this transaction
    session.refresh(item)
    audit.record(session, "record_mdt_outcome", user=by, person_id=person.id, record_type="mdt_agenda_item", record_id=item.id)
    return SaveResult(item=item)


@dataclass
class Discussed:
    meeting: MdtMeeting
    network: Network
    item: MdtAgendaItem


@lru_cache(maxsize=1)
def _discussed_statement() -> Any:
    """`discussed`'s statement, built once: the record's summary asks it on every view."""
    return (
        select(MdtAgendaItem, MdtMeeting, Network)
        .join(MdtMeeting, col(MdtMeeting.id) == MdtAgendaItem.meeting_id)
        .join(Network, col(Network.id) == MdtMeeting.network_id)
        .where(MdtAgendaItem.person_id == bindparam("person_id"), col(MdtAgendaItem.decided_at).is_not(None))
        .order_by(col(MdtMeeting.held_on).desc(), col(MdtAgendaItem.id).desc())
        .limit(bindparam("limit"))
    )


def discussed(session: Session, person_id: int, limit: int = 5) -> list[Discussed]:
    """The meetings that discussed the person and what they decided, latest first (the mark on their record)."""
    rows = session.exec(_discussed_statement(), params={"person_id": person_id, "limit": limit}).all()
    return [Discussed(meeting, network, item) for item, meeting, network in rows]


def care_team_agencies(session: Session, person_id: int) -> list[Agency]:
    """Agencies in the person's care team now: who a meeting's new action may be asked of."""
    return list(
        session.exec(
            select(Agency)
            .join(CareTeamMember, col(CareTeamMember.agency_id) == Agency.id)
            .where(CareTeamMember.person_id == person_id, col(CareTeamMember.left_at).is_(None))
            .distinct()
            .order_by(col(Agency.name))
        ).all()
    )
