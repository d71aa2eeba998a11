"""What is waiting for someone: actions owned by an agency or a practitioner across everyone's
care plans, and care plans due for review (for their key worker, and for their network)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Optional, cast

from sqlalchemy import Date, Integer, ScalarSelect, bindparam, case, exists, func, union_all
from sqlalchemy import select as select_columns
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app import paging
from app.front_door import clocks
from app.trust import access
from app.work import notifications
from models import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    Agency,
    AgencyCaseload,
    CarePlan,
    CarePlanAction,
    CarePlanNeed,
    CareTeamMember,
    Notification,
    Person,
    Referral,
    ReferralStatus,
    Urgency,
    User,
)
from models.person import format_nhs_number

WORKLIST_PAGE = 50
WORKLIST_MOST = 1000  # a worklist pages through this many at most; past that, filters narrow it
# My work counts what waits for the agency up to this, and says "more than" it past that: on the
# page a team opens first thing, 100 overdue says as much as 1,000 would, and the worklist (one click
# on) counts to WORKLIST_MOST. A count checks each action's record is open to the agency, so the
# busiest agencies' My work checked 2,002 rows where it now checks 202.
MY_WORK_MOST = 100
REVIEW_NOTICE_DAYS = 14  # plans due for review within this many days show on the worklist

STATUS_FILTERS = {
    "open": ("Still to do", OPEN_ACTION_STATUSES),
    "requested": ("Waiting for us to accept", frozenset({ActionStatus.requested})),
    "in_hand": ("Accepted or in progress", frozenset({ActionStatus.accepted, ActionStatus.in_progress})),
    "declined": ("Declined", frozenset({ActionStatus.declined})),
    "done": ("Done", frozenset({ActionStatus.done})),
    "cancelled": ("Cancelled", frozenset({ActionStatus.cancelled})),
    "all": ("All", frozenset(ActionStatus)),
}


@dataclass
class WorklistFilters:
    status: str = "open"
    mine: bool = False  # only actions naming me, not everything my agency owns
    page: int = 1

    def query(self, page: int) -> dict:
        """The query string for another page of the same list."""
        return {"status": self.status, **({"mine": "yes"} if self.mine else {}), "page": page}


@dataclass(frozen=True)
class ActionRow:
    """What a worklist item shows of an action, and what its moves need."""

    id: int
    person_id: int
    version: int
    description: str
    status: ActionStatus
    frequency: Optional[str]
    due_on: Optional[date]
    status_reason: Optional[str]


@dataclass(frozen=True)
class NeedRow:
    id: int
    need: str


@dataclass(frozen=True)
class UserName:
    id: int
    full_name: str


@dataclass
class WorkItem:
    """One action on a worklist: plain rows of what it shows (a page has 50), not entities."""

    action: ActionRow
    person: "PersonRow"
    need: Optional[NeedRow]
    owner_user: Optional[UserName]
    overdue: bool


def worklist(session: Session, user: User, filters: WorklistFilters, today: date, limit: int = WORKLIST_PAGE) -> tuple[list[WorkItem], int]:
    """Actions owned by the user's agency (or only those naming the user) for people whose record the
    agency may open, overdue first, then the soonest due; undated ones last; a page at a time. Returns
    the page's rows and how many match, counted up to WORKLIST_MOST + 1 (a list longer than that is
    for filtering, not paging through).

    Dated and undated actions are counted and picked separately so that each follows the index on
    (agency, due date) and stops early, however many actions a busy agency holds: both counts in one
    statement, then the page (both parts of it) in another."""
    counting, reading = _WORKLIST_STATEMENTS[filters.mine]
    given = {"agency_id": user.agency_id, "user_id": user.id, "statuses": list(STATUS_FILTERS[filters.status][1])}
    dated, undated = session.execute(counting, {**given, "most": WORKLIST_MOST + 1}).one()
    undated = min(undated, max(0, WORKLIST_MOST + 1 - dated))
    start = min(filters.page - 1, WORKLIST_MOST // limit - 1) * limit
    dated_limit = max(0, min(limit, dated - start))
    # The statement always runs (it may ask for nothing), so the page costs the same statements every time.
    # The page's actions are picked by id first (from the index alone), and only they are read in full
    # with their person, need and practitioner: joining every match before sorting cost PostgreSQL a
    # read of each one's person.
    rows = session.execute(
        reading,
        {
            **given,
            "dated_offset": start,
            "dated_limit": dated_limit,
            "undated_offset": max(0, start - dated),
            "undated_limit": max(0, min(limit - dated_limit, undated)),
        },
    ).all()
    return [_work_item(row, today) for row in rows], dated + undated


# The user's agency in a statement built once: a value bound per request where the record rule's
# filters (app/trust/access.py) take the agency's id.
_AGENCY_ID = cast(int, bindparam("agency_id", type_=Integer))


def _up_to_most(statement: Any) -> ScalarSelect:
    """How many rows `statement` (of ids) gives, counted up to the bound `most` at most."""
    return paging.count_up_to(statement, bindparam("most", type_=Integer))


def _worklist_statements(mine: bool) -> tuple[Any, Any]:
    """The worklist's two statements, its counts and its page, with every value bound: built once for
    the agency's list and once for the actions naming the user."""
    agency_id = _AGENCY_ID
    conditions = [
        col(CarePlanAction.owner_agency_id) == agency_id,
        col(CarePlanAction.status).in_(bindparam("statuses", expanding=True)),
        access.open_to_care_team(agency_id, CarePlanAction.person_id, row_by_row=True),
    ]  # only people whose record the agency may open
    if mine:
        conditions.append(col(CarePlanAction.owner_user_id) == bindparam("user_id"))
    dated_only, undated_only = col(CarePlanAction.due_on).is_not(None), col(CarePlanAction.due_on).is_(None)

    matching = select_columns(col(CarePlanAction.id)).where(*conditions)
    counting = select_columns(_up_to_most(matching.where(dated_only)), _up_to_most(matching.where(undated_only)))
    dated_page = (
        select_columns(col(CarePlanAction.id))
        .where(*conditions, dated_only)
        .order_by(col(CarePlanAction.due_on), col(CarePlanAction.id))
        .offset(bindparam("dated_offset", type_=Integer))
        .limit(bindparam("dated_limit", type_=Integer))
        .subquery()
    )
    undated_page = (
        select_columns(col(CarePlanAction.id))
        .where(*conditions, undated_only)
        # due_on (null in every row) leads the order as it does the index (agency, due date, id):
        # PostgreSQL does not take IS NULL as one value, and would sort every undated action instead.
        .order_by(col(CarePlanAction.due_on), col(CarePlanAction.id))
        .offset(bindparam("undated_offset", type_=Integer))
        .limit(bindparam("undated_limit", type_=Integer))
        .subquery()
    )
    page = union_all(select_columns(dated_page.c.id), select_columns(undated_page.c.id))
    reading = _WORK_ITEMS.where(col(CarePlanAction.id).in_(page)).order_by(
        case((col(CarePlanAction.due_on).is_(None), 1), else_=0), col(CarePlanAction.due_on), col(CarePlanAction.id)
    )
    return counting, reading


