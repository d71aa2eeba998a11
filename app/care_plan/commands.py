"""The shared care plan: one per person, built and followed by every agency in the care team.

Its own parts (about me, contingency, advance care, agreement) are answers to the questions in
app/data/care_plan_parts.json; needs, goals, actions and contacts are rows whose forms are in
app/data/care_plan_items.json. Every change goes the same way (`_begin_change`, `_finish_change`):
it raises the plan's version, so the plan's history is one numbered sequence and concurrent
writers of one plan queue behind each other; stamps the changed item with that version and its
author, for "changed since you last looked"; keeps an immutable revision; audits; and tells the
rest of the care team. A save carries the version of the part or item the user saw: a save
against an older one is refused as a conflict with both versions shown, so nothing is lost.
"""
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Optional

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from app.trust import audit
from app.care_plan import care_team
from app.care_plan import handshake
from app.work import notifications
from app.forms import revisions
from app.config import DATA
from app.forms.answers import answer_text, read_section
from app.forms.questions import Section, Template, load_template
from app.care_plan.care_team import TeamMember
from models import (
    ActionStatus, Agency, Assessment, AssessmentSection, CarePlan, CarePlanAction, CarePlanContact, CarePlanGoal, CarePlanNeed, CarePlanPart,
    CarePlanRevision, CarePlanView, ContactKind, GoalStatus, NeedStatus, Person, SuggestedNeed, User,
)
from models.clock import utc_now

PARTS_FILE = DATA / "care_plan_parts.json"
ITEMS_FILE = DATA / "care_plan_items.json"
AGREEMENT = "agreement"
PLAN_CHANGED = "plan_changed"


@lru_cache(maxsize=1)
def parts() -> Template:
    """The plan's own parts, loaded once and schema-checked."""
    return load_template(PARTS_FILE)


@lru_cache(maxsize=1)
def item_forms() -> Template:
    """The forms for needs, goals, actions and contacts, loaded once and schema-checked."""
    return load_template(ITEMS_FILE, keys_unique=False)


ITEM_MODELS = {"need": CarePlanNeed, "goal": CarePlanGoal, "action": CarePlanAction, "contact": CarePlanContact}
ENUMS = {("need", "status"): NeedStatus, ("goal", "status"): GoalStatus, ("contact", "kind"): ContactKind}
# What an action's revision holds beyond its form: who it is assigned to and where it stands.
ACTION_EXTRAS = {"owner": "Assigned to", "owner_user": "Named practitioner", "status": "Status", "status_reason": "Reason given"}


def open_plan(session: Session, person: Person, by: Optional[User]) -> CarePlan:
    """The person's care plan, created (with an empty row per part) if they have none."""
    existing = session.exec(select(CarePlan).where(CarePlan.person_id == person.id)).first()
    if existing is not None:
        return existing
    plan = CarePlan(person_id=person.id, opened_by_id=by.id if by else None)
    session.add(plan)
    session.flush()
    for part in parts().sections:
        session.add(CarePlanPart(care_plan_id=plan.id, part_key=part.key, answers={}, version=0, changed_in=plan.version))
    if by is not None:
        audit.record(session, "open_care_plan", user=by, person_id=person.id, record_type="care_plan", record_id=plan.id)
    return plan


# Answers the person already gave in the single assessment, offered when a part of the plan that asks
# the same is still empty: they tell their story once. part -> question -> (assessment section, question).
FROM_ASSESSMENT = {"about_me": {"what_matters": ("perspective", "what_matters"), "communication": ("senses", "communication_needs")}}


def from_assessment(session: Session, person_id: int, part: "PartView") -> dict:
    """What the assessment already says for this part's unanswered questions (one query, or none)."""
    wanted = {q: source for q, source in FROM_ASSESSMENT.get(part.section.key, {}).items() if not part.answers.get(q)}
    if not wanted:
        return {}
    sections = {section for section, _ in wanted.values()}
    found = dict(session.exec(
        select(AssessmentSection.section_key, AssessmentSection.answers).join(Assessment, Assessment.id == AssessmentSection.assessment_id)
        .where(Assessment.person_id == person_id, AssessmentSection.section_key.in_(sections))  # type: ignore[attr-defined]
    ).all())
    offered = {q: (found.get(section) or {}).get(key) for q, (section, key) in wanted.items()}
    return {q: value for q, value in offered.items() if value}


def plan_for(session: Session, person_id: int) -> Optional[CarePlan]:
    return session.exec(select(CarePlan).where(CarePlan.person_id == person_id)).first()


