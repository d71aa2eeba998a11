"""The shared care plan as a user sees it: its parts and items, who last changed each and whether
that was since this user last marked the plan as seen, the handshake moves open to them, and the
plan's history with what each change changed. Reading only: everything that changes the plan is
in app/care_plan/commands.py.

Its own parts (about me, contingency, advance care, agreement) are answers to the questions in
app/data/care_plan_parts.json; needs, goals, actions and contacts are rows whose forms are in
app/data/care_plan_items.json.
"""

from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property, lru_cache
from typing import Any, Optional, TypeVar, Union

from sqlalchemy import and_, bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app import paging
from app.assessment import needs as needs_rules
from app.care_plan import care_team, handshake
from app.care_plan.care_team import TeamMember
from app.config import DATA
from app.forms import revisions
from app.forms.answers import answer_text
from app.forms.questions import Section, Template, load_template
from models import (
    ActionStatus,
    Agency,
    Assessment,
    AssessmentSection,
    CarePlan,
    CarePlanAction,
    CarePlanContact,
    CarePlanGoal,
    CarePlanNeed,
    CarePlanPart,
    CarePlanRevision,
    CarePlanView,
    ContactKind,
    GoalStatus,
    NeedStatus,
    PersonAccount,
    PersonNote,
    PlanItemType,
    SuggestedNeed,
    SuggestionStatus,
    User,
)
from models.person_account import CARER

T = TypeVar("T")

PARTS_FILE = DATA / "care_plan_parts.json"
ITEMS_FILE = DATA / "care_plan_items.json"
AGREEMENT = "agreement"

PlanItem = Union[CarePlanNeed, CarePlanGoal, CarePlanAction, CarePlanContact]
ITEM_MODELS: dict[PlanItemType, type] = {
    PlanItemType.need: CarePlanNeed,
    PlanItemType.goal: CarePlanGoal,
    PlanItemType.action: CarePlanAction,
    PlanItemType.contact: CarePlanContact,
}
# The item's words that name it in the history and in messages.
TITLES = {PlanItemType.need: "need", PlanItemType.goal: "goal", PlanItemType.action: "description", PlanItemType.contact: "name"}
# Answers stored as one of these enums in an item's column.
ENUMS = {(PlanItemType.need, "status"): NeedStatus, (PlanItemType.goal, "status"): GoalStatus, (PlanItemType.contact, "kind"): ContactKind}
# What an action's revision holds beyond its form: who it is assigned to and where it stands.
ACTION_EXTRAS = {"owner": "Assigned to", "owner_user": "Named practitioner", "status": "Status", "status_reason": "Reason given"}
EXTRA_LABELS = {**ACTION_EXTRAS, "removed": "Removed from the plan", "from_assessment": "From the assessment"}


@lru_cache(maxsize=1)
def parts() -> Template:
    """The plan's own parts, loaded once and schema-checked."""
    return load_template(PARTS_FILE)


@lru_cache(maxsize=1)
def item_forms() -> Template:
    """The forms for needs, goals, actions and contacts, loaded once and schema-checked."""
    return load_template(ITEMS_FILE, keys_unique=False)


def item_form(item_type: PlanItemType) -> Section:
    """The questions of a need's, goal's, action's or contact's form."""
    return item_forms().section(item_type.value)


def plan_for(session: Session, person_id: int) -> Optional[CarePlan]:
    """The person's care plan, if they have one."""
    return session.exec(select(CarePlan).where(CarePlan.person_id == person_id)).first()


def item(session: Session, plan: CarePlan, item_type: PlanItemType, item_id: int) -> Optional[Any]:
    """One need, goal, action or contact of this plan, or None (also when it is another plan's)."""
    row = session.get(ITEM_MODELS[item_type], item_id)
    return row if row is not None and row.care_plan_id == plan.id else None


def title(item_type: PlanItemType, row: Any) -> str:
    """What names an item in the history and in messages, cut to 80 characters."""
    value = getattr(row, TITLES[item_type]) or ""
    return value if len(value) <= 80 else value[:79] + "…"