def work_item(session: Session, action_id: int, today: date) -> Optional[WorkItem]:
    row = session.execute(_work_items().where(CarePlanAction.id == action_id)).first()
    return _work_item(row, today) if row is not None else None


_OwnerUser = aliased(User)
# An action with its person, its need and its named practitioner (one query): the columns a worklist
# item shows, read as plain rows (a page reads 50 of each). Built once.
_WORK_ITEMS = (
    select_columns(
        col(CarePlanAction.id),
        col(CarePlanAction.person_id),
        col(CarePlanAction.version),
        col(CarePlanAction.description),
        col(CarePlanAction.status),
        col(CarePlanAction.frequency),
        col(CarePlanAction.due_on),
        col(CarePlanAction.status_reason),
        col(Person.given_name),
        col(Person.family_name),
        col(Person.nhs_number),
        col(CarePlanNeed.id),
        col(CarePlanNeed.need),
        col(_OwnerUser.id),
        col(_OwnerUser.full_name),
    )
    .join(Person, col(Person.id) == CarePlanAction.person_id)
    .outerjoin(CarePlanNeed, col(CarePlanNeed.id) == CarePlanAction.need_id)
    .outerjoin(_OwnerUser, col(_OwnerUser.id) == CarePlanAction.owner_user_id)
)


def _work_items():
    return _WORK_ITEMS


_WORKLIST_STATEMENTS = {mine: _worklist_statements(mine) for mine in (False, True)}