# --- Reading the plan ----------------------------------------------------------------------

@dataclass
class Stamp:
    """Who last changed a part or item, and whether that was since this user last looked."""

    writer: Optional[User]
    agency: Optional[Agency]
    at: Optional[datetime]
    changed: bool


@dataclass
class PartView:
    section: Section
    row: Optional[CarePlanPart]
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
    action: CarePlanAction
    owner: Agency
    owner_user: Optional[User]
    stamp: Stamp
    overdue: bool


@dataclass
class NeedView:
    need: Optional[CarePlanNeed]  # None: the goals and actions that belong to no need
    suggestion: Optional[SuggestedNeed]
    stamp: Optional[Stamp]
    goals: list[GoalView] = field(default_factory=list)
    actions: list[ActionView] = field(default_factory=list)


@dataclass
class ContactView:
    contact: CarePlanContact
    stamp: Stamp


@dataclass
class PlanView:
    plan: CarePlan
    parts: list[PartView]
    needs: list[NeedView]
    contacts: list[ContactView]
    suggestions: list[SuggestedNeed]
    team: list[TeamMember]
    seen_version: Optional[int]
    today: date

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

    @property
    def plan_needs(self) -> list[NeedView]:
        return [n for n in self.needs if n.need is not None]

    @property
    def other(self) -> NeedView:
        """Goals and actions that belong to no need (always present, perhaps empty)."""
        return next(n for n in self.needs if n.need is None)

    @property
    def changed_count(self) -> int:
        stamps = [p.stamp for p in self.parts] + [c.stamp for c in self.contacts]
        for need in self.needs:
            stamps += ([need.stamp] if need.stamp else []) + [g.stamp for g in need.goals] + [a.stamp for a in need.actions]
        return sum(1 for s in stamps if s.changed)

    @property
    def key_worker(self) -> Optional[TeamMember]:
        return next((m for m in self.team if m.is_key_worker), None)

    @property
    def active_contacts(self) -> list[ContactView]:
        return [c for c in self.contacts if c.contact.active]

    @property
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
        """The handshake moves this user can make on this action now."""
        return handshake.available(action.status, actor(user, action, self.team))

    @property
    def open_actions(self) -> list[ActionView]:
        return [a for n in self.needs for a in n.actions if a.action.status.is_open]


def view(session: Session, person_id: int, user: User, today: Optional[date] = None) -> Optional[PlanView]:
    """The whole plan as this user sees it, in a fixed number of queries whatever its size."""
    today = today or date.today()
    plan = plan_for(session, person_id)
    if plan is None:
        return None
    seen = session.exec(
        select(CarePlanView.seen_version).where(CarePlanView.care_plan_id == plan.id, CarePlanView.user_id == user.id)
    ).first()

    def stamp(row, writer, agency) -> Stamp:
        changed = seen is not None and row.changed_in > seen and row.updated_by_id not in (None, user.id)
        return Stamp(writer, agency, row.updated_at, changed)

    Writer, WriterAgency = aliased(User), aliased(Agency)

    def with_writer(model, *more):
        return (
            select(model, *more, Writer, WriterAgency)
            .outerjoin(Writer, Writer.id == model.updated_by_id)
            .outerjoin(WriterAgency, WriterAgency.id == model.updated_agency_id)
            .where(model.care_plan_id == plan.id)
        )

    part_rows = {row.part_key: (row, w, a) for row, w, a in session.exec(with_writer(CarePlanPart))}
    part_views = []
    for section in parts().sections:
        row, writer, agency = part_rows.get(section.key, (None, None, None))
        part_views.append(PartView(section, row, stamp(row, writer, agency) if row else Stamp(None, None, None, False)))

    needs = [
        NeedView(need, suggestion, stamp(need, w, a))
        for need, suggestion, w, a in session.exec(
            with_writer(CarePlanNeed, SuggestedNeed).outerjoin(SuggestedNeed, SuggestedNeed.id == CarePlanNeed.suggested_need_id)
            .order_by(CarePlanNeed.id)
        )
    ]
    other = NeedView(None, None, None)
    by_need = {n.need.id: n for n in needs}
    for goal, w, a in session.exec(with_writer(CarePlanGoal).order_by(CarePlanGoal.id)):
        by_need.get(goal.need_id, other).goals.append(GoalView(goal, stamp(goal, w, a)))
    Owner, OwnerUser = aliased(Agency), aliased(User)
    for action, owner, owner_user, w, a in session.exec(
        with_writer(CarePlanAction, Owner, OwnerUser)
        .join(Owner, Owner.id == CarePlanAction.owner_agency_id)
        .outerjoin(OwnerUser, OwnerUser.id == CarePlanAction.owner_user_id)
        .order_by(CarePlanAction.id)
    ):
        overdue = action.status.is_open and action.due_on is not None and action.due_on < today
        by_need.get(action.need_id, other).actions.append(ActionView(action, owner, owner_user, stamp(action, w, a), overdue))
    for group in needs + [other]:
        # Still to do first, soonest due first; finished ones last.
        group.actions.sort(key=lambda v: (not v.action.status.is_open, v.action.due_on or date.max, v.action.id))
    contacts = [ContactView(c, stamp(c, w, a)) for c, w, a in session.exec(with_writer(CarePlanContact).order_by(CarePlanContact.id))]
    suggestions = list(session.exec(
        select(SuggestedNeed).where(SuggestedNeed.person_id == person_id, SuggestedNeed.status == "suggested").order_by(SuggestedNeed.id)
    ))
    return PlanView(plan, part_views, needs + [other], contacts, suggestions, care_team.current_members(session, person_id), seen, today)