def snapshot(item_type: PlanItemType, row: Any, names: Optional[dict] = None) -> dict:
    """An item as its form's answers (dates as ISO text, choices as their values), plus, for an
    action, who it is assigned to and where it stands: what a revision keeps and a conflict shows."""
    values: dict[str, Any] = {}
    for question in item_form(item_type).questions:
        value = getattr(row, question.key)
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        elif hasattr(value, "value"):
            value = value.value
        values[question.key] = value
    if item_type is PlanItemType.action:
        names = names or {}
        values.update(
            owner=names.get("owner"), owner_user=names.get("owner_user"), status=row.status.value, status_reason=row.status_reason
        )
    return values


def no_longer_changeable(action: CarePlanAction) -> Optional[str]:
    """Why a done or cancelled action can no longer be changed, in words for the page; None if it can be."""
    if action.status not in handshake.FINAL:
        return None
    return f"This action is {action.status.label.lower()}, so it can no longer be changed. Add a new action instead."


def actor(user: User, action: CarePlanAction, team: list[TeamMember]) -> handshake.Actor:
    """What this user is to the action: its owning agency, the person's key worker, who asked for it."""
    return handshake.Actor(
        is_owner=user.agency_id == action.owner_agency_id,
        is_key_worker=any(m.is_key_worker and m.user is not None and m.user.id == user.id for m in team),
        is_requester=action.requested_by_id == user.id,
    )


# Answers the person already gave in the single assessment, offered when a part of the plan that asks
# the same is still empty: they tell their story once. part -> question -> (assessment section, question).
FROM_ASSESSMENT = {"about_me": {"what_matters": ("perspective", "what_matters"), "communication": ("senses", "communication_needs")}}


def from_assessment(session: Session, person_id: int, part: "PartView") -> dict:
    """What the assessment already says for this part's unanswered questions (one query, or none)."""
    wanted = {q: source for q, source in FROM_ASSESSMENT.get(part.section.key, {}).items() if not part.answers.get(q)}
    if not wanted:
        return {}
    sections = {section for section, _ in wanted.values()}
    found = dict(
        session.exec(
            select(AssessmentSection.section_key, AssessmentSection.answers)
            .join(Assessment, col(Assessment.id) == AssessmentSection.assessment_id)
            .where(Assessment.person_id == person_id, col(AssessmentSection.section_key).in_(sections))
        ).all()
    )
    offered = {q: (found.get(section) or {}).get(key) for q, (section, key) in wanted.items()}
    return {q: value for q, value in offered.items() if value}


# --- The plan as a user sees it ----------------------------------------------------------------


# Who changed or owns an item is shown by name: a user's id and name, an agency's id and name (the
# page shows nothing else of them). One of each for a page, however many items name them.
UserName = namedtuple("UserName", "id full_name")
AgencyName = namedtuple("AgencyName", "id name")


@dataclass
class Stamp:
    """Who last changed a part or item, and whether that was since this user last marked the plan seen."""

    writer: Optional[UserName]  # None when nobody is recorded
    agency: Optional[AgencyName]
    at: Optional[datetime]
    changed: bool


@dataclass
class PartView:
    section: Section
    row: Optional[CarePlanPart]  # a plain row of its columns (ROW_TYPES), by the same names
    stamp: Stamp

    @property
    def answers(self) -> dict:
        return self.row.answers if self.row else {}

    @property
    def version(self) -> int:
        return self.row.version if self.row else 0


@dataclass
class GoalView:
    goal: CarePlanGoal
    stamp: Stamp


@dataclass
class ActionView:
    action: CarePlanAction  # read_model.view gives a plain row of its columns (ROW_TYPES), by the same names
    owner: Any  # an AgencyName
    owner_user: Any  # a UserName, or None
    stamp: Stamp
    overdue: bool

    @property
    def closed(self) -> bool:
        """Done or cancelled: it can no longer be changed."""
        return self.action.status in handshake.FINAL