def _work_item(row, today: date) -> WorkItem:
    (
        id_,
        person_id,
        version,
        description,
        status,
        frequency,
        due_on,
        reason,
        given,
        family,
        nhs_number,
        need_id,
        need,
        user_id,
        user_name,
    ) = row
    action = ActionRow(id_, person_id, version, description, status, frequency, due_on, reason)
    return WorkItem(
        action,
        PersonRow(person_id, given, family, nhs_number),
        NeedRow(need_id, need) if need_id is not None else None,
        UserName(user_id, user_name) if user_id is not None else None,
        status.is_open and due_on is not None and due_on < today,
    )


@dataclass
class ReviewDue:
    plan: "CarePlan | PlanDue"  # a key worker's list reads only what it shows (PlanDue, PersonName)
    person: "Person | PersonName"
    key_worker: Optional[User]
    agency: Optional[Agency]
    overdue: bool

    @property
    def due_on(self) -> date:
        """The plan's review date: every plan in a list of reviews has one (the lists select by it)."""
        assert self.plan.review_due_on is not None
        return self.plan.review_due_on


def reviews_for_key_worker(session: Session, user: User, today: date, limit: int = 100) -> list[ReviewDue]:
    """Plans this user leads as key worker that are past their review date or due within two weeks,
    the soonest first (one query).

    Only the plans the list reaches have their person read (for the family name that orders plans
    due on the same day): the review date of the `limit`th plan, found from the indexes alone
    (ix_care_team_key_worker, ix_care_plan_review), bounds the plans read in full, however many
    the key worker leads. The rows are plain (PlanDue, PersonName): a date and a name each.

    The worklist shows them all, up to `limit`: each is a review the key worker owes, the most
    overdue first, and the grouped reminder ("15 care plans you lead are due for review") links
    there for the lot. A caseload with 100 reviews due at once is rare, and its cost is bounded."""
    rows = session.execute(
        _REVIEWS_FOR_KEY_WORKER,
        {"user_id": user.id, "agency_id": user.agency_id, "until": today + timedelta(days=REVIEW_NOTICE_DAYS), "limit": limit},
    ).all()
    # Plain rows, not entities: the list and its reminders show a name and a date (up to 100 rows a page).
    return [
        ReviewDue(PlanDue(plan_id, person_id, due_on), PersonName(person_id, given_name, family_name), user, None, due_on < today)
        for plan_id, person_id, due_on, given_name, family_name in rows
    ]


def _reviews_for_key_worker_statement() -> Any:
    """`reviews_for_key_worker`'s statement, built once: the key worker, their agency, the last review
    date the list takes and its length are bound per request.

    The plans the key worker leads that are due, read once from the indexes alone (a CTE read twice,
    for the review date of the last plan on the list and for the plans up to it: PostgreSQL makes it
    once); only those the list reaches are joined to their person (joined in the same statement as
    the caseload, the person of every plan the key worker leads was read)."""
    until, limit = bindparam("until", type_=Date), bindparam("limit", type_=Integer)
    due = (
        select_columns(col(CarePlan.id), col(CarePlan.person_id), col(CarePlan.review_due_on))
        .join(CareTeamMember, col(CareTeamMember.person_id) == CarePlan.person_id)
        .where(
            col(CareTeamMember.user_id) == bindparam("user_id", type_=Integer),
            col(CareTeamMember.is_key_worker).is_(True),
            col(CareTeamMember.left_at).is_(None),
            col(CarePlan.review_due_on) <= until,
            access.not_objected(_AGENCY_ID, CarePlan.person_id),
        )
        .cte("due")
    )
    last_on_list = select_columns(due.c.review_due_on).order_by(due.c.review_due_on).offset(limit - 1).limit(1).scalar_subquery()
    return (
        select_columns(due.c.id, due.c.person_id, due.c.review_due_on, col(Person.given_name), col(Person.family_name))
        .join(Person, col(Person.id) == due.c.person_id)
        .where(due.c.review_due_on <= func.coalesce(last_on_list, until))
        .order_by(due.c.review_due_on, Person.family_name_key)
        .limit(limit)
    )


_REVIEWS_FOR_KEY_WORKER = _reviews_for_key_worker_statement()


@dataclass(frozen=True)
class PlanDue:
    """What a list of reviews shows of a care plan."""

    id: int
    person_id: int
    review_due_on: date


@dataclass(frozen=True)
class PersonName:
    """What a list of reviews shows of a person."""

    id: int
    given_name: str
    family_name: str

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