def mark_seen(session: Session, plan: CarePlan, user: User) -> None:
    """Remember the plan version this user has just been shown (one statement, either database)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(CarePlanView).values(care_plan_id=plan.id, user_id=user.id, seen_version=plan.version, seen_at=utc_now())
    session.exec(statement.on_conflict_do_update(  # type: ignore[call-overload]
        index_elements=["care_plan_id", "user_id"],
        set_={"seen_version": statement.excluded.seen_version, "seen_at": statement.excluded.seen_at},
    ))


# --- Changing the plan ---------------------------------------------------------------------

@dataclass
class Conflict:
    """Someone saved this part or item since the user opened it: both versions, nothing lost."""

    section: Section
    yours: dict
    theirs: dict
    writer: Optional[User]
    agency: Optional[Agency]
    at: Optional[datetime]
    version: int  # the version to save against, once the user has reconciled the two

    @property
    def theirs_answers(self) -> dict:
        return self.theirs


@dataclass
class SaveResult:
    errors: dict = field(default_factory=dict)
    conflict: Optional[Conflict] = None
    refused: Optional[str] = None  # a rule of the plan (not access) said no: shown to the user
    forbidden: Optional[str] = None  # the user may not do this at all: the view refuses with a 403
    item: Any = None
    answers: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.errors or self.conflict or self.refused or self.forbidden)


def _begin_change(session: Session, plan: CarePlan, user: User, now: datetime) -> int:
    """Raise the plan's version and return it. Being the first write of the transaction, it also
    queues any other writer of this plan behind this one until the change is committed."""
    return session.exec(  # type: ignore[call-overload]
        update(CarePlan).where(CarePlan.id == plan.id)
        .values(version=CarePlan.version + 1, updated_at=now, updated_by_id=user.id)
        .returning(CarePlan.version)
    ).scalar_one()


def _finish_change(
    session: Session, plan: CarePlan, person: Person, user: User, version: int, item_type: str, item_key: object,
    values: dict, changed: list[str], summary: str, now: datetime,
) -> None:
    """Keep the revision, audit it and tell the care team, then commit the change."""
    session.add(CarePlanRevision(
        care_plan_id=plan.id, plan_version=version, item_type=item_type, item_key=str(item_key), values=values,
        changed=changed, summary=summary[:300], saved_by_id=user.id, saved_agency_id=user.agency_id, saved_at=now,
    ))
    audit.record(session, "edit_care_plan", user=user, person_id=person.id, record_type=f"care_plan_{item_type}",
                 record_id=item_key, detail=summary)
    tell_team(session, person, user, summary)
    session.commit()
    set_committed_value(plan, "version", version)  # the database has it already: nothing to write


def _stamp(user: User, version: int, now: datetime) -> dict:
    return {"changed_in": version, "updated_by_id": user.id, "updated_agency_id": user.agency_id, "updated_at": now}


def _save_if_unchanged(session: Session, model, row, seen_version: int, values: dict, user: User, version: int, now: datetime,
                       *conditions) -> bool:
    """Write `values` to the part or item only if it is still at the version the user saw (and meets
    `conditions`), raising its version and stamping it with this change; otherwise undo the whole
    change and return False, so the caller can show the newer version."""
    result = session.exec(  # type: ignore[call-overload]
        update(model).where(model.id == row.id, model.version == seen_version, *conditions)
        .values(**values, version=model.version + 1, **_stamp(user, version, now))
    )
    if result.rowcount == 1:
        return True
    session.rollback()
    session.refresh(row)
    return False


def tell_team(session: Session, person: Person, by: User, summary: str) -> None:
    """One unread "plan changed" item per member of the care team (the named worker, or the whole
    agency where no one is named), refreshed rather than repeated; never to whoever made the change."""
    recipients = set()
    for member in care_team.current_members(session, person.id):
        if member.user is not None and member.user.id != by.id:
            recipients.add((member.user.id, None))
        elif member.user is None and member.agency.id != by.agency_id:
            recipients.add((None, member.agency.id))
    notifications.notify_once(
        session, PLAN_CHANGED, f"{PLAN_CHANGED}:{person.id}", recipients,
        f"{person.full_name}'s care plan changed: {summary}", person_id=person.id, link=notifications.to_plan(person.id),
    )


def save_part(
    session: Session, plan: CarePlan, person: Person, part_key: str, form, user: User, seen_version: int,
    today: Optional[date] = None,
) -> SaveResult:
    """Validate and save one part if it is still at `seen_version`; the agreement part also sets the
    plan's agreed and review dates."""
    section = parts().section(part_key)
    answers, errors = read_section(section, form, today=today)
    if errors:
        return SaveResult(errors=errors, answers=answers)
    row = session.exec(select(CarePlanPart).where(CarePlanPart.care_plan_id == plan.id, CarePlanPart.part_key == part_key)).first()
    if row is None:  # a part added to the plan's questions after this plan was opened
        row = CarePlanPart(care_plan_id=plan.id, part_key=part_key, answers={}, version=0, changed_in=plan.version)
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            return _part_conflict(session, plan, section, answers)
    before = dict(row.answers or {})
    changed = revisions.changed_keys(before, answers)
    if not changed and row.version == seen_version:
        return SaveResult(answers=answers, item=row)
    now = utc_now()
    version = _begin_change(session, plan, user, now)
    if not _save_if_unchanged(session, CarePlanPart, row, seen_version, {"answers": answers}, user, version, now):
        return _part_conflict(session, plan, section, answers)
    if part_key == AGREEMENT:
        session.exec(update(CarePlan).where(CarePlan.id == plan.id).values(  # type: ignore[call-overload]
            agreed_on=_date(answers.get("agreed_on")), review_due_on=_date(answers.get("review_due_on"))))
    _finish_change(session, plan, person, user, version, "part", part_key, answers, changed, f"{section.title} updated", now)
    session.refresh(row)
    return SaveResult(answers=answers, item=row)


