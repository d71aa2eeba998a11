"""A person's care team and the summary shown at the top of their record."""
from dataclasses import dataclass
from typing import Optional

from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from models import Agency, CareTeamMember, Network, Person, User


@dataclass
class TeamMember:
    agency: Agency
    user: Optional[User]
    role: str
    is_key_worker: bool


@dataclass
class PersonSummary:
    person: Person
    gp_practice: Optional[Agency]
    network: Optional[Network]
    team: list[TeamMember]

    @property
    def key_worker(self) -> Optional[TeamMember]:
        return next((m for m in self.team if m.is_key_worker), None)


def current_members(session: Session, person_id: int) -> list[TeamMember]:
    """The current care team, key worker first, then by agency name (one query)."""
    rows = session.exec(
        select(CareTeamMember, Agency, User)
        .join(Agency, Agency.id == CareTeamMember.agency_id)
        .outerjoin(User, User.id == CareTeamMember.user_id)
        .where(CareTeamMember.person_id == person_id)
        .where(CareTeamMember.left_at.is_(None))  # type: ignore[union-attr]
        .order_by(CareTeamMember.is_key_worker.desc(), Agency.name)  # type: ignore[attr-defined]
    ).all()
    return [TeamMember(agency, user, member.role, member.is_key_worker) for member, agency, user in rows]


def summary(session: Session, person: Person) -> PersonSummary:
    practice, network = None, None
    if person.gp_practice_id is not None:
        row = session.exec(
            select(Agency, Network)
            .outerjoin(Network, Network.id == Agency.network_id)
            .where(Agency.id == person.gp_practice_id)
        ).first()
        if row:
            practice, network = row
    return PersonSummary(person, practice, network, current_members(session, person.id))


def caseload(session: Session, user: User, limit: int = 50) -> list[tuple[Person, CareTeamMember]]:
    """People whose care team names this user, key-worker cases first."""
    rows = session.exec(
        select(Person, CareTeamMember)
        .join(CareTeamMember, CareTeamMember.person_id == Person.id)
        .where(CareTeamMember.user_id == user.id)
        .where(CareTeamMember.left_at.is_(None))  # type: ignore[union-attr]
        .order_by(CareTeamMember.is_key_worker.desc(), Person.family_name_key, Person.given_name_key)  # type: ignore[attr-defined]
        .limit(limit)
    ).all()
    return [(person, member) for person, member in rows]


def agency_caseload_count(session: Session, agency_id: int) -> int:
    from sqlalchemy import func

    return session.exec(
        select(func.count(func.distinct(CareTeamMember.person_id)))
        .where(CareTeamMember.agency_id == agency_id)
        .where(CareTeamMember.left_at.is_(None))  # type: ignore[union-attr]
    ).one()