def reviews_for_network(session: Session, network_id: int, lead: User, today: date, limit: int = 200) -> tuple[list[ReviewDue], int]:
    """Plans of people registered in the network that are past their review date, most overdue first,
    with their key worker (leaving out anyone who objected to the lead's agency); returns the rows and
    how many there are."""
    conditions = [col(Agency.network_id) == network_id, col(CarePlan.review_due_on) < today, access.not_objected(lead.agency_id, Person.id)]
    total = session.exec(
        select(func.count(col(CarePlan.id)))
        .join(Person, col(Person.id) == CarePlan.person_id)
        .join(Agency, col(Agency.id) == Person.gp_practice_id)
        .where(*conditions)
    ).one()
    KeyWorker, KeyWorkerAgency = aliased(User), aliased(Agency)
    rows = session.exec(
        select(CarePlan, Person, KeyWorker, KeyWorkerAgency)
        .join(Person, col(Person.id) == CarePlan.person_id)
        .join(Agency, col(Agency.id) == Person.gp_practice_id)
        .outerjoin(
            CareTeamMember,
            (col(CareTeamMember.person_id) == Person.id)
            & col(CareTeamMember.is_key_worker).is_(True)
            & col(CareTeamMember.left_at).is_(None),
        )
        .outerjoin(KeyWorker, col(KeyWorker.id) == CareTeamMember.user_id)
        .outerjoin(KeyWorkerAgency, col(KeyWorkerAgency.id) == CareTeamMember.agency_id)
        .where(*conditions)
        .order_by(col(CarePlan.review_due_on), Person.family_name_key)
        .limit(limit)
    ).all()
    return [ReviewDue(plan, person, worker, agency, True) for plan, person, worker, agency in rows], total


def send_review_reminders(session: Session, today: date) -> int:
    """Every key worker's reminders of the plans they lead that are past their review date (see
    `remind_reviews`); run on a schedule by `flask --app app reminders`. Returns how many were added."""
    key_workers = session.exec(
        select(User)
        .where(col(User.is_active).is_(True))
        .where(
            exists().where(
                col(CareTeamMember.user_id) == User.id,
                col(CareTeamMember.is_key_worker).is_(True),
                col(CareTeamMember.left_at).is_(None),
                col(CarePlan.person_id) == CareTeamMember.person_id,
                col(CarePlan.review_due_on) < today,
            )
        )
        .order_by(col(User.id))
    ).all()
    return sum(remind_reviews(session, user, today) for user in key_workers)


# From this many plans overdue at once, a key worker gets one grouped reminder, not one per plan.
GROUP_REMINDERS_FROM = 3


def remind_reviews(session: Session, user: User, today: date, reviews: Optional[list[ReviewDue]] = None) -> int:
    """Put a "review due" item in the key worker's inbox for each plan they lead past its review date,
    once per review date (a later review date is a new reminder). When GROUP_REMINDERS_FROM or more
    plans are overdue, one grouped item ("15 plans are due for review", linking to the worklist's
    reviews) stands for them all, once for each set of overdue plans. Returns how many were added."""
    reviews = reviews_for_key_worker(session, user, today) if reviews is None else reviews
    overdue = [due for due in reviews if due.overdue]
    topics = {due.plan.id: f"review_due:{due.plan.id}:{due.due_on.isoformat()}" for due in overdue}
    if not topics:
        return 0
    if len(overdue) >= GROUP_REMINDERS_FROM:
        return _remind_reviews_grouped(session, user, overdue)
    sent = set(
        session.exec(select(Notification.topic).where(Notification.user_id == user.id, col(Notification.topic).in_(list(topics.values()))))
    )
    added = 0
    for due in overdue:
        if topics[due.plan.id] in sent:
            continue
        sent_now = notifications.notify(
            session,
            "review_due",
            f"{due.person.full_name}'s care plan was due for review on {due.due_on.day} {due.due_on:%B %Y}.",
            user_id=user.id,
            person_id=due.person.id,
            link=notifications.to_plan(due.plan.person_id),
            topic=topics[due.plan.id],
        )
        added += sent_now is not None
    return added