def _part_conflict(session: Session, plan: CarePlan, section: Section, yours: dict) -> SaveResult:
    theirs = session.exec(select(CarePlanPart).where(CarePlanPart.care_plan_id == plan.id, CarePlanPart.part_key == section.key)).one()
    session.refresh(theirs)
    return SaveResult(conflict=_conflict(session, section, yours, theirs.answers, theirs), answers=yours)


def _conflict(session: Session, section: Section, yours: dict, theirs: dict, row) -> Conflict:
    writer = session.get(User, row.updated_by_id) if row.updated_by_id else None
    agency = session.get(Agency, row.updated_agency_id) if row.updated_agency_id else None
    return Conflict(section, yours, theirs, writer, agency, row.updated_at, row.version)


def _date(value: Optional[str]) -> Optional[date]:
    return date.fromisoformat(value) if value else None


# --- Needs, goals, actions and contacts ------------------------------------------------------

def snapshot(item_type: str, row, names: Optional[dict] = None) -> dict:
    """An item as its form's answers (dates as ISO text, choices as their values), plus, for an
    action, who it is assigned to and where it stands: what a revision keeps and a conflict shows."""
    values: dict[str, Any] = {}
    for question in item_forms().section(item_type).questions:
        value = getattr(row, question.key)
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        elif hasattr(value, "value"):
            value = value.value
        values[question.key] = value
    if item_type == "action":
        names = names or {}
        values.update(owner=names.get("owner"), owner_user=names.get("owner_user"), status=row.status.value,
                      status_reason=row.status_reason)
    return values


def _columns(item_type: str, answers: dict) -> dict:
    """Form answers as column values: dates, booleans and the status and kind enums."""
    columns = {}
    for question in item_forms().section(item_type).questions:
        value = answers.get(question.key)
        if question.type == "date":
            value = _date(value)
        elif question.type == "yes_no":
            value = value == "yes"
        elif (item_type, question.key) in ENUMS and value is not None:
            value = ENUMS[(item_type, question.key)](value)
        columns[question.key] = value
    return columns


