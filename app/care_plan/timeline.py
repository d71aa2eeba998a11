"""The shared timeline of contacts (issue 16): a visit, a phone call, a meeting about the person, the
most common thing a community worker records. Any agency in the care team records a contact
against the person (when, how, with whom, what happened) and may move on the plan actions it
touched in the same save, through the action handshake (app/care_plan/commands.move_action): the
contact and every move are kept together, or none of them is. The timeline shows every agency's
contacts, newest first, filterable by agency.

Each change is a typed command, checked here; nothing here commits.
"""

from dataclasses import dataclass, field
from datetime import date, time
from typing import Optional

from sqlmodel import Session, col, select

from app import checks, db, versioned
from app.care_plan import care_team, commands, handshake, read_model
from app.care_plan.read_model import actor
from app.trust import access, audit
from app.versioned import SaveResult
from app.work import notifications
from models import ActionStatus, Agency, CarePlanAction, ContactHow, ContactRecord, Person, User
from models.clock import utc_now

WITH_WHOM_MAX = 160
SUMMARY_MAX = 4000
LIMIT = 200  # the newest contacts shown at once
OPEN = (ActionStatus.requested, ActionStatus.accepted, ActionStatus.in_progress)
MOVES_FIELD = "moves"
NOT_IN_PLAN = "Select an action in this care plan"


@dataclass(frozen=True)
class ActionMove:
    """One plan action moved on by the contact (accept, start, complete: moves that need no reason)."""

    action_id: int
    transition: handshake.Transition
    seen_version: int


@dataclass(frozen=True)
class RecordContact:
    contact_on: Optional[date]
    contact_time: Optional[time]
    how: Optional[ContactHow]
    with_whom: Optional[str]
    summary: Optional[str]
    moves: tuple[ActionMove, ...] = ()


@dataclass(frozen=True)
class Offer:
    """An open action of the plan, and the moves this user may make on it from a contact."""

    action: CarePlanAction
    agency: str
    moves: list[handshake.Transition]


@dataclass
class Entry:
    record: ContactRecord
    agency: Agency
    recorded_by: User


@dataclass
class Timeline:
    entries: list[Entry]
    agencies: list[Agency]  # every agency that has recorded a contact, for the filter
    agency_id: Optional[int]  # the filter, if any
    more: bool = False
    ids: list[int] = field(default_factory=list)


# --- Reading -------------------------------------------------------------------------------------


def timeline(session: Session, person_id: int, agency_id: Optional[int] = None) -> Timeline:
    """The person's contacts, newest first, all agencies' or one's (two queries whatever the length)."""
    query = (
        select(ContactRecord, Agency, User)
        .join(Agency, col(Agency.id) == ContactRecord.agency_id)
        .join(User, col(User.id) == ContactRecord.recorded_by_id)
        .where(ContactRecord.person_id == person_id)
    )
    if agency_id is not None:
        query = query.where(ContactRecord.agency_id == agency_id)
    rows = session.exec(
        query.order_by(
            col(ContactRecord.contact_on).desc(), col(ContactRecord.contact_time).desc().nulls_last(), col(ContactRecord.id).desc()
        ).limit(LIMIT + 1)
    ).all()
    agencies = list(
        session.exec(
            select(Agency)
            .where(col(Agency.id).in_(select(ContactRecord.agency_id).where(ContactRecord.person_id == person_id)))
            .order_by(Agency.name)
        )
    )
    entries = [Entry(record, agency, user) for record, agency, user in rows[:LIMIT]]
    return Timeline(entries, agencies, agency_id, more=len(rows) > LIMIT)


def offers(session: Session, person: Person, user: User) -> list[Offer]:
    """The plan's open actions this user may move on from a contact, oldest first (two queries)."""
    assert person.id is not None  # a saved person
    team = care_team.current_members(session, person.id)
    rows = session.exec(
        select(CarePlanAction, Agency)
        .join(Agency, col(Agency.id) == CarePlanAction.owner_agency_id)
        .where(CarePlanAction.person_id == person.id, col(CarePlanAction.status).in_(OPEN))
        .order_by(col(CarePlanAction.id))
    ).all()
    found = []
    for action, agency in rows:
        moves = [t for t in handshake.available(action.status, actor(user, action, team)) if not t.needs_reason]
        if moves:
            found.append(Offer(action, agency.name, moves))
    return found


# --- Recording -----------------------------------------------------------------------------------


def check(command: RecordContact, today: date) -> dict[str, str]:
    """What is wrong with the contact's own answers, by the form's field ids."""
    errors: dict[str, str] = {}
    problem = checks.date_problem(command.contact_on, "the date of the contact", today=today, required=True, past=True)
    if problem:
        errors["contact_on-day"] = problem
    if command.how is None:
        errors["how"] = "Select how the contact was made"
    for name, value, label, limit in (
        ("with_whom", command.with_whom, "who the contact was with", WITH_WHOM_MAX),
        ("summary", command.summary, "what happened", SUMMARY_MAX),
    ):
        problem = checks.text_problem(value, label, max_length=limit, required=True)
        if problem:
            errors[name] = problem
    return errors