def _remind_reviews_grouped(session: Session, user: User, overdue: list[ReviewDue]) -> int:
    """One inbox item for all the key worker's overdue plans. Its topic names the set (how many, and
    the latest review date among them), so the same set is not sent twice and a plan newly overdue
    makes a new item, which replaces an unread older one. Returns 1 if one was added, else 0."""
    latest = max(due.due_on for due in overdue)
    topic = f"review_due_group:{user.id}:{latest.isoformat()}:{len(overdue)}"
    if (
        session.exec(select(Notification.id).where(Notification.user_id == user.id, Notification.topic == topic).limit(1)).first()
        is not None
    ):
        return 0
    older = session.exec(
        select(Notification)
        .where(Notification.user_id == user.id, col(Notification.topic).startswith(f"review_due_group:{user.id}:"))
        .where(col(Notification.read_at).is_(None))
    ).all()
    for item in older:
        session.delete(item)
    sent = notifications.notify(
        session,
        "review_due",
        f"{len(overdue)} care plans you lead are due for review.",
        user_id=user.id,
        link=notifications.to_reviews(),
        topic=topic,
    )
    return int(sent is not None)


@dataclass
class WorkSummary:
    requested: int  # asked of my agency, not yet accepted or declined (counted up to MY_WORK_MOST + 1)
    overdue: int  # still to do and past its due date (counted up to MY_WORK_MOST + 1)
    reviews_due: int  # plans I lead past their review date
    most: int = MY_WORK_MOST  # a count past this says "more than" it


def has_requested(session: Session, user: User) -> bool:
    """Whether anything asked of the user's agency waits for its yes or no (for people whose record
    it may open): the first one found answers, however many there are (one query)."""
    first = session.exec(
        select(CarePlanAction.id)
        .where(
            CarePlanAction.owner_agency_id == user.agency_id,
            CarePlanAction.status == ActionStatus.requested,
            access.open_to_care_team(user.agency_id, CarePlanAction.person_id, row_by_row=True),
        )
        .limit(1)
    ).first()
    return first is not None


def summary(session: Session, user: User, today: date) -> WorkSummary:
    """The counts for My work: what is waiting for my agency, and for me as key worker (one query)."""
    return my_work(session, user, today).work or WorkSummary(0, 0, 0)


@dataclass
class MyWork:
    agency_name: str
    caseload: int  # the people in whose care team the agency is now
    work: Optional[WorkSummary]  # None for those without a worklist


def my_work(session: Session, user: User, today: date, with_work: bool = True) -> MyWork:
    """The user's agency's name and caseload and, with `with_work`, what is waiting for it and for
    the user as key worker (one query, built once). Nothing in it grows with the district: the
    caseload is kept as care teams change (`agency_caseload`, migration 0021_caseload_count); what
    is asked of the agency and what is overdue are counted up to MY_WORK_MOST + 1, each from its own
    index (ix_care_plan_action_asked; (agency, due date): ix_care_plan_action_worklist), and a
    busier agency is told "more than" that."""
    name, caseload, *counts = session.execute(
        _MY_WORK[with_work], {"agency_id": user.agency_id, "user_id": user.id, "today": today, "most": MY_WORK_MOST + 1}
    ).one()
    if not with_work:
        return MyWork(name, int(caseload), None)
    requested, overdue, reviews = (int(count) for count in counts)
    return MyWork(name, int(caseload), WorkSummary(requested, overdue, reviews, most=MY_WORK_MOST))


def _my_work_statements() -> dict[bool, Any]:
    """My work's statement, with the agency's name and caseload alone (False) or with its counts (True)."""
    agency_id = _AGENCY_ID
    open_to_agency = access.open_to_care_team(agency_id, CarePlanAction.person_id, row_by_row=True)
    requested = select_columns(col(CarePlanAction.id)).where(
        col(CarePlanAction.owner_agency_id) == agency_id, col(CarePlanAction.status) == ActionStatus.requested, open_to_agency
    )
    overdue = select_columns(col(CarePlanAction.id)).where(
        col(CarePlanAction.owner_agency_id) == agency_id,
        col(CarePlanAction.due_on) < bindparam("today"),
        col(CarePlanAction.status).in_(list(OPEN_ACTION_STATUSES)),
        open_to_agency,
    )
    reviews = (
        select_columns(func.count(col(CarePlan.id)))
        .join(CareTeamMember, col(CareTeamMember.person_id) == CarePlan.person_id)
        .where(
            col(CareTeamMember.user_id) == bindparam("user_id", type_=Integer),
            col(CareTeamMember.is_key_worker).is_(True),
            col(CareTeamMember.left_at).is_(None),
        )
        .where(col(CarePlan.review_due_on) < bindparam("today"))
        .where(access.not_objected(agency_id, CarePlan.person_id))
    )
    caseload = select_columns(col(AgencyCaseload.people)).where(col(AgencyCaseload.agency_id) == agency_id).scalar_subquery()
    agency = select_columns(col(Agency.name), func.coalesce(caseload, 0)).where(col(Agency.id) == agency_id)
    return {
        False: agency,
        True: agency.add_columns(_up_to_most(requested), _up_to_most(overdue), reviews.scalar_subquery()),
    }