@dataclass
class NeedView:
    need: Optional[CarePlanNeed]  # None: the goals and actions that belong to no need
    suggestion: Optional[SuggestedNeed]
    stamp: Optional[Stamp]
    goals: list[GoalView] = field(default_factory=list)
    actions: list[ActionView] = field(default_factory=list)

    # Each is asked for several times as the need is shown, and the need's goals and actions are all
    # in place before it is shown (view() builds them): worked out once.
    @cached_property
    def current_goals(self) -> list[GoalView]:
        """Goals still being worked towards; achieved and no longer wanted ones are folded away."""
        return [g for g in self.goals if g.goal.status not in FINISHED_GOALS]

    @cached_property
    def finished_goals(self) -> list[GoalView]:
        return [g for g in self.goals if g.goal.status in FINISHED_GOALS]

    @cached_property
    def current_actions(self) -> list[ActionView]:
        """Actions not yet done or cancelled (declined ones stay in view: someone must act on them)."""
        return [a for a in self.actions if not a.closed]

    @cached_property
    def closed_actions(self) -> list[ActionView]:
        return [a for a in self.actions if a.closed]

    @cached_property
    def overdue_count(self) -> int:
        return sum(1 for a in self.actions if a.overdue)

    @cached_property
    def open_count(self) -> int:
        return sum(1 for a in self.actions if a.action.status.is_open)

    @cached_property
    def changed(self) -> bool:
        """It, or one of its goals or actions, changed since the user last marked the plan seen."""
        stamps = ([self.stamp] if self.stamp else []) + [g.stamp for g in self.goals] + [a.stamp for a in self.actions]
        return any(s.changed for s in stamps)


FINISHED_GOALS = frozenset({GoalStatus.achieved, GoalStatus.no_longer_wanted})


@dataclass
class Change:
    """One thing changed since the user last looked: what it is, and the page anchor that shows it."""

    anchor: str
    kind: str
    title: str
    stamp: Stamp


@dataclass
class AgencyActions:
    """One agency's share of the plan's actions still to do."""

    agency: Agency
    open: int
    overdue: int


@dataclass
class ContactView:
    contact: CarePlanContact
    stamp: Stamp


# The person's and their carer's words that are not the plan's own text (app/my_record/words.py).
WORDS_KINDS = ("comment", "question", "carer_note")


@dataclass
class PersonWords:
    """A comment or question the person (or their carer) left on an action, or a note from their carer."""

    note: PersonNote
    account: PersonAccount
    action_description: Optional[str]

    @property
    def by_carer(self) -> bool:
        return self.account.kind == CARER


