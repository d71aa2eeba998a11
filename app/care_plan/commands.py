"""Changing the shared care plan: one per person, built and followed by every agency in the care team.

Each change is a typed command (a frozen dataclass of already-parsed values), checked here whatever
way it came in (a page's form, an API, the person's own page). Every change goes the same way: it
raises the plan's version, so the plan's history is one numbered sequence and concurrent writers of
one plan queue behind each other; writes the part or item only if it is still at the version the
user saw (a save against an older one is a `Conflict` showing both versions, and the raised plan
version is undone with it, so nothing is lost and the history has no gaps); stamps the changed
part or item with that plan version and its author, for "changed since you last looked"; keeps an
immutable revision; audits; and tells the rest of the care team. Nothing here commits: the request
(or command line) that called it does, once.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Optional, Union, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from app import db, versioned
from app.care_plan import care_team, handshake, read_model
from app.care_plan.read_model import AGREEMENT, ENUMS, ITEM_MODELS, actor, item_form, snapshot, title
from app.forms import revisions
from app.forms.answers import check_answers, clean
from app.trust import access, audit
from app.versioned import SaveResult
from app.work import notifications
from models import (
    ActionStatus,
    Agency,
    CarePlan,
    CarePlanAction,
    CarePlanContact,
    CarePlanNeed,
    CarePlanPart,
    CarePlanRevision,
    CarePlanView,
    Person,
    PlanItemType,
    SuggestedNeed,
    SuggestionStatus,
    User,
)
from models.clock import utc_now

PLAN_CHANGED = "plan_changed"
NEED_NOT_IN_PLAN = "Select a need from this plan"
OWNER_NOT_IN_TEAM = "Select an agency in the care team. To give the action to another agency, add it to the care team first"
WORDING_MAX = 200  # a need adopted from the assessment, in the key worker's words


# --- The commands ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SavePart:
    """Answer one of the plan's own parts (about me, contingency, advance care, agreement)."""

    part_key: str
    answers: dict[str, Any]
    seen_version: int  # the part's version the user saw


@dataclass(frozen=True)
class AddItem:
    """Add a need, goal, action or contact. A goal or action may belong to a need of this plan; an
    action is owned by an agency in the care team, and perhaps a named practitioner of it."""

    item_type: PlanItemType
    answers: dict[str, Any]
    need_id: Optional[int] = None
    owner_agency_id: Optional[int] = None
    owner_user_id: Optional[int] = None


@dataclass(frozen=True)
class EditItem:
    """Change a need, goal, action or contact (the need a goal or action belongs to stays as it is)."""

    item_type: PlanItemType
    item_id: int
    answers: dict[str, Any]
    seen_version: int  # the item's version the user saw
    owner_agency_id: Optional[int] = None
    owner_user_id: Optional[int] = None


@dataclass(frozen=True)
class MoveAction:
    """Move an action along the handshake (accept, decline, start, complete, cancel)."""

    action_id: int
    transition: handshake.Transition
    reason: Optional[str]  # why it is declined or cancelled
    seen_version: int


@dataclass(frozen=True)
class RemoveContact:
    contact_id: int
    seen_version: int


@dataclass(frozen=True)
class AdoptNeeds:
    """Turn the assessment's suggested needs into plan needs: (suggestion id, the need in the words to use)."""

    choices: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class DismissSuggestion:
    suggestion_id: int


@dataclass(frozen=True)
class MarkSeen:
    """The user has seen the plan as it was at `seen_version`, and the changes marked on it."""

    seen_version: int


@dataclass(frozen=True)
class Adoption:
    """What adopting suggested needs did: the needs added, and the suggestions someone else took or set aside first."""

    added: tuple[CarePlanNeed, ...]
    skipped: tuple[SuggestedNeed, ...]


@dataclass(frozen=True)
class Owner:
    """Who an action is assigned to: an agency in the care team, perhaps a named practitioner of it."""

    agency: Optional[Agency]
    user: Optional[User]

    @property
    def names(self) -> dict[str, Optional[str]]:
        return {"owner": self.agency.name if self.agency else None, "owner_user": self.user.full_name if self.user else None}


