"""My words: the person writes "what matters to me" and "about me", adds and changes their own
goals, and comments on or asks about an action. Plan changes go through the care plan's own
commands (app/care_plan/commands.py), as a PersonAuthor: the same history, the same version check,
marked as the person's own, and the care team (the key worker among them) is told."""

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from app.care_plan import commands, read_model
from app.care_plan.commands import PersonAuthor
from app.trust import audit
from app.versioned import SaveResult
from app.work import notifications
from models import CarePlan, CarePlanPart, Person, PersonAccount, PersonNote, PlanItemType

ABOUT_ME = "about_me"
MY_KEYS = ("what_matters", "about_me")  # the person's own words; the rest of the part is the team's
NOTE_MAX = 2000
NOTE_KINDS = {"comment": "A comment", "question": "A question"}


@dataclass(frozen=True)
class SayWhatMatters:
    what_matters: str
    about_me: str
    seen_version: int


@dataclass(frozen=True)
class NoteOnAction:
    action_id: int
    kind: str  # comment or question
    text: str


def author(account: PersonAccount) -> PersonAuthor:
    return PersonAuthor(username=account.username, full_name=account.full_name)


def say_what_matters(session: Session, plan: CarePlan, person: Person, account: PersonAccount, command: SayWhatMatters) -> SaveResult[Any]:
    """Save the person's own words in "about me", keeping the team's answers to its other questions."""
    row = session.exec(select(CarePlanPart).where(CarePlanPart.care_plan_id == plan.id, CarePlanPart.part_key == ABOUT_ME)).first()
    current = dict(row.answers or {}) if row else {}
    answers = {**current, "what_matters": command.what_matters, "about_me": command.about_me}
    return commands.save_part(session, plan, person, commands.SavePart(ABOUT_ME, answers, command.seen_version), author(account))


def add_goal(session: Session, plan: CarePlan, person: Person, account: PersonAccount, goal: str) -> SaveResult[Any]:
    return commands.add_item(
        session, plan, person, commands.AddItem(PlanItemType.goal, {"goal": goal, "status": "proposed"}), author(account)
    )


def note_on_action(
    session: Session, plan: CarePlan, person: Person, account: PersonAccount, command: NoteOnAction
) -> SaveResult[PersonNote]:
    """A comment or question on one of the plan's actions; the agency doing it and the key worker are told."""
    errors: dict[str, str] = {}
    action = read_model.item(session, plan, PlanItemType.action, command.action_id)
    if action is None:
        return SaveResult(refused="There is no such action in your plan.")
    if command.kind not in NOTE_KINDS:
        errors["kind"] = "Select whether this is a comment or a question"
    text = command.text.strip()
    if not text:
        errors["text"] = "Enter your comment or question"
    elif len(text) > NOTE_MAX:
        errors["text"] = f"Your comment or question must be {NOTE_MAX} characters or fewer"
    if errors:
        return SaveResult(errors=errors)
    assert account.id is not None and person.id is not None
    note = PersonNote(person_id=person.id, account_id=account.id, kind=command.kind, action_id=action.id, text=text)
    session.add(note)
    session.flush()
    audit.record(
        session,
        "person_note",
        username=account.username,
        role=account.kind,
        person_id=person.id,
        record_type="person_note",
        record_id=note.id,
    )
    what = "asked a question" if command.kind == "question" else "commented"
    notifications.notify(
        session,
        "person_note",
        f"{account.full_name} {what} on an action in their plan: {text[:200]}",
        agency_id=action.owner_agency_id,
        person_id=person.id,
        link=notifications.to_plan(person.id),
    )
    commands.tell_team(
        session, person, author(account), f"{account.full_name} {what} on an action: {read_model.title(PlanItemType.action, action)}"
    )
    return SaveResult(item=note)


def carer_note(session: Session, person: Person, account: PersonAccount, text: str) -> SaveResult[PersonNote]:
    """A note from the person's carer, on their plan; the care team is told."""
    text = text.strip()
    if not text:
        return SaveResult(errors={"text": "Enter your note"})
    if len(text) > NOTE_MAX:
        return SaveResult(errors={"text": f"Your note must be {NOTE_MAX} characters or fewer"})
    assert account.id is not None and person.id is not None
    note = PersonNote(person_id=person.id, account_id=account.id, kind="carer_note", text=text)
    session.add(note)
    session.flush()
    audit.record(
        session,
        "carer_note",
        username=account.username,
        role=account.kind,
        person_id=person.id,
        record_type="person_note",
        record_id=note.id,
    )
    commands.tell_team(session, person, author(account), f"a note from {person.given_name}'s carer, {account.full_name}")
    return SaveResult(item=note)


NOT_YOUR_GOAL = "You can change the goals you wrote yourself. Ask your key worker to change this one."


def own_goals(plan_view: read_model.PlanView) -> list[Any]:
    """The goals the person wrote themselves (no member of staff made them), oldest first."""
    return [g.goal for group in plan_view.needs for g in group.goals if g.goal.created_by_id is None]


def change_goal(
    session: Session, plan: CarePlan, person: Person, account: PersonAccount, goal_id: int, goal: str, seen_version: int
) -> SaveResult[Any]:
    """Change the words of a goal the person wrote, keeping its status and date, with the same version check."""
    row = read_model.item(session, plan, PlanItemType.goal, goal_id)
    if row is None or row.created_by_id is not None:
        return SaveResult(refused=NOT_YOUR_GOAL)
    answers = {**read_model.snapshot(PlanItemType.goal, row), "goal": goal}
    return commands.edit_item(session, plan, person, commands.EditItem(PlanItemType.goal, goal_id, answers, seen_version), author(account))