@dataclass
class PlanView:
    plan: CarePlan
    parts: list[PartView]
    needs: list[NeedView]
    contacts: list[ContactView]
    suggestions: list[SuggestedNeed]
    team: list[TeamMember]
    seen_version: Optional[int]  # the plan version this user last marked as seen; None if they never have
    today: date
    stale_findings: set[int] = field(default_factory=set)  # suggestions whose finding changed after the need was taken
    words: list["PersonWords"] = field(default_factory=list)  # the person's and their carer's notes, oldest first (staff only)
    _moves: dict[tuple, list[handshake.Transition]] = field(default_factory=dict, repr=False)
    _key_workers: dict[Optional[int], bool] = field(default_factory=dict, repr=False)

    # What the page asks for several times is worked out once: the view is complete when it is shown.
    @cached_property
    def from_carer(self) -> bool:
        return any(w.by_carer for w in self.words)

    def part(self, key: str) -> PartView:
        return next(p for p in self.parts if p.section.key == key)

    def need_view(self, need_id: Optional[int]) -> Optional[NeedView]:
        return next((n for n in self.needs if (n.need.id if n.need else None) == need_id), None)

    def goal_view(self, goal_id: int) -> Optional[GoalView]:
        return next((g for n in self.needs for g in n.goals if g.goal.id == goal_id), None)

    def action_view(self, action_id: int) -> Optional[ActionView]:
        return next((a for n in self.needs for a in n.actions if a.action.id == action_id), None)

    def contact_view(self, contact_id: int) -> Optional[ContactView]:
        return next((c for c in self.contacts if c.contact.id == contact_id), None)

    @cached_property
    def plan_needs(self) -> list[NeedView]:
        return [n for n in self.needs if n.need is not None]

    @cached_property
    def other(self) -> NeedView:
        """Goals and actions that belong to no need (always present, perhaps empty)."""
        return next(n for n in self.needs if n.need is None)

    @cached_property
    def changed_count(self) -> int:
        stamps = [p.stamp for p in self.parts] + [c.stamp for c in self.contacts]
        for need in self.needs:
            stamps += ([need.stamp] if need.stamp else []) + [g.stamp for g in need.goals] + [a.stamp for a in need.actions]
        return sum(1 for s in stamps if s.changed)

    @cached_property
    def key_worker(self) -> Optional[TeamMember]:
        return next((m for m in self.team if m.is_key_worker), None)

    @cached_property
    def active_contacts(self) -> list[ContactView]:
        return [c for c in self.contacts if c.contact.active]

    @cached_property
    def out_of_hours_contacts(self) -> list[ContactView]:
        return [c for c in self.active_contacts if c.contact.out_of_hours]

    @property
    def review_overdue(self) -> bool:
        return self.plan.review_due_on is not None and self.plan.review_due_on < self.today

    @property
    def changed_since_agreed(self) -> bool:
        agreement = self.part(AGREEMENT)
        return bool(agreement.answers.get("agreed_on")) and agreement.row is not None and agreement.row.changed_in < self.plan.version

    def moves(self, user: User, action: CarePlanAction) -> list[handshake.Transition]:
        """The handshake moves this user can make on this action now: `actor`'s facts, with the moves
        worked out once for each status and facts a page meets (a plan of 100 actions meets a few)."""
        facts = (action.status, user.agency_id == action.owner_agency_id, self._key_worker_is(user), action.requested_by_id == user.id)
        found = self._moves.get(facts)
        if found is None:
            found = self._moves[facts] = handshake.available(action.status, handshake.Actor(*facts[1:]))
        return found

    def _key_worker_is(self, user: User) -> bool:
        known = self._key_workers.get(user.id)
        if known is None:
            known = self._key_workers[user.id] = any(m.is_key_worker and m.user is not None and m.user.id == user.id for m in self.team)
        return known

    @cached_property
    def open_actions(self) -> list[ActionView]:
        return [a for n in self.needs for a in n.actions if a.action.status.is_open]

    @cached_property
    def changes(self) -> list[Change]:
        """What changed since the user last looked, in the order the page shows it, each with its anchor."""
        found = [Change(f"part-{p.section.key}", "Part", p.section.title, p.stamp) for p in self.parts if p.stamp.changed]
        for group in self.needs:
            if group.need is not None and group.stamp is not None and group.stamp.changed:
                found.append(Change(f"need-{group.need.id}", "Need", group.need.need, group.stamp))
            found += [Change(f"goal-{g.goal.id}", "Goal", g.goal.goal, g.stamp) for g in group.goals if g.stamp.changed]
            found += [Change(f"action-{a.action.id}", "Action", a.action.description, a.stamp) for a in group.actions if a.stamp.changed]
        found += [Change(f"contact-{c.contact.id}", "Contact", c.contact.name, c.stamp) for c in self.contacts if c.stamp.changed]
        return found

    @cached_property
    def actions_by_agency(self) -> list[AgencyActions]:
        """Open and overdue actions for each agency that owns any, most overdue first."""
        tally: dict[int, AgencyActions] = {}
        for action in self.open_actions:
            assert action.owner.id is not None  # a saved agency
            row = tally.setdefault(action.owner.id, AgencyActions(action.owner, 0, 0))
            row.open += 1
            row.overdue += 1 if action.overdue else 0
        return sorted(tally.values(), key=lambda r: (-r.overdue, -r.open, r.agency.name))