NO_OWNER = Owner(None, None)
ItemCommand = Union[AddItem, EditItem]


@dataclass(frozen=True)
class PersonAuthor:
    """The person themselves, changing their own words from their own pages (app/my_record): the
    same commands, history and version check as staff, marked as the person's own. No staff
    account and no agency; the whole care team, key worker included, is told."""

    username: str
    full_name: str
    id: None = None
    agency_id: None = None


Author = Union[User, PersonAuthor]  # who makes a change: a member of staff, or the person


# --- Opening the plan, and marking it seen -------------------------------------------------------


def open_plan(session: Session, person: Person, by: Optional[User]) -> CarePlan:
    """The person's care plan, created (with an empty row per part) if they have none: one plan per
    person, however many people start it at once."""
    assert person.id is not None  # a saved person
    existing = read_model.plan_for(session, person.id)
    if existing is not None:
        return existing
    plan_id = db.insert_once(session, CarePlan, {"person_id": person.id, "opened_by_id": by.id if by else None}, unique=["person_id"])
    plan = session.get(CarePlan, plan_id) if plan_id is not None else read_model.plan_for(session, person.id)
    assert plan is not None and plan.id is not None
    if plan_id is None:  # someone else started it a moment ago
        return plan
    for part in read_model.parts().sections:
        session.add(CarePlanPart(care_plan_id=plan.id, part_key=part.key, answers={}, version=0, changed_in=plan.version))
    session.flush()
    if by is not None:
        audit.record(session, "open_care_plan", user=by, person_id=person.id, record_type="care_plan", record_id=plan.id)
    return plan


def mark_seen(session: Session, plan: CarePlan, command: MarkSeen, user: User) -> int:
    """Remember that this user has seen the plan up to `seen_version`, so changes made up to then are no
    longer marked for them. Never beyond the plan's own version, and never lowered: marking an older
    page as seen does not hide changes made since. The version now remembered."""
    version = min(command.seen_version, plan.version)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(CarePlanView).values(care_plan_id=plan.id, user_id=user.id, seen_version=version, seen_at=utc_now())
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["care_plan_id", "user_id"],
            set_={"seen_version": statement.excluded.seen_version, "seen_at": statement.excluded.seen_at},
            where=col(CarePlanView.seen_version) < statement.excluded.seen_version,
        )
    )
    return version


# --- One change to the plan ---------------------------------------------------------------------