def item(session: Session, plan: CarePlan, item_type: str, item_id: int):
    """One need, goal, action or contact of this plan, or None (also when it is another plan's)."""
    row = session.get(ITEM_MODELS[item_type], item_id) if 0 < item_id < 2**31 else None
    return row if row is not None and row.care_plan_id == plan.id else None


def need_of(session: Session, plan: CarePlan, raw: Optional[str]) -> tuple[Optional[int], Optional[str]]:
    """The need a new goal or action goes under, from the form: (id, None), (None, None) for none,
    or (None, message) when it names a need that is not in this plan."""
    raw = (raw or "").strip()
    if not raw:
        return None, None
    if raw.isdigit() and len(raw) < 10 and item(session, plan, "need", int(raw)) is not None:
        return int(raw), None
    return None, "Select a need from this plan"


@dataclass
class Owner:
    agency: Optional[Agency]
    user: Optional[User]


def read_owner(form, team: list[TeamMember], errors: dict, staff: dict[int, list[User]], objected: frozenset[int] = frozenset()) -> Owner:
    """The agency an action is assigned to must be in the care team (add it to the team first) and not
    one the person has objected to sharing with; a named practitioner must work for that agency."""
    agencies = {m.agency.id: m.agency for m in team if m.agency.id not in objected}
    raw = (form.get("owner_agency_id") or "").strip()
    agency = agencies.get(int(raw)) if raw.isdigit() and len(raw) < 10 else None
    if agency is None:
        errors["owner_agency_id"] = (
            "Select an agency in the care team. To give the action to another agency, add it to the care team first"
            if raw else "Select the agency that will do this")
        return Owner(None, None)
    raw_user = (form.get("owner_user_id") or "").strip()
    if not raw_user:
        return Owner(agency, None)
    named = next((u for u in staff.get(agency.id, []) if str(u.id) == raw_user), None)
    if named is None:
        errors["owner_user_id"] = f"Select a practitioner who works for {agency.name}, or no one"
    return Owner(agency, named)


def team_staff(session: Session, team: list[TeamMember]) -> dict[int, list[User]]:
    """Active practitioners of each agency in the care team, who can be named on an action (one query)."""
    agency_ids = {m.agency.id for m in team}
    if not agency_ids:
        return {}
    staff: dict[int, list[User]] = {}
    for user in session.exec(
        select(User).where(User.agency_id.in_(agency_ids), User.is_active.is_(True)).order_by(User.full_name)  # type: ignore[attr-defined,union-attr]
    ):
        if user.role.value == "practitioner":
            staff.setdefault(user.agency_id, []).append(user)
    return staff


def add_item(
    session: Session, plan: CarePlan, person: Person, item_type: str, form, user: User, today: Optional[date] = None,
) -> SaveResult:
    """Add a need, goal, action (requested of its agency, which is told) or contact to the plan."""
    answers, errors = read_section(item_forms().section(item_type), form, today=today)
    extra: dict = {}
    owner = Owner(None, None)
    if item_type in ("goal", "action"):
        extra["need_id"], problem = need_of(session, plan, form.get("need_id"))
        if problem:
            errors["need_id"] = problem
    if item_type == "action":
        team = care_team.current_members(session, person.id)
        owner = read_owner(form, team, errors, team_staff(session, team), frozenset(care_team.objected_agency_ids(session, person.id)))
        _check_dates(answers, errors)
    if errors:
        return SaveResult(errors=errors, answers=answers)
    now = utc_now()
    version = _begin_change(session, plan, user, now)
    columns = {**_columns(item_type, answers), **extra}
    if item_type == "action":
        columns.update(person_id=person.id, owner_agency_id=owner.agency.id, owner_user_id=owner.user.id if owner.user else None,
                       status=ActionStatus.requested, requested_by_id=user.id)
    row = ITEM_MODELS[item_type](care_plan_id=plan.id, version=1, created_by_id=user.id, created_at=now, **columns,
                                 **_stamp(user, version, now))
    session.add(row)
    session.flush()
    values = snapshot(item_type, row, _owner_names(owner))
    summary = f"{item_type.capitalize()} added: {_title(item_type, row)}"
    if item_type == "action":
        _tell_owner(session, person, row, owner, user)
    _finish_change(session, plan, person, user, version, item_type, row.id, values, list(values), summary, now)
    return SaveResult(item=row, answers=answers)