# The plan's statements, built once: a page runs them with its own plan, person and user.
# Parts, needs, goals, actions and contacts are read as plain rows of their columns, each a named tuple with
# the model's names (a plan of 100 actions made 600 ORM objects a page, and the page only shows
# them), followed by the names of who changed the item (and, for an action, who it is assigned to).
_USERS, _AGENCIES = User.__table__, Agency.__table__  # type: ignore[attr-defined]
_WRITER_T, _WRITER_AGENCY_T = _USERS.alias("writer"), _AGENCIES.alias("writer_agency")
_OWNER_T, _OWNER_USER_T = _AGENCIES.alias("owner"), _USERS.alias("owner_user")
_SUGGESTION_T = SuggestedNeed.__table__  # type: ignore[attr-defined]


def _row_type(model: Any) -> Any:
    """A named tuple of the model's columns, by the model's names (a table's rows, read plainly)."""
    return namedtuple(f"{model.__name__}Row", [column.key for column in model.__table__.c])


ROW_TYPES: dict[type, Any] = {
    model: _row_type(model) for model in (CarePlanPart, CarePlanNeed, CarePlanGoal, CarePlanAction, CarePlanContact)
}
SuggestionRow = _row_type(SuggestedNeed)


def _rows_with_writer(model: Any, *more: Any) -> Any:
    """The item's columns, then its writer's id and name and their agency's, then `more`."""
    table = model.__table__
    return (
        sa_select(*table.c, _WRITER_T.c.full_name, _WRITER_AGENCY_T.c.name, *more)
        .select_from(table)
        .outerjoin(_WRITER_T, _WRITER_T.c.id == table.c.updated_by_id)
        .outerjoin(_WRITER_AGENCY_T, _WRITER_AGENCY_T.c.id == table.c.updated_agency_id)
        .where(table.c.care_plan_id == bindparam("plan_id"))
        .order_by(table.c.id)
    )


@lru_cache(maxsize=1)
def _statements() -> dict[str, Any]:
    need_t, action_t = CarePlanNeed.__table__, CarePlanAction.__table__  # type: ignore[attr-defined]
    return {
        # The plan, with the version this user last marked as seen (none for no user: user_id is NULL).
        "plan": select(CarePlan, CarePlanView.seen_version)
        .outerjoin(
            CarePlanView,
            and_(col(CarePlanView.care_plan_id) == CarePlan.id, col(CarePlanView.user_id) == bindparam("user_id")),
        )
        .where(CarePlan.person_id == bindparam("person_id")),
        "parts": _rows_with_writer(CarePlanPart),
        # A need, and the suggestion it was taken from (its columns; all NULL for a need written by hand).
        "needs": _rows_with_writer(CarePlanNeed, *_SUGGESTION_T.c).outerjoin(
            _SUGGESTION_T, _SUGGESTION_T.c.id == need_t.c.suggested_need_id
        ),
        "goals": _rows_with_writer(CarePlanGoal),
        "actions": _rows_with_writer(CarePlanAction, _OWNER_T.c.name, _OWNER_USER_T.c.full_name)
        .join(_OWNER_T, _OWNER_T.c.id == action_t.c.owner_agency_id)
        .outerjoin(_OWNER_USER_T, _OWNER_USER_T.c.id == action_t.c.owner_user_id),
        "contacts": _rows_with_writer(CarePlanContact),
        "suggestions": select(SuggestedNeed)
        .where(SuggestedNeed.person_id == bindparam("person_id"), SuggestedNeed.status == SuggestionStatus.suggested)
        .order_by(col(SuggestedNeed.id)),
        "words": select(PersonNote, PersonAccount, CarePlanAction.description)
        .join(PersonAccount, col(PersonAccount.id) == PersonNote.account_id)
        .outerjoin(CarePlanAction, col(CarePlanAction.id) == PersonNote.action_id)
        .where(PersonNote.person_id == bindparam("person_id"), col(PersonNote.kind).in_(WORDS_KINDS))
        .order_by(col(PersonNote.id)),
        "findings": select(AssessmentSection.section_key, AssessmentSection.answers)
        .join(Assessment, col(Assessment.id) == AssessmentSection.assessment_id)
        .where(Assessment.person_id == bindparam("person_id")),
    }