_MY_WORK = _my_work_statements()


# --- What My work puts first (issue 16) ---------------------------------------------------------

NEW_ALLOCATION_DAYS = 14  # an allocation stays "new" on My work for this long
URGENCY_ORDER = case(
    (col(Referral.urgency) == Urgency.urgent, 0),
    (col(Referral.urgency) == Urgency.two_day, 1),
    else_=2,
)


@dataclass(frozen=True)
class AllocatedReferral:
    """What My work shows of a referral allocated to the user."""

    id: int
    urgency: Urgency
    due_by: datetime
    reason: str


@dataclass
class Allocation:
    """A referral allocated to this user as key worker, with the clock it was triaged against."""

    referral: AllocatedReferral
    person: PersonName
    clock: clocks.Clock


def new_allocations(session: Session, user: User, now: datetime, limit: int = 20) -> list[Allocation]:
    """People allocated to me as key worker in the last fortnight, urgent first, then soonest due (one
    query, built once, reading what the page shows; ix_referral_key_worker finds my fortnight's)."""
    rows = session.execute(
        _NEW_ALLOCATIONS,
        {"user_id": user.id, "agency_id": user.agency_id, "since": now - timedelta(days=NEW_ALLOCATION_DAYS), "limit": limit},
    ).all()
    return [
        Allocation(AllocatedReferral(id_, urgency, due_by, reason), PersonName(person_id, given, family), clocks.clock_for(due_by, now))
        for id_, urgency, due_by, reason, person_id, given, family in rows
    ]


_NEW_ALLOCATIONS = (
    select_columns(
        col(Referral.id),
        col(Referral.urgency),
        col(Referral.due_by),
        col(Referral.reason),
        col(Person.id),
        col(Person.given_name),
        col(Person.family_name),
    )
    .join(Person, col(Person.id) == Referral.person_id)
    .where(col(Referral.key_worker_id) == bindparam("user_id", type_=Integer))
    .where(col(Referral.received_at) >= bindparam("since"))
    .where(col(Referral.status).in_([ReferralStatus.triaged, ReferralStatus.accepted]))
    .where(access.not_objected(_AGENCY_ID, Person.id))
    .order_by(URGENCY_ORDER, col(Referral.due_by), col(Referral.id))
    .limit(bindparam("limit", type_=Integer))
)


@dataclass
class QueueFigures:
    """The single point of access's queue as its coordinators need it at a glance."""

    waiting: int  # received, not yet triaged
    triaged: int  # triaged, not yet decided
    overdue: int  # either, past its clock
    urgent: int  # either, urgent


def queue_figures(session: Session, user: User, now: datetime) -> QueueFigures:
    """The open referrals this user's queue lists, counted (one query)."""
    waiting, triaged, overdue, urgent = session.exec(
        select(
            func.coalesce(func.sum(case((col(Referral.status) == ReferralStatus.received, 1), else_=0)), 0),
            func.coalesce(func.sum(case((col(Referral.status) == ReferralStatus.triaged, 1), else_=0)), 0),
            func.coalesce(func.sum(case((col(Referral.due_by) < now, 1), else_=0)), 0),
            func.coalesce(func.sum(case((col(Referral.urgency) == Urgency.urgent, 1), else_=0)), 0),
        )
        .where(col(Referral.status).in_([ReferralStatus.received, ReferralStatus.triaged]))
        .where(access.referrals_listed_for(user, Referral.network_id, Referral.person_id))
    ).one()
    return QueueFigures(int(waiting), int(triaged), int(overdue), int(urgent))


@dataclass(frozen=True)
class PersonRow(PersonName):
    """What a worklist item shows of a person."""

    nhs_number: Optional[str]

    @property
    def nhs_number_in_sentence(self) -> str:
        return format_nhs_number(self.nhs_number, in_sentence=True)