def edit_item(
    session: Session, plan: CarePlan, person: Person, item_type: str, row, form, user: User, seen_version: int,
    today: Optional[date] = None,
) -> SaveResult:
    """Save an edited need, goal, action or contact if it is still at `seen_version`. An action given
    to another agency is requested of that agency afresh; a done or cancelled action is closed."""
    section = item_forms().section(item_type)
    answers, errors = read_section(section, form, today=today)
    owner = Owner(None, None)
    if item_type == "action":
        if row.status in handshake.FINAL:
            return SaveResult(refused=f"This action is {row.status.label.lower()}, so it can no longer be changed. Add a new action instead.",
                              answers=answers)
        team = care_team.current_members(session, person.id)
        owner = read_owner(form, team, errors, team_staff(session, team), frozenset(care_team.objected_agency_ids(session, person.id)))
        _check_dates(answers, errors)
    if errors:
        return SaveResult(errors=errors, answers=answers)
    before = snapshot(item_type, row, _action_names(session, row) if item_type == "action" else None)
    columns = _columns(item_type, answers)
    reassigned = False
    if item_type == "action":
        reassigned = owner.agency.id != row.owner_agency_id
        columns.update(owner_agency_id=owner.agency.id, owner_user_id=owner.user.id if owner.user else None)
        if reassigned:
            columns.update(status=ActionStatus.requested, status_reason=None, responded_by_id=None, responded_at=None,
                           requested_by_id=user.id)
    now = utc_now()
    version = _begin_change(session, plan, user, now)
    if not _save_if_unchanged(session, ITEM_MODELS[item_type], row, seen_version, columns, user, version, now):
        names = _action_names(session, row) if item_type == "action" else None
        yours = {**answers, **(_owner_names(owner) if item_type == "action" else {})}
        return SaveResult(conflict=_conflict(session, section, yours, snapshot(item_type, row, names), row), answers=answers)
    session.refresh(row)
    after = snapshot(item_type, row, _owner_names(owner) if item_type == "action" else None)
    changed = revisions.changed_keys(before, after)
    if reassigned:
        _tell_owner(session, person, row, owner, user)
    _finish_change(session, plan, person, user, version, item_type, row.id, after, changed,
                   f"{item_type.capitalize()} changed: {_title(item_type, row)}", now)
    return SaveResult(item=row, answers=answers)


def remove_contact(session: Session, plan: CarePlan, person: Person, row: CarePlanContact, user: User, seen_version: int) -> SaveResult:
    """Take a contact off the plan; the row stays (inactive) so the history still reads."""
    now = utc_now()
    version = _begin_change(session, plan, user, now)
    if not _save_if_unchanged(session, CarePlanContact, row, seen_version, {"active": False}, user, version, now,
                              CarePlanContact.active.is_(True)):  # type: ignore[attr-defined]
        return SaveResult(refused="Someone else changed or removed this contact since you opened the plan. Check it and try again.")
    session.refresh(row)
    values = {**snapshot("contact", row), "removed": "yes"}
    _finish_change(session, plan, person, user, version, "contact", row.id, values, ["removed"], f"Contact removed: {row.name}", now)
    return SaveResult(item=row)


def _check_dates(answers: dict, errors: dict) -> None:
    start, due = answers.get("start_on"), answers.get("due_on")
    if start and due and due < start:
        errors["due_on-day"] = "Due date must be the same as or after the start date"


def _title(item_type: str, row) -> str:
    text = {"need": "need", "goal": "goal", "action": "description", "contact": "name"}[item_type]
    value = getattr(row, text) or ""
    return value if len(value) <= 80 else value[:79] + "…"


def _owner_names(owner: Owner) -> dict:
    return {"owner": owner.agency.name if owner.agency else None, "owner_user": owner.user.full_name if owner.user else None}


def _action_names(session: Session, action: CarePlanAction) -> dict:
    agency = session.get(Agency, action.owner_agency_id)
    user = session.get(User, action.owner_user_id) if action.owner_user_id else None
    return _owner_names(Owner(agency, user))


def _tell_owner(session: Session, person: Person, action: CarePlanAction, owner: Owner, by: User) -> None:
    """A new or reassigned action is requested of its agency (or its named practitioner)."""
    notifications.notify(
        session, "action_requested",
        f"{by.full_name} asked {owner.user.full_name if owner.user else owner.agency.name} to do something for "
        f"{person.full_name}: {_title('action', action)}",
        user_id=owner.user.id if owner.user else None, agency_id=None if owner.user else owner.agency.id,
        person_id=person.id, link=notifications.to_plan(person.id, f"action-{action.id}"),
    )


# --- The handshake -----------------------------------------------------------------------------