def _begin_change(session: Session, plan: CarePlan, user: Author, now: datetime) -> int:
    """Raise the plan's version and return it. It also queues any other writer of this plan behind
    this one until the change is committed."""
    version: int = session.execute(
        update(CarePlan)
        .where(col(CarePlan.id) == plan.id)
        .values(version=CarePlan.version + 1, updated_at=now, updated_by_id=user.id)
        .returning(col(CarePlan.version))
        # The loaded plan keeps its version until the change is kept (`_finish_change`): a change that
        # is undone must not leave a version that never was.
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return version


def _stamp(user: Author, version: int, now: datetime) -> dict[str, Any]:
    return {
        "changed_in": version,
        "updated_by_id": user.id,
        "updated_agency_id": user.agency_id,
        "updated_at": now,
        "person_words": isinstance(user, PersonAuthor),
    }


def _change_if_unchanged(
    session: Session,
    plan: CarePlan,
    user: Author,
    now: datetime,
    row: Any,
    seen_version: int,
    values: dict[str, Any],
    *conditions: Any,
) -> Optional[int]:
    """Raise the plan's version, then write `values` to the part or item only if it is still at the
    version the user saw (and meets `conditions`), stamped with this change: the new plan version, or
    None if someone else saved it first, when the raised plan version is undone too."""
    with db.undoable(session) as change:
        version = _begin_change(session, plan, user, now)
        saved = versioned.save_if_unchanged(session, type(row), row.id, seen_version, {**values, **_stamp(user, version, now)}, *conditions)
        if not saved:
            change.rollback()
    # The loaded row may have been brought in line with the write (or with one that was undone):
    # read it afresh when next used.
    session.expire(row)
    return version if saved else None


def _finish_change(
    session: Session,
    plan: CarePlan,
    person: Person,
    user: Author,
    version: int,
    item_type: PlanItemType,
    item_key: object,
    values: dict,
    changed: list[str],
    summary: str,
    now: datetime,
    told: frozenset[tuple[Optional[int], Optional[int]]] = frozenset(),
) -> None:
    """Keep the revision, audit it and tell the care team (except those `told` of this change already)."""
    assert plan.id is not None  # a saved plan
    if isinstance(user, PersonAuthor):
        summary = f"{summary} (by {user.full_name}, in their own words)"
    session.add(
        CarePlanRevision(
            care_plan_id=plan.id,
            plan_version=version,
            item_type=item_type,
            item_key=str(item_key),
            values=values,
            changed=changed,
            summary=summary[:300],
            saved_by_id=user.id,
            saved_agency_id=user.agency_id,
            saved_at=now,
            person_words=isinstance(user, PersonAuthor),
        )
    )
    audit.record(
        session,
        "edit_care_plan",
        user=user if isinstance(user, User) else None,
        username=user.username,
        role=None if isinstance(user, User) else "person",
        person_id=person.id,
        record_type=f"care_plan_{item_type.value}",
        record_id=item_key,
        detail=summary,
    )
    tell_team(session, person, user, summary, told)
    _kept(plan, version, user, now)


def _kept(plan: CarePlan, version: int, user: Author, now: datetime) -> None:
    """The loaded plan as the database has it after this change (nothing for the session to write)."""
    set_committed_value(plan, "version", version)
    set_committed_value(plan, "updated_at", now)
    set_committed_value(plan, "updated_by_id", user.id)


def _conflict(session: Session, row: Any, yours: dict, theirs_of: Any) -> versioned.Conflict:
    """The conflict with the row as it stands now: `theirs_of(row)` is how its answers read."""
    session.refresh(row)
    return versioned.conflict_with(session, row, yours, theirs_of(row))


def tell_team(
    session: Session, person: Person, by: Author, summary: str, told: frozenset[tuple[Optional[int], Optional[int]]] = frozenset()
) -> None:
    """One unread "plan changed" item per member of the care team (the named worker, or the whole
    agency where no one is named), refreshed rather than repeated; never to whoever made the change,
    nor to anyone already `told` of it by an item of its own (one notification per event)."""
    assert person.id is not None  # a saved person
    recipients: set[tuple[Optional[int], Optional[int]]] = set()
    told_users = {user_id for user_id, _ in told if user_id is not None}
    told_agencies = {agency_id for _, agency_id in told if agency_id is not None}
    for member in care_team.current_members(session, person.id):
        if member.agency.id in told_agencies or (member.user is not None and member.user.id in told_users):
            continue  # told of it already, by an item of its own (an agency's items reach its staff too)
        if member.user is not None and member.user.id != by.id:
            recipients.add((member.user.id, None))
        elif member.user is None and member.agency.id != by.agency_id:
            recipients.add((None, member.agency.id))
    notifications.notify_once(
        session,
        PLAN_CHANGED,
        f"{PLAN_CHANGED}:{person.id}",
        recipients,
        f"{person.full_name}'s care plan changed: {summary}",
        person_id=person.id,
        link=notifications.to_plan(person.id),
    )


# --- The plan's own parts -----------------------------------------------------------------------


def save_part(
    session: Session, plan: CarePlan, person: Person, command: SavePart, user: Author, today: Optional[date] = None
) -> SaveResult[CarePlanPart]:
    """Check and save one part if it is still at the version the user saw; the agreement part also sets
    the plan's agreed and review dates. Saving the same answers again changes nothing."""
    try:
        section = read_model.parts().section(command.part_key)
    except KeyError:
        return SaveResult(errors={"part_key": "There is no such part of the care plan"})
    answers = clean(section, command.answers)
    errors = check_answers(section, command.answers, today=today)
    if errors:
        return SaveResult(errors=errors, answers=answers)
    row = _part_row(session, plan, section.key)
    changed = revisions.changed_keys(dict(row.answers or {}), answers)
    if not changed and row.version == command.seen_version:
        return SaveResult(answers=answers, item=row)
    now = utc_now()
    version = _change_if_unchanged(session, plan, user, now, row, command.seen_version, {"answers": answers})
    if version is None:
        return SaveResult(conflict=_conflict(session, row, answers, lambda theirs: dict(theirs.answers or {})), answers=answers)
    if section.key == AGREEMENT:
        session.execute(
            update(CarePlan)
            .where(col(CarePlan.id) == plan.id)
            .values(agreed_on=_date(answers.get("agreed_on")), review_due_on=_date(answers.get("review_due_on")))
        )
    _finish_change(session, plan, person, user, version, PlanItemType.part, section.key, answers, changed, f"{section.title} updated", now)
    return SaveResult(answers=answers, item=row)


def _part_row(session: Session, plan: CarePlan, part_key: str) -> CarePlanPart:
    """The part's row, made empty first if the part was added to the plan's questions after this plan
    was opened (by whoever saves it first)."""

    def find() -> Optional[CarePlanPart]:
        return session.exec(select(CarePlanPart).where(CarePlanPart.care_plan_id == plan.id, CarePlanPart.part_key == part_key)).first()

    row = find()
    if row is None:
        db.insert_once(
            session,
            CarePlanPart,
            {"care_plan_id": plan.id, "part_key": part_key, "answers": {}, "version": 0, "changed_in": plan.version},
            unique=["care_plan_id", "part_key"],
        )
        row = find()
    assert row is not None
    return row


def _date(value: Optional[str]) -> Optional[date]:
    return date.fromisoformat(value) if value else None


# --- Needs, goals, actions and contacts --------------------------------------------------------


def check_item(session: Session, plan: CarePlan, person: Person, command: ItemCommand, today: Optional[date] = None) -> SaveResult[Any]:
    """What adding or changing this item would be refused for, saving nothing: for a form that could
    not all be read, so every problem is shown at once."""
    result, _ = _check_item(session, plan, person, command, today)
    return result


def _check_item(
    session: Session, plan: CarePlan, person: Person, command: ItemCommand, today: Optional[date]
) -> tuple[SaveResult[Any], Owner]:
    """The item's answers, checked; its need, which must be this plan's; for an action, its owner
    (`_owner`) and a due date no earlier than its start. A done or cancelled action is closed."""
    section = item_form(command.item_type)
    answers = clean(section, command.answers)
    row = None
    if isinstance(command, EditItem):
        row = read_model.item(session, plan, command.item_type, command.item_id)
        if row is None:
            return SaveResult(refused=f"There is no such {command.item_type.label.lower()} in this care plan.", answers=answers), NO_OWNER
        closed = read_model.no_longer_changeable(row) if command.item_type is PlanItemType.action else None
        if closed:
            return SaveResult(refused=closed, answers=answers, item=row), NO_OWNER
    errors = check_answers(section, command.answers, today=today)
    if (
        isinstance(command, AddItem)
        and command.item_type in (PlanItemType.goal, PlanItemType.action)
        and command.need_id is not None
        and read_model.item(session, plan, PlanItemType.need, command.need_id) is None
    ):
        errors["need_id"] = NEED_NOT_IN_PLAN
    owner = NO_OWNER
    if command.item_type is PlanItemType.action:
        owner = _owner(session, person, command.owner_agency_id, command.owner_user_id, errors)
        _check_dates(answers, errors)
    return SaveResult(item=row, answers=answers, errors=errors), owner


def _owner(session: Session, person: Person, agency_id: Optional[int], user_id: Optional[int], errors: dict[str, str]) -> Owner:
    """The agency an action is assigned to must be in the care team (add it to the team first) and not
    one the person has objected to sharing with; a named practitioner must work for that agency."""
    assert person.id is not None  # a saved person
    team = care_team.current_members(session, person.id)
    objected = access.objected_agency_ids(session, person.id)
    agencies = {m.agency.id: m.agency for m in team if m.agency.id not in objected}
    agency = agencies.get(agency_id) if agency_id is not None else None
    if agency_id is None or agency is None:
        errors["owner_agency_id"] = OWNER_NOT_IN_TEAM if agency_id is not None else "Select the agency that will do this"
        return NO_OWNER
    if user_id is None:
        return Owner(agency, None)
    staff = care_team.team_staff(session, [m for m in team if m.agency.id == agency_id]).get(agency_id, [])
    named = next((u for u in staff if u.id == user_id), None)
    if named is None:
        errors["owner_user_id"] = f"Select a practitioner who works for {agency.name}, or no one"
    return Owner(agency, named)


def _check_dates(answers: dict, errors: dict[str, str]) -> None:
    start, due = _real_date(answers.get("start_on")), _real_date(answers.get("due_on"))
    if start and due and due < start and "due_on-day" not in errors:
        errors["due_on-day"] = "Due date must be the same as or after the start date"


def _real_date(value: Any) -> Optional[date]:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _columns(item_type: PlanItemType, answers: dict) -> dict[str, Any]:
    """Form answers as column values: dates, booleans and the status and kind enums."""
    columns = {}
    for question in item_form(item_type).questions:
        value = answers.get(question.key)
        if question.type == "date":
            value = _date(value)
        elif question.type == "yes_no":
            value = value == "yes"
        elif (item_type, question.key) in ENUMS and value is not None:
            value = ENUMS[(item_type, question.key)](value)
        columns[question.key] = value
    return columns


def add_item(
    session: Session, plan: CarePlan, person: Person, command: AddItem, user: Author, today: Optional[date] = None
) -> SaveResult[Any]:
    """Add a need, goal, action (requested of its agency, which is told) or contact to the plan."""
    checked, owner = _check_item(session, plan, person, command, today)
    if not checked.ok:
        return checked
    item_type, answers = command.item_type, checked.answers
    now = utc_now()
    version = _begin_change(session, plan, user, now)
    columns = _columns(item_type, answers)
    if item_type in (PlanItemType.goal, PlanItemType.action):
        columns["need_id"] = command.need_id
    if item_type is PlanItemType.action:
        assert owner.agency is not None
        columns.update(
            person_id=person.id,
            owner_agency_id=owner.agency.id,
            owner_user_id=owner.user.id if owner.user else None,
            status=ActionStatus.requested,
            requested_by_id=user.id,
        )
    row = ITEM_MODELS[item_type](
        care_plan_id=plan.id, version=1, created_by_id=user.id, created_at=now, **columns, **_stamp(user, version, now)
    )
    session.add(row)
    session.flush()
    values = snapshot(item_type, row, owner.names)
    told = _tell_owner(session, person, row, owner, user) if item_type is PlanItemType.action else frozenset()
    _finish_change(
        session,
        plan,
        person,
        user,
        version,
        item_type,
        row.id,
        values,
        list(values),
        f"{item_type.label} added: {title(item_type, row)}",
        now,
        told,
    )
    return SaveResult(item=row, answers=answers)


def edit_item(
    session: Session, plan: CarePlan, person: Person, command: EditItem, user: Author, today: Optional[date] = None
) -> SaveResult[Any]:
    """Save an edited need, goal, action or contact if it is still at the version the user saw. An
    action given to another agency is requested of that agency afresh; a done or cancelled action is closed."""
    checked, owner = _check_item(session, plan, person, command, today)
    if not checked.ok:
        return checked
    item_type, answers, row = command.item_type, checked.answers, checked.item
    assert row is not None
    is_action = item_type is PlanItemType.action
    before = snapshot(item_type, row, _action_names(session, row) if is_action else None)
    columns = _columns(item_type, answers)
    reassigned = asked_again = False
    if is_action:
        assert owner.agency is not None
        reassigned = owner.agency.id != row.owner_agency_id
        columns.update(owner_agency_id=owner.agency.id, owner_user_id=owner.user.id if owner.user else None)
        terms_changed = any(getattr(row, key) != value for key, value in columns.items())
        asked_again = not reassigned and handshake.asks_again(row.status, terms_changed, by_owner=user.agency_id == row.owner_agency_id)
        if reassigned or asked_again:
            columns.update(
                status=ActionStatus.requested, status_reason=None, responded_by_id=None, responded_at=None, requested_by_id=user.id
            )
    now = utc_now()
    version = _change_if_unchanged(session, plan, user, now, row, command.seen_version, columns)
    if version is None:
        yours = {**answers, **(owner.names if is_action else {})}

        def theirs_of(theirs: Any) -> dict[str, Any]:
            return snapshot(item_type, theirs, _action_names(session, theirs) if is_action else None)

        return SaveResult(conflict=_conflict(session, row, yours, theirs_of), answers=answers)
    after = snapshot(item_type, row, owner.names if is_action else None)
    summary = f"{item_type.label} changed: {title(item_type, row)}"
    told: frozenset[tuple[Optional[int], Optional[int]]] = frozenset()
    if reassigned:
        told = _tell_owner(session, person, row, owner, user)
    elif asked_again:
        assert owner.agency is not None
        summary = f"Action changed, so asked of {owner.agency.name} again: {title(item_type, row)}"
        told = _tell_owner(session, person, row, owner, user, changed=True)
    _finish_change(
        session,
        plan,
        person,
        user,
        version,
        item_type,
        row.id,
        after,
        revisions.changed_keys(before, after),
        summary,
        now,
        told,
    )
    return SaveResult(item=row, answers=answers)


def remove_contact(session: Session, plan: CarePlan, person: Person, command: RemoveContact, user: User) -> SaveResult[CarePlanContact]:
    """Take a contact off the plan if nobody changed it since the user saw it; the row stays (inactive)
    so the history still reads."""
    row = read_model.item(session, plan, PlanItemType.contact, command.contact_id)
    if row is None:
        return SaveResult(refused="There is no such contact in this care plan.")
    now = utc_now()
    version = _change_if_unchanged(
        session, plan, user, now, row, command.seen_version, {"active": False}, col(CarePlanContact.active).is_(True)
    )
    if version is None:
        return SaveResult(refused="Someone else changed or removed this contact since you opened the plan. Check it and try again.")
    values = {**snapshot(PlanItemType.contact, row), "removed": "yes"}
    _finish_change(
        session, plan, person, user, version, PlanItemType.contact, row.id, values, ["removed"], f"Contact removed: {row.name}", now
    )
    return SaveResult(item=row)


def _action_names(session: Session, action: CarePlanAction) -> dict[str, Optional[str]]:
    agency = session.get(Agency, action.owner_agency_id)
    user = session.get(User, action.owner_user_id) if action.owner_user_id else None
    return Owner(agency, user).names


def _tell_owner(
    session: Session, person: Person, action: CarePlanAction, owner: Owner, by: Author, changed: bool = False
) -> frozenset[tuple[Optional[int], Optional[int]]]:
    """A new or reassigned action is requested of its agency (or its named practitioner); so is an
    accepted one whose terms someone else `changed`, to accept again or decline. Who was told (the
    "plan changed" item leaves them out), and never whoever asked it of themselves."""
    assert owner.agency is not None
    assert person.id is not None  # a saved person
    who = owner.user.full_name if owner.user else owner.agency.name
    message = (
        f"{by.full_name} changed an action {owner.agency.name} had accepted for {person.full_name}, so it is asked of you again: "
        f"{title(PlanItemType.action, action)}. Accept it as it is now, or decline it."
        if changed
        else f"{by.full_name} asked {who} to do something for {person.full_name}: {title(PlanItemType.action, action)}"
    )
    recipient = (owner.user.id, None) if owner.user else (None, owner.agency.id)
    if owner.user is not None and owner.user.id == by.id:
        return frozenset({recipient})  # nobody is told of what they asked of themselves
    notifications.notify(
        session,
        "action_changed" if changed else "action_requested",
        message,
        user_id=recipient[0],
        agency_id=recipient[1],
        person_id=person.id,
        link=notifications.to_plan(person.id, f"action-{action.id}"),
    )
    return frozenset({recipient})


# --- The handshake -----------------------------------------------------------------------------


def move_action(session: Session, plan: CarePlan, person: Person, command: MoveAction, user: User) -> SaveResult[CarePlanAction]:
    """Move an action along the handshake (app/care_plan/handshake.py) if it is still at the version the
    user saw: only those the handshake allows may make each move; a decline or cancellation needs a
    reason, and a decline tells whoever asked for it and the key worker why."""
    action = read_model.item(session, plan, PlanItemType.action, command.action_id)
    if action is None:
        return SaveResult(refused="There is no such action in this care plan.")
    transition = command.transition
    rule = handshake.RULES[transition]
    assert person.id is not None  # a saved person
    team = care_team.current_members(session, person.id)
    me = actor(user, action, team)
    if not me.may(rule):
        return SaveResult(forbidden=handshake.refusal(action.status, transition, me))
    reason = (command.reason or "").replace("\r\n", "\n").strip()
    if rule.needs_reason and not reason:
        word = "declining" if transition is handshake.Transition.decline else "cancelling"
        return SaveResult(errors={"reason": f"Enter a reason for {word} this action"})
    if len(reason) > handshake.REASON_MAX:
        return SaveResult(errors={"reason": f"Reason must be {handshake.REASON_MAX} characters or fewer"})
    if action.version != command.seen_version or action.status not in rule.sources:
        return SaveResult(refused=_moved_on(session, action, transition))
    now = utc_now()
    values: dict[str, Any] = {"status": rule.target}
    if rule.needs_reason:
        values["status_reason"] = reason
    if transition in (handshake.Transition.accept, handshake.Transition.decline):
        values.update(responded_by_id=user.id, responded_at=now)
    if transition is handshake.Transition.complete:
        values["completed_at"] = now
    version = _change_if_unchanged(session, plan, user, now, action, command.seen_version, values)
    if version is None:
        return SaveResult(refused=_moved_on(session, action, transition))
    names = _action_names(session, action)
    summary = f"Action {rule.done} by {names['owner'] if me.is_owner else user.full_name}: {title(PlanItemType.action, action)}"
    told: frozenset[tuple[Optional[int], Optional[int]]] = frozenset()
    if transition in (handshake.Transition.decline, handshake.Transition.accept):
        # Whoever asked for it and the key worker hear the answer, yes or no, once each.
        asked = {action.requested_by_id} | {m.user.id for m in team if m.is_key_worker and m.user is not None}
        what = title(PlanItemType.action, action).rstrip(".")
        message = (
            f"{names['owner']} declined an action for {person.full_name}: {what}. Reason: {reason}"
            if transition is handshake.Transition.decline
            else f"{names['owner']} accepted an action for {person.full_name}: {what}."
        )
        for user_id in sorted(i for i in asked if i is not None and i != user.id):
            notifications.notify(
                session,
                "action_declined" if transition is handshake.Transition.decline else "action_accepted",
                message,
                user_id=user_id,
                person_id=person.id,
                link=notifications.to_plan(person.id, f"action-{action.id}"),
            )
            told |= {(user_id, None)}
    _finish_change(
        session,
        plan,
        person,
        user,
        version,
        PlanItemType.action,
        action.id,
        snapshot(PlanItemType.action, action, names),
        ["status"] + (["status_reason"] if rule.needs_reason else []),
        summary,
        now,
        told,
    )
    return SaveResult(item=action)


def _moved_on(session: Session, action: CarePlanAction, transition: handshake.Transition) -> str:
    session.refresh(action)
    who = session.get(User, action.updated_by_id) if action.updated_by_id else None
    return (
        f"{who.full_name if who else 'Someone'} changed this action since you opened it: it is now "
        f"{action.status.label.lower()}, so it was not {handshake.RULES[transition].done}. Nothing was overwritten."
    )


# --- Suggested needs from the assessment ------------------------------------------------------


def adopt_needs(session: Session, plan: CarePlan, person: Person, command: AdoptNeeds, user: User) -> SaveResult[Adoption]:
    """Turn the chosen suggested needs into plan needs, each in the words the key worker settled on
    and linked to the assessment finding it came from. A suggestion can be taken only once: one that
    someone else took or set aside first is skipped, and said so."""
    assert plan.id is not None  # a saved plan
    pending = {
        s.id: s
        for s in session.exec(
            select(SuggestedNeed).where(SuggestedNeed.person_id == person.id, SuggestedNeed.status == SuggestionStatus.suggested)
        )
    }
    errors: dict[str, str] = {}
    wording: dict[int, str] = {}
    for suggestion_id, words in command.choices:
        text = (words or "").strip()
        if suggestion_id in pending and not text:
            errors[f"need-{suggestion_id}"] = "Enter the need in the words to use in the plan"
        elif len(text) > WORDING_MAX:
            errors[f"need-{suggestion_id}"] = f"Need must be {WORDING_MAX} characters or fewer"
        wording[suggestion_id] = text
    if not wording:
        errors["choices"] = "Select at least one suggested need to add to the plan"
    if errors:
        return SaveResult(errors=errors)
    added: list[CarePlanNeed] = []
    skipped: list[SuggestedNeed] = []
    now = utc_now()
    for suggestion_id, text in wording.items():
        taken = cast(
            CursorResult[Any],
            session.execute(
                update(SuggestedNeed)
                .where(
                    col(SuggestedNeed.id) == suggestion_id,
                    col(SuggestedNeed.person_id) == person.id,
                    col(SuggestedNeed.status) == SuggestionStatus.suggested,
                )
                .values(status=SuggestionStatus.adopted, updated_at=now)
            ),
        )
        if taken.rowcount != 1:
            found = session.get(SuggestedNeed, suggestion_id)
            if found is not None and found.person_id == person.id:
                skipped.append(found)
            continue
        version = _begin_change(session, plan, user, now)
        need = CarePlanNeed(
            care_plan_id=plan.id,
            need=text,
            suggested_need_id=suggestion_id,
            created_by_id=user.id,
            created_at=now,
            **_stamp(user, version, now),
        )
        session.add(need)
        session.flush()
        values = snapshot(PlanItemType.need, need)
        suggestion = pending.get(suggestion_id)
        session.add(
            CarePlanRevision(
                care_plan_id=plan.id,
                plan_version=version,
                item_type=PlanItemType.need,
                item_key=str(need.id),
                values={**values, "from_assessment": suggestion.answer if suggestion else ""},
                changed=list(values),
                summary=f"Need added from the assessment: {need.need}"[:300],
                saved_by_id=user.id,
                saved_agency_id=user.agency_id,
                saved_at=now,
            )
        )
        _kept(plan, version, user, now)
        added.append(need)
    if added:
        audit.record(
            session,
            "edit_care_plan",
            user=user,
            person_id=person.id,
            record_type="care_plan_need",
            record_id=added[0].id,
            detail=f"{len(added)} {'need' if len(added) == 1 else 'needs'} added from the assessment",
        )
        tell_team(session, person, user, f"{len(added)} {'need' if len(added) == 1 else 'needs'} added from the assessment")
    return SaveResult(item=Adoption(tuple(added), tuple(skipped)))


def dismiss_suggestion(session: Session, person: Person, command: DismissSuggestion, user: User) -> SaveResult[SuggestedNeed]:
    """Set a suggested need aside (it stays on the assessment, marked dismissed); refused if it is no
    longer waiting (someone added it to the plan or set it aside first)."""
    done = cast(
        CursorResult[Any],
        session.execute(
            update(SuggestedNeed)
            .where(
                col(SuggestedNeed.id) == command.suggestion_id,
                col(SuggestedNeed.person_id) == person.id,
                col(SuggestedNeed.status) == SuggestionStatus.suggested,
            )
            .values(status=SuggestionStatus.dismissed, updated_at=utc_now())
        ),
    )
    if done.rowcount != 1:
        return SaveResult(refused="That suggested need was already added to the plan or set aside.")
    audit.record(
        session, "dismiss_suggested_need", user=user, person_id=person.id, record_type="suggested_need", record_id=command.suggestion_id
    )
    return SaveResult(item=session.get(SuggestedNeed, command.suggestion_id))
