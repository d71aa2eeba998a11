"""Who may see what: OnePlan's access rules, in one place.

Every person-scoped route gets its person through `person_for`, and every
role-scoped route passes `require`; both audit a refusal and raise a 403 that
says why. Views never check roles themselves.
"""
from dataclasses import dataclass
from typing import Optional

from sqlmodel import Session, select
from werkzeug.exceptions import Forbidden, NotFound

from app import audit
from app.db import get_session
from models import OPEN_REFERRAL_STATUSES, Agency, AuditOutcome, CareTeamMember, Network, Person, Referral, Role, User


class AccessRefused(Forbidden):
    """A 403 whose description is the reason shown to the user."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    basis: str  # why it was allowed, or why it was refused


STAFF_ROLES = frozenset(Role)

# Capabilities that depend on role alone (not on a particular person).
CAPABILITIES: dict[str, frozenset[Role]] = {
    "search_people": STAFF_ROLES,
    "manage_directory": frozenset({Role.administrator}),
    "receive_referrals": frozenset({Role.spa_coordinator}),
    "triage_referrals": frozenset({Role.spa_coordinator}),
    "view_referral_queue": frozenset({Role.spa_coordinator, Role.network_lead}),
    "view_front_door_figures": frozenset({Role.spa_coordinator, Role.network_lead}),
    "submit_referral": frozenset({Role.spa_coordinator, Role.practitioner, Role.network_lead}),
    "read_inbox": frozenset({Role.spa_coordinator, Role.practitioner, Role.network_lead}),
    "read_worklist": frozenset({Role.spa_coordinator, Role.practitioner, Role.network_lead}),
    "view_network": frozenset({Role.network_lead}),
}

REFUSAL_REASONS = {
    "manage_directory": "Only administrators can manage agencies, networks and user accounts.",
    "search_people": "Your account cannot search people.",
    "receive_referrals": "Only single point of access coordinators take referrals in.",
    "triage_referrals": "Only single point of access coordinators triage referrals.",
    "view_referral_queue": "Only single point of access coordinators and network leads see the referral queue.",
    "view_front_door_figures": "Only single point of access coordinators and network leads see the front-door figures.",
    "submit_referral": "Your account cannot send referrals.",
    "read_inbox": "Administrators have no clinical inbox.",
    "read_worklist": "Administrators have no clinical worklist.",
    "view_network": "Only network leads see a network's caseload and reviews.",
}


def decide(session: Session, user: User, person: Person) -> Decision:
    """The record rule: care-team agency, or the network lead of the person's network.

    Administrators never see clinical content. SPA coordinators may open the record
    while a referral for the person is open (not yet closed).
    """
    if user.role is Role.administrator:
        return Decision(False, "Administrators manage accounts and agencies and cannot open care records.")
    in_team = session.exec(
        select(CareTeamMember.id)
        .where(CareTeamMember.person_id == person.id)
        .where(CareTeamMember.agency_id == user.agency_id)
        .where(CareTeamMember.left_at.is_(None))  # type: ignore[union-attr]
        .limit(1)
    ).first()
    if in_team is not None:
        return Decision(True, "care team")
    if user.role is Role.spa_coordinator and _has_open_referral(session, person.id):
        return Decision(True, "open referral")
    if user.role is Role.network_lead and user.network_id is not None:
        network_id = person_network_id(session, person)
        if network_id == user.network_id:
            return Decision(True, "network lead")
    return Decision(
        False,
        "Your agency is not in this person's care team, so you cannot open their record.",
    )


def _has_open_referral(session: Session, person_id: int) -> bool:
    return session.exec(
        select(Referral.id)
        .where(Referral.person_id == person_id)
        .where(Referral.status.in_(list(OPEN_REFERRAL_STATUSES)))  # type: ignore[attr-defined]
        .limit(1)
    ).first() is not None


def may_change(session: Session, user: User, person: Person) -> bool:
    """Whether the user's agency is in the care team (the only basis for changing a record)."""
    decision = decide(session, user, person)
    return decision.allowed and decision.basis in WRITE_BASES


def person_network_id(session: Session, person: Person) -> Optional[int]:
    if person.gp_practice_id is None:
        return None
    return session.exec(select(Agency.network_id).where(Agency.id == person.gp_practice_id)).first()


WRITE_BASES = frozenset({"care team"})


def person_for(user: User, person_id: int, purpose: str, *, write: bool = False) -> Person:
    """Return the person if the rules allow this user to open (or, with write=True, change)
    their record; audit either way. Only the care team changes a record: a network lead or
    the SPA may read it."""
    session = get_session()
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("There is no person with that record number.")
    decision = decide(session, user, person)
    if decision.allowed and write and decision.basis not in WRITE_BASES:
        decision = Decision(False, "Only agencies in the person's care team can change their record; you can read it.")
    if not decision.allowed:
        refuse(user, purpose, decision.basis, person_id=person.id, record_type="person", record_id=person.id)
    audit.record(
        session, purpose, user=user, person_id=person.id, record_type="person", record_id=person.id, reason=decision.basis
    )
    session.commit()
    return person


def network_for(user: User, network_id: int, purpose: str) -> Network:
    """Return the network if this user leads it; a lead of another network, or anyone else, is refused (audited)."""
    require(user, "view_network")
    network = get_session().get(Network, network_id) if 0 < network_id < 2**31 else None
    if network is None:
        raise NotFound("There is no such network.")
    if user.network_id != network.id:
        refuse(user, purpose, "You lead another network, so you cannot see this one's caseload.", record_type="network", record_id=network.id)
    return network


def allowed(user: Optional[User], capability: str) -> bool:
    return user is not None and user.role in CAPABILITIES[capability]


def require(user: User, capability: str) -> None:
    """Raise a 403 (audited) unless the user's role carries the capability."""
    if not allowed(user, capability):
        refuse(user, capability, REFUSAL_REASONS[capability])


def refuse(user: User, action: str, reason: str, **what) -> None:
    session = get_session()
    session.rollback()
    audit.record(session, action, user=user, outcome=AuditOutcome.refused, reason=reason, **what)
    session.commit()
    raise AccessRefused(reason)