def actor(user: User, action: CarePlanAction, team: list[TeamMember]) -> handshake.Actor:
    """What this user is to the action: its owning agency, the person's key worker, who asked for it."""
    return handshake.Actor(
        is_owner=user.agency_id == action.owner_agency_id,
        is_key_worker=any(m.is_key_worker and m.user is not None and m.user.id == user.id for m in team),
        is_requester=action.requested_by_id == user.id,
    )


def respond(
    session: Session, plan: CarePlan, person: Person, action: CarePlanAction, transition: handshake.Transition,
    reason: Optional[str], user: User, seen_version: int,
) -> SaveResult:
    """Move an action along the handshake (app/handshake.py) if it is still at `seen_version`: a
    decline tells whoever asked for it and the key worker why."""
    rule = handshake.RULES[transition]
    team = care_team.current_members(session, person.id)
    me = actor(user, action, team)
    if not me.may(rule):
        return SaveResult(forbidden=handshake.refusal(action.status, transition, me))
    reason = (reason or "").replace("\r\n", "\n").strip()
    if rule.needs_reason and not reason:
        word = "declining" if transition is handshake.Transition.decline else "cancelling"
        return SaveResult(errors={f"reason-{transition.value}-{action.id}": f"Enter a reason for {word} this action"})
    if len(reason) > handshake.REASON_MAX:
        return SaveResult(errors={f"reason-{transition.value}-{action.id}": f"Reason must be {handshake.REASON_MAX} characters or fewer"})
    if action.version != seen_version or action.status not in rule.sources:
        return SaveResult(refused=_moved_on(session, action, transition))
    now = utc_now()
    values: dict[str, Any] = {"status": rule.target}
    if rule.needs_reason:
        values["status_reason"] = reason
    if transition in (handshake.Transition.accept, handshake.Transition.decline):
        values.update(responded_by_id=user.id, responded_at=now)
    if transition is handshake.Transition.complete:
        values["completed_at"] = now
    version = _begin_change(session, plan, user, now)
    if not _save_if_unchanged(session, CarePlanAction, action, seen_version, values, user, version, now):
        return SaveResult(refused=_moved_on(session, action, transition))
    session.refresh(action)
    names = _action_names(session, action)
    summary = f"Action {rule.done} by {names['owner'] if me.is_owner else user.full_name}: {_title('action', action)}"
    if transition is handshake.Transition.decline:
        told = {action.requested_by_id} | {m.user.id for m in team if m.is_key_worker and m.user is not None}
        for user_id in sorted(i for i in told if i is not None and i != user.id):
            notifications.notify(
                session, "action_declined", f"{names['owner']} declined an action for {person.full_name}: "
                f"{_title('action', action)}. Reason: {reason}", user_id=user_id, person_id=person.id,
                link=notifications.to_plan(person.id, f"action-{action.id}"),
            )
    _finish_change(session, plan, person, user, version, "action", action.id, snapshot("action", action, names),
                   ["status"] + (["status_reason"] if rule.needs_reason else []), summary, now)
    return SaveResult(item=action)


def _moved_on(session: Session, action: CarePlanAction, transition: handshake.Transition) -> str:
    session.refresh(action)
    who = session.get(User, action.updated_by_id) if action.updated_by_id else None
    return (f"{who.full_name if who else 'Someone'} changed this action since you opened it: it is now "
            f"{action.status.label.lower()}, so it was not {handshake.RULES[transition].done}. Nothing was overwritten.")


# --- Suggested needs from the assessment ------------------------------------------------------

@dataclass
class AdoptResult:
    errors: dict = field(default_factory=dict)
    added: list[CarePlanNeed] = field(default_factory=list)
    skipped: list[SuggestedNeed] = field(default_factory=list)  # someone else took or dismissed them first