def record_contact(
    session: Session, person: Person, command: RecordContact, user: User, today: Optional[date] = None
) -> SaveResult[ContactRecord]:
    """Keep the contact and move on the actions it touched, together or not at all: a move the
    handshake refuses (or one someone else made first) leaves nothing saved. Audited; the key
    worker is told once (in the same inbox item as the plan's change, if the contact moved an action)."""
    assert person.id is not None  # a saved person
    errors = check(command, today or date.today())
    actions: dict[int, CarePlanAction] = {}
    if command.moves:
        ids = [m.action_id for m in command.moves]
        actions = {a.id: a for a in session.exec(select(CarePlanAction).where(col(CarePlanAction.id).in_(ids))) if a.id is not None}
        for move in command.moves:
            action = actions.get(move.action_id)
            if action is None or action.person_id != person.id:
                errors[MOVES_FIELD] = NOT_IN_PLAN
            elif move.transition.needs_reason:
                errors[f"move-{move.action_id}"] = "Decline or cancel the action from the care plan, where you can give a reason"
    if errors:
        return SaveResult(errors=errors)
    assert command.contact_on is not None and command.how is not None and command.with_whom and command.summary
    assert user.id is not None  # a saved user
    plan = read_model.plan_for(session, person.id) if command.moves else None
    moved: list[dict] = []
    with db.undoable(session) as change:
        for move in command.moves:
            assert plan is not None  # an action of this person's plan exists, so the plan does
            result = commands.move_action(
                session, plan, person, commands.MoveAction(move.action_id, move.transition, None, move.seen_version), user
            )
            if not result.ok:
                change.rollback()
                problem = result.forbidden or result.refused or next(iter(result.errors.values()), "This action cannot be moved now")
                return SaveResult(errors={f"move-{move.action_id}": problem})
            action = actions[move.action_id]
            moved.append(
                {"action_id": move.action_id, "description": action.description[:200], "moved": handshake.RULES[move.transition].done}
            )
        row = ContactRecord(
            person_id=person.id,
            contact_on=command.contact_on,
            contact_time=command.contact_time,
            how=command.how,
            with_whom=command.with_whom.strip(),
            summary=command.summary.replace("\r\n", "\n").strip(),
            moved=moved,
            agency_id=user.agency_id,
            recorded_by_id=user.id,
            recorded_at=utc_now(),
        )
        session.add(row)
        session.flush()
    agency = session.get(Agency, user.agency_id)
    said = f"{command.how.label} with {row.with_whom} on {command.contact_on:%-d %B %Y}, recorded by {user.full_name}" + (
        f" ({agency.name})" if agency else ""
    )
    if moved:
        said += "; " + "; ".join(f"action {m['moved']}: {m['description']}" for m in moved)
    audit.record(
        session, "record_contact", user=user, person_id=person.id, record_type="contact_record", record_id=row.id, detail=said[:500]
    )
    _tell_key_worker(session, person, user, said)
    return SaveResult(item=row)


def _tell_key_worker(session: Session, person: Person, user: User, said: str) -> None:
    """The key worker hears of the contact once: in the plan's unread "changed" item for them, if
    the contact moved an action (app/care_plan/commands.tell_team made it), or in a new one."""
    assert person.id is not None  # a saved person
    recipient = care_team.key_worker_inbox(session, person.id, besides=user)
    if recipient is None:
        return
    notifications.notify_once(
        session,
        commands.PLAN_CHANGED,
        f"{commands.PLAN_CHANGED}:{person.id}",
        {recipient},
        f"A contact was recorded for {person.full_name}: {said}",
        person_id=person.id,
        link=notifications.Link("care_plan.timeline", {"person_id": person.id}),
    )


# --- Changing a contact ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeContact:
    """Correct a contact's own answers (when, how, with whom, what happened), as its version stood."""

    contact_id: int
    seen_version: int
    contact_on: Optional[date]
    contact_time: Optional[time]
    how: Optional[ContactHow]
    with_whom: Optional[str]
    summary: Optional[str]


ONLY_ITS_AGENCY = access.ONLY_ITS_AGENCY


def answers(row: ContactRecord) -> dict[str, str]:
    """The contact's answers as its form's fields hold them."""
    return {
        "contact_on-day": str(row.contact_on.day),
        "contact_on-month": str(row.contact_on.month),
        "contact_on-year": str(row.contact_on.year),
        "contact_time": row.contact_time.strftime("%H:%M") if row.contact_time else "",
        "how": row.how.value,
        "with_whom": row.with_whom,
        "summary": row.summary,
    }


def change_contact(
    session: Session, person: Person, command: ChangeContact, user: User, today: Optional[date] = None
) -> SaveResult[ContactRecord]:
    """Change a contact if it is still at the version the user saw (else a conflict showing both);
    only the agency that recorded it may. The actions it moved stay as they were moved. Audited."""
    row = session.get(ContactRecord, command.contact_id)
    if row is None or row.person_id != person.id:
        return SaveResult(refused="There is no such contact on this timeline.")
    if not access.may_change_contact(user, row.agency_id):
        return SaveResult(forbidden=ONLY_ITS_AGENCY)
    errors = check(
        RecordContact(command.contact_on, command.contact_time, command.how, command.with_whom, command.summary), today or date.today()
    )
    if errors:
        return SaveResult(errors=errors)
    assert command.contact_on is not None and command.how is not None and command.with_whom and command.summary
    values = {
        "contact_on": command.contact_on,
        "contact_time": command.contact_time,
        "how": command.how,
        "with_whom": command.with_whom.strip(),
        "summary": command.summary.replace("\r\n", "\n").strip(),
        "updated_by_id": user.id,
        "updated_at": utc_now(),
    }
    if not versioned.save_if_unchanged(session, ContactRecord, command.contact_id, command.seen_version, values):
        yours = {k: str(v) for k, v in values.items() if k not in ("updated_by_id", "updated_at")}
        session.refresh(row)
        return SaveResult(conflict=versioned.conflict_with(session, row, yours, answers(row)))
    session.expire(row)
    audit.record(
        session,
        "change_contact",
        user=user,
        person_id=person.id,
        record_type="contact_record",
        record_id=row.id,
        detail=f"{command.how.label} with {values['with_whom']} on {command.contact_on:%-d %B %Y} changed by {user.full_name}",
    )
    return SaveResult(item=row)
