"""A person's care team and the summary shown at the top of their record: who is in it, who may
join it, and the commands that add an agency to it or take one out."""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Optional

from sqlalchemy import Integer, bindparam, func
from sqlmodel import Session, col, select

from app.trust import access, audit
from app.versioned import SaveResult
from models import (
    OPEN_ACTION_STATUSES,
    Agency,
    AgencyKind,
    CarePlanAction,
    CareTeamMember,
    ConsentObjection,
    Network,
    Person,
    Referral,
    Role,
    User,
)
from models.clock import utc_now


@dataclass
class TeamMember:
    agency: Agency
    user: Optional[User]
    role: str
    is_key_worker: bool
    member_id: Optional[int] = None


@dataclass
class PersonSummary:
    person: Person
    gp_practice: Optional[Agency]
    network: Optional[Network]
    team: list[TeamMember]

    @property
    def key_worker(self) -> Optional[TeamMember]:
        return next((m for m in self.team if m.is_key_worker), None)


@dataclass
class PersonHeader:
    """What every page of a person's record shows at its top: who they are, who leads their care, what
    to watch for, the referral that brought them in, and which of the record's pages this user may open."""

    person: Person
    key_worker: Optional[TeamMember]
    objections: list[str]  # agencies the person will not share their record with
    referral: Optional[Referral]  # the latest referral for them
    may_read_access_log: bool


@lru_cache(maxsize=1)
def _statements() -> dict[str, Any]:
    """The record's summary and header statements, built once; each page runs them with its person."""
    return {
        "objections": select(Agency.id, Agency.name)
        .join(ConsentObjection, col(ConsentObjection.agency_id) == Agency.id)
        .where(ConsentObjection.person_id == bindparam("person_id"), col(ConsentObjection.withdrawn_at).is_(None))
        .order_by(Agency.name),
        "latest_referral": select(Referral)
        .where(Referral.person_id == bindparam("person_id"))
        .order_by(col(Referral.received_at).desc(), col(Referral.id).desc())
        .limit(1),
        "members": select(CareTeamMember, Agency, User)
        .join(Agency, col(Agency.id) == CareTeamMember.agency_id)
        .outerjoin(User, col(User.id) == CareTeamMember.user_id)
        .where(CareTeamMember.person_id == bindparam("person_id"))
        .where(col(CareTeamMember.left_at).is_(None))
        .order_by(col(CareTeamMember.is_key_worker).desc(), Agency.name),
        "practice": select(Agency, Network)
        .outerjoin(Network, col(Network.id) == Agency.network_id)
        .where(Agency.id == bindparam("agency_id")),
    }


def header(
    session: Session,
    person: Person,
    user: User,
    team: Optional[list[TeamMember]] = None,
    objections: Optional[list[tuple[Optional[int], str]]] = None,
) -> PersonHeader:
    """The shared header of a person's pages (three queries; fewer when the page has already read the
    care team or the objections, as (agency id, name) by name). The access-log rule's facts come from
    these: whether the user is the key worker, and whether the person objected to their agency."""
    assert person.id is not None  # a saved person
    team = current_members(session, person.id) if team is None else team
    key_worker = next((m for m in team if m.is_key_worker), None)
    statements = _statements()
    on_person = {"person_id": person.id}
    if objections is None:
        objections = [(agency_id, name) for agency_id, name in session.exec(statements["objections"], params=on_person)]
    referral = session.exec(statements["latest_referral"], params=on_person).first()
    may_read_access_log = access.access_log_decision(
        user,
        key_worker=any(m.is_key_worker and m.user is not None and m.user.id == user.id for m in team),
        objected=any(agency_id == user.agency_id for agency_id, _ in objections),
        network_id=lambda: access.person_network_id(session, person),
    ).allowed
    return PersonHeader(person, key_worker, [name for _, name in objections], referral, may_read_access_log)


def current_members(session: Session, person_id: int) -> list[TeamMember]:
    """The current care team, key worker first, then by agency name (one query)."""
    rows = session.exec(_statements()["members"], params={"person_id": person_id}).all()
    return [TeamMember(agency, user, member.role, member.is_key_worker, member.id) for member, agency, user in rows]


def key_worker_inbox(session: Session, person_id: int, besides: User) -> Optional[access.Recipient]:
    """Where to tell the person's key worker of something: their own inbox, or their agency's when
    no one is named. None when there is no key worker, or when it is `besides` (or, unnamed, their
    agency): nobody is told of their own doing."""
    key_worker = next((m for m in current_members(session, person_id) if m.is_key_worker), None)
    if key_worker is None:
        return None
    recipient: access.Recipient = (key_worker.user.id, None) if key_worker.user is not None else (None, key_worker.agency.id)
    if recipient[0] == besides.id or (recipient[0] is None and recipient[1] == besides.agency_id):
        return None
    return recipient


def summary(session: Session, person: Person) -> PersonSummary:
    assert person.id is not None  # a saved person
    practice, network = None, None
    if person.gp_practice_id is not None:
        row = session.exec(_statements()["practice"], params={"agency_id": person.gp_practice_id}).first()
        if row:
            practice, network = row
    return PersonSummary(person, practice, network, current_members(session, person.id))


@lru_cache(maxsize=1)
def _caseload_statement() -> Any:
    """`caseload`'s statement, built once: the user, their agency and the list's length are bound."""
    return (
        select(Person, CareTeamMember)
        .join(CareTeamMember, col(CareTeamMember.person_id) == Person.id)
        .where(col(CareTeamMember.user_id) == bindparam("user_id", type_=Integer))
        .where(col(CareTeamMember.left_at).is_(None))
        .where(access.not_objected(bindparam("agency_id", type_=Integer), Person.id))
        .order_by(col(CareTeamMember.is_key_worker).desc(), Person.family_name_key, Person.given_name_key)
        .limit(bindparam("limit", type_=Integer))
    )