def adopt(session: Session, plan: CarePlan, person: Person, form, user: User) -> AdoptResult:
    """Turn the chosen suggested needs into plan needs, each in the words the key worker settled on
    and linked to the assessment finding it came from. A suggestion can be taken only once."""
    pending = {s.id: s for s in session.exec(
        select(SuggestedNeed).where(SuggestedNeed.person_id == person.id, SuggestedNeed.status == "suggested"))}
    chosen_ids = [int(v) for v in form.getlist("suggestion") if v.isdigit() and len(v) < 10]
    errors: dict[str, str] = {}
    wording: dict[int, str] = {}
    for suggestion_id in chosen_ids:
        text = (form.get(f"need-{suggestion_id}") or "").strip()
        if suggestion_id in pending and not text:
            errors[f"need-{suggestion_id}"] = "Enter the need in the words to use in the plan"
        elif len(text) > 200:
            errors[f"need-{suggestion_id}"] = "Need must be 200 characters or fewer"
        wording[suggestion_id] = text
    if not chosen_ids:
        errors["suggestion"] = "Select at least one suggested need to add to the plan"
    if errors:
        return AdoptResult(errors=errors)
    result = AdoptResult()
    now = utc_now()
    for suggestion_id in chosen_ids:
        taken = session.exec(  # type: ignore[call-overload]
            update(SuggestedNeed).where(SuggestedNeed.id == suggestion_id, SuggestedNeed.person_id == person.id,
                                        SuggestedNeed.status == "suggested").values(status="adopted", updated_at=now)
        )
        if taken.rowcount != 1:
            found = session.get(SuggestedNeed, suggestion_id)
            if found is not None and found.person_id == person.id:
                result.skipped.append(found)
            continue
        version = _begin_change(session, plan, user, now)
        need = CarePlanNeed(care_plan_id=plan.id, need=wording[suggestion_id], suggested_need_id=suggestion_id,
                            created_by_id=user.id, created_at=now, **_stamp(user, version, now))
        session.add(need)
        session.flush()
        values = snapshot("need", need)
        suggestion = pending.get(suggestion_id)
        session.add(CarePlanRevision(
            care_plan_id=plan.id, plan_version=version, item_type="need", item_key=str(need.id),
            values={**values, "from_assessment": suggestion.answer if suggestion else ""}, changed=list(values),
            summary=f"Need added from the assessment: {need.need}"[:300], saved_by_id=user.id, saved_agency_id=user.agency_id, saved_at=now,
        ))
        set_committed_value(plan, "version", version)
        result.added.append(need)
    if result.added:
        audit.record(session, "edit_care_plan", user=user, person_id=person.id, record_type="care_plan_need",
                     record_id=result.added[0].id, detail=f"{len(result.added)} needs added from the assessment")
        tell_team(session, person, user, f"{len(result.added)} needs added from the assessment")
    session.commit()
    return result


def dismiss(session: Session, person: Person, suggestion_id: int, user: User) -> bool:
    """Set a suggested need aside (it stays on the assessment, marked dismissed); False if it was not pending."""
    done = session.exec(  # type: ignore[call-overload]
        update(SuggestedNeed).where(SuggestedNeed.id == suggestion_id, SuggestedNeed.person_id == person.id,
                                    SuggestedNeed.status == "suggested").values(status="dismissed", updated_at=utc_now())
    )
    if done.rowcount != 1:
        session.rollback()
        return False
    audit.record(session, "dismiss_suggested_need", user=user, person_id=person.id, record_type="suggested_need", record_id=suggestion_id)
    session.commit()
    return True


# --- History ---------------------------------------------------------------------------------

@dataclass
class RevisionRow:
    revision: CarePlanRevision
    writer: Optional[User]
    agency: Optional[Agency]


def history(session: Session, plan: CarePlan, limit: int = 300) -> list[RevisionRow]:
    """Every change, newest first, with who and which agency (one query)."""
    rows = session.exec(
        select(CarePlanRevision, User, Agency)
        .outerjoin(User, User.id == CarePlanRevision.saved_by_id)
        .outerjoin(Agency, Agency.id == CarePlanRevision.saved_agency_id)
        .where(CarePlanRevision.care_plan_id == plan.id)
        .order_by(CarePlanRevision.plan_version.desc())  # type: ignore[attr-defined]
        .limit(limit)
    ).all()
    return [RevisionRow(r, u, a) for r, u, a in rows]


def revision_diff(session: Session, revision: CarePlanRevision) -> list[revisions.Change]:
    """This revision against the one before it for the same part or item, in the order the form asks."""
    previous = session.exec(
        select(CarePlanRevision)
        .where(CarePlanRevision.care_plan_id == revision.care_plan_id, CarePlanRevision.item_type == revision.item_type,
               CarePlanRevision.item_key == revision.item_key, CarePlanRevision.plan_version < revision.plan_version)
        .order_by(CarePlanRevision.plan_version.desc())  # type: ignore[attr-defined]
        .limit(1)
    ).first()
    section = parts().section(revision.item_key) if revision.item_type == "part" else item_forms().section(revision.item_type)
    return describe_changes(section, previous.values if previous else {}, revision.values)


EXTRA_LABELS = {**ACTION_EXTRAS, "removed": "Removed from the plan", "from_assessment": "From the assessment"}


def describe_changes(section: Section, before: dict, after: dict) -> list[revisions.Change]:
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