def view(session: Session, person_id: int, user: Optional[User], today: Optional[date] = None) -> Optional[PlanView]:
    """The whole plan as this user sees it, in a fixed number of queries whatever its size. A part or
    item is marked changed when someone else changed it after the version the user last marked as seen.
    With no user (the person's own pages, app/my_record), nothing is marked: those pages mark changes themselves.

    Parts, needs, goals, actions and contacts are plain rows (named tuples of their columns, ROW_TYPES), read
    in the session's transaction after the plan's ORM read has flushed whatever it holds."""
    today = today or date.today()
    statements = _statements()
    found = session.exec(statements["plan"], params={"person_id": person_id, "user_id": user.id if user is not None else None}).first()
    if found is None:
        return None
    plan, seen = found
    on_plan = {"plan_id": plan.id}
    me = user.id if user is not None else None
    names: dict[tuple[Any, int], Any] = {}

    def one_of(kind: Callable[[int, str], T], row_id: Optional[int], name: Optional[str]) -> Optional[T]:
        """A writer's or an agency's name, one object for each on the page."""
        if row_id is None or name is None:
            return None
        known = names.get((kind, row_id))
        if known is None:
            known = names[kind, row_id] = kind(row_id, name)
        return known

    def stamp(row: Any, writer: Any, agency: Any) -> Stamp:
        changed = seen is not None and me is not None and row.changed_in > seen and row.updated_by_id not in (None, me)
        return Stamp(writer, agency, row.updated_at, changed)

    def rows(model: Any, name: str) -> Any:
        """Each row of the statement as (the item, its stamp, the columns after its writer's)."""
        row_type = ROW_TYPES[model]
        width = len(row_type._fields)
        for row in connection.execute(statements[name], on_plan):
            item = row_type._make(row[:width])
            writer, agency = row[width : width + 2]
            yield (
                item,
                stamp(item, one_of(UserName, item.updated_by_id, writer), one_of(AgencyName, item.updated_agency_id, agency)),
                row[width + 2 :],
            )

    connection = session.connection()
    part_rows = {part.part_key: (part, part_stamp) for part, part_stamp, _ in rows(CarePlanPart, "parts")}
    part_views = []
    for section in parts().sections:
        row, part_stamp = part_rows.get(section.key, (None, Stamp(None, None, None, False)))
        part_views.append(PartView(section, row, part_stamp))

    needs = []
    for need, need_stamp, suggestion in rows(CarePlanNeed, "needs"):
        needs.append(NeedView(need, SuggestionRow._make(suggestion) if suggestion[0] is not None else None, need_stamp))
    other = NeedView(None, None, None)
    by_need = {n.need.id: n for n in needs if n.need is not None}
    for goal, goal_stamp, _ in rows(CarePlanGoal, "goals"):
        by_need.get(goal.need_id, other).goals.append(GoalView(goal, goal_stamp))
    for action, action_stamp, (owner, owner_user) in rows(CarePlanAction, "actions"):
        overdue = action.status.is_open and action.due_on is not None and action.due_on < today
        by_need.get(action.need_id, other).actions.append(
            ActionView(
                action,
                one_of(AgencyName, action.owner_agency_id, owner),
                one_of(UserName, action.owner_user_id, owner_user),
                action_stamp,
                overdue,
            )
        )
    for group in needs + [other]:
        # Still to do first, soonest due first; finished ones last.
        group.actions.sort(key=lambda v: (not v.action.status.is_open, v.action.due_on or date.max, v.action.id))
    contacts = [ContactView(c, contact_stamp) for c, contact_stamp, _ in rows(CarePlanContact, "contacts")]
    suggestions = list(session.exec(statements["suggestions"], params={"person_id": person_id}))
    adopted = [(n.suggestion.id, n.suggestion.rule_key, n.suggestion.answer) for n in needs if n.suggestion and n.suggestion.id]
    stale = needs_rules.changed_since_adopted(_findings(session, person_id), adopted) if adopted else set()
    words = (
        [
            PersonWords(note, account, description)
            for note, account, description in session.exec(statements["words"], params={"person_id": person_id})
        ]
        if user is not None  # staff see them on the plan; the person's own pages read them themselves
        else []
    )
    return PlanView(
        plan, part_views, needs + [other], contacts, suggestions, care_team.current_members(session, person_id), seen, today, stale, words
    )