def caseload(session: Session, user: User, limit: int = 50) -> list[tuple[Person, CareTeamMember]]:
    """People whose care team names this user, key-worker cases first; never someone who has
    objected to the user's agency."""
    rows = session.exec(_caseload_statement(), params={"user_id": user.id, "agency_id": user.agency_id, "limit": limit}).all()
    return [(person, member) for person, member in rows]


ROLE_MAX = 80


def agencies_to_add(session: Session, person_id: int, team: list[TeamMember]) -> list[Agency]:
    """Agencies that can join this care team: any that provides care, is not in it already, and is
    not one the person has objected to."""
    left_out = {m.agency.id for m in team} | access.objected_agency_ids(session, person_id)
    rows = session.exec(select(Agency).where(Agency.kind != AgencyKind.spa_hub).order_by(Agency.name)).all()
    return [a for a in rows if a.id not in left_out]


@dataclass(frozen=True)
class AddToTeam:
    """Add an agency to the person's care team, in a role (by default the kind of agency it is)."""

    agency_id: Optional[int]
    role: Optional[str] = None


@dataclass(frozen=True)
class LeaveTeam:
    """Take a member (an agency, perhaps a named worker) out of the person's care team."""

    member_id: int


def add_to_team(session: Session, person: Person, command: AddToTeam, by: User) -> SaveResult[CareTeamMember]:
    """An agency that provides care joins the person's care team once, unless the person has objected to
    sharing with it; it can then own actions in the plan, and its staff can open the record."""
    errors: dict[str, str] = {}
    agency = session.get(Agency, command.agency_id) if command.agency_id is not None else None
    if agency is None or agency.kind is AgencyKind.spa_hub:
        errors["agency_id"] = "Select the agency to add to the care team"
    role = (command.role or "").strip()
    if len(role) > ROLE_MAX:
        errors["role"] = f"Role in the team must be {ROLE_MAX} characters or fewer"
    if errors or agency is None:
        return SaveResult(errors=errors)
    assert person.id is not None and agency.id is not None  # saved rows
    already = session.exec(
        select(CareTeamMember.id).where(
            CareTeamMember.person_id == person.id, CareTeamMember.agency_id == agency.id, col(CareTeamMember.left_at).is_(None)
        )
    ).first()
    if already is not None:
        return SaveResult(errors={"agency_id": f"{agency.name} is already in the care team"})
    if agency.id in access.objected_agency_ids(session, person.id):
        return SaveResult(
            errors={
                "agency_id": f"{person.given_name} has objected to sharing their record with {agency.name}, so it cannot join the care team"
            }
        )
    member = CareTeamMember(person_id=person.id, agency_id=agency.id, role=role or agency.kind.label)
    session.add(member)
    session.flush()
    audit.record(
        session, "add_to_care_team", user=by, person_id=person.id, record_type="care_team", record_id=member.id, detail=agency.name
    )
    return SaveResult(item=member)


def leave_team(session: Session, person: Person, command: LeaveTeam, by: User) -> SaveResult[CareTeamMember]:
    """A member leaves the care team (`refused` says why not): the key worker stays until a new one is
    allocated, and an agency keeps its place while it still owns open actions in the plan."""
    member = session.get(CareTeamMember, command.member_id)
    if member is None or member.person_id != person.id or member.left_at is not None:
        return SaveResult(refused="That agency is no longer in the care team.")
    if member.is_key_worker:
        return SaveResult(refused="The key worker's agency stays in the care team until a new key worker is allocated.")
    others = session.exec(
        select(func.count(col(CareTeamMember.id))).where(
            CareTeamMember.person_id == person.id,
            CareTeamMember.agency_id == member.agency_id,
            col(CareTeamMember.left_at).is_(None),
            CareTeamMember.id != member.id,
        )
    ).one()
    open_actions = session.exec(
        select(func.count(col(CarePlanAction.id))).where(
            CarePlanAction.person_id == person.id,
            CarePlanAction.owner_agency_id == member.agency_id,
            col(CarePlanAction.status).in_(list(OPEN_ACTION_STATUSES)),
        )
    ).one()
    if open_actions and not others:
        agency = session.get(Agency, member.agency_id)
        return SaveResult(
            refused=(
                f"{agency.name if agency else 'This agency'} still has {open_actions} open "
                f"{'action' if open_actions == 1 else 'actions'} in the care plan. Cancel them or give them to another agency first."
            )
        )
    member.left_at = utc_now()
    session.add(member)
    audit.record(session, "remove_from_care_team", user=by, person_id=person.id, record_type="care_team", record_id=member.id)
    return SaveResult(item=member)


def team_staff(session: Session, team: list[TeamMember]) -> dict[int, list[User]]:
    """Active practitioners of each agency in the care team: who can be named on an action (one query)."""
    agency_ids = {m.agency.id for m in team}
    if not agency_ids:
        return {}
    staff: dict[int, list[User]] = {}
    for user in session.exec(
        select(User)
        .where(col(User.agency_id).in_(agency_ids), col(User.is_active).is_(True), User.role == Role.practitioner)
        .order_by(User.full_name)
    ):
        staff.setdefault(user.agency_id, []).append(user)
    return staff


def network_caseload_count(session: Session, network_id: int) -> int:
    """People registered with the network's practices who have a care team."""
    return session.exec(
        select(func.count(func.distinct(CareTeamMember.person_id)))
        .join(Person, col(Person.id) == CareTeamMember.person_id)
        .join(Agency, col(Agency.id) == Person.gp_practice_id)
        .where(Agency.network_id == network_id, col(CareTeamMember.left_at).is_(None))
    ).one()