def _findings(session: Session, person_id: int) -> dict[str, dict]:
    """The person's assessment answers now, by section (one query)."""
    return {key: dict(answers or {}) for key, answers in session.exec(_statements()["findings"], params={"person_id": person_id})}


# --- History ---------------------------------------------------------------------------------


@dataclass
class RevisionRow:
    revision: CarePlanRevision
    writer: Optional[User]
    agency: Optional[Agency]


HISTORY_PAGE = 100


def history(session: Session, plan: CarePlan, page: int = 1, size: int = HISTORY_PAGE) -> paging.Page[RevisionRow]:
    """Every change, newest first, with who and which agency, a page at a time (two queries)."""
    rows, number, total = paging.read(
        session,
        select(CarePlanRevision, User, Agency)
        .outerjoin(User, col(User.id) == CarePlanRevision.saved_by_id)
        .outerjoin(Agency, col(Agency.id) == CarePlanRevision.saved_agency_id)
        .where(CarePlanRevision.care_plan_id == plan.id)
        .order_by(col(CarePlanRevision.plan_version).desc()),
        page,
        size,
    )
    return paging.Page([RevisionRow(r, u, a) for r, u, a in rows], number, total, size)


def revision_of(session: Session, plan: CarePlan, revision_id: int) -> Optional[RevisionRow]:
    """One change to this plan, with who made it and from which agency; None if it is not this plan's."""
    row = session.exec(
        select(CarePlanRevision, User, Agency)
        .outerjoin(User, col(User.id) == CarePlanRevision.saved_by_id)
        .outerjoin(Agency, col(Agency.id) == CarePlanRevision.saved_agency_id)
        .where(CarePlanRevision.id == revision_id, CarePlanRevision.care_plan_id == plan.id)
    ).first()
    return RevisionRow(*row) if row else None


def revision_diff(session: Session, revision: CarePlanRevision) -> list[revisions.Change]:
    """This revision against the one before it for the same part or item, in the order the form asks."""
    previous = session.exec(
        select(CarePlanRevision)
        .where(
            CarePlanRevision.care_plan_id == revision.care_plan_id,
            CarePlanRevision.item_type == revision.item_type,
            CarePlanRevision.item_key == revision.item_key,
            CarePlanRevision.plan_version < revision.plan_version,
        )
        .order_by(col(CarePlanRevision.plan_version).desc())
        .limit(1)
    ).first()
    kind = PlanItemType(revision.item_type)
    section = parts().section(revision.item_key) if kind is PlanItemType.part else item_form(kind)
    return describe_changes(section, previous.values if previous else {}, revision.values)


def describe_changes(section: Section, before: dict, after: dict) -> list[revisions.Change]:
    """What changed between two snapshots of a part or item, labelled and worded as its form asks."""
    questions = {q.key: q for q in section.questions}

    def text(key: str, value: Any) -> str:
        if key in questions:
            return answer_text(questions[key], value)
        if key == "status" and value:
            return ActionStatus(value).label
        if key == "removed":
            return "Yes" if value == "yes" else ""
        return "" if value is None else str(value)

    def label(key: str) -> str:
        return questions[key].label if key in questions else EXTRA_LABELS.get(key, key.replace("_", " ").capitalize())

    return revisions.diff(before, after, [q.key for q in section.questions] + list(EXTRA_LABELS), label, text)
