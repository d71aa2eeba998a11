"""Specialist hubs (frailty, falls, palliative care, heart failure, respiratory...): agencies that
serve several networks. A person's care team refers them to a hub that serves their network, from
their plan; the hub sees its caseload across the networks it serves, and while it is involved it is
in the person's care team, so it reads the record and owns actions like any agency. Nothing here
commits."""

from collections import Counter
from dataclasses import dataclass
from typing import Optional

from sqlmodel import Session, col, select

from app import checks, db, versioned
from app.care_plan import care_team
from app.trust import access, audit
from app.versioned import SaveResult
from models import Agency, HubNetwork, HubReferral, HubReferralStatus, Network, Person, User
from models.clock import utc_now

REASON_MAX = 1000
NOTE_MAX = 500
OPEN = (HubReferralStatus.requested, HubReferralStatus.accepted)


@dataclass(frozen=True)
class ReferToHub:
    hub_agency_id: Optional[int]
    reason: Optional[str]


RESPONSES = ("accept", "decline", "end")


@dataclass(frozen=True)
class RespondToReferral:
    """The hub's answer: accept (it joins the care team), decline (with a reason), or end (it is no
    longer involved, and leaves the care team)."""

    response: str
    note: Optional[str]
    seen_version: int


def hubs_for_network(session: Session, network_id: Optional[int]) -> list[Agency]:
    """The hubs that serve this network."""
    if network_id is None:
        return []
    return list(
        session.exec(
            select(Agency)
            .join(HubNetwork, col(HubNetwork.hub_agency_id) == Agency.id)
            .where(HubNetwork.network_id == network_id)
            .order_by(col(Agency.name))
        ).all()
    )


def is_hub(session: Session, agency_id: Optional[int]) -> bool:
    return (
        agency_id is not None
        and session.exec(select(HubNetwork.id).where(HubNetwork.hub_agency_id == agency_id).limit(1)).first() is not None
    )


def refer(session: Session, person: Person, network_id: Optional[int], command: ReferToHub, by: User) -> SaveResult[HubReferral]:
    """Refer the person to a hub that serves their network, with the reason; not to a hub already
    asked or involved, nor to one the person has objected to."""
    assert person.id is not None
    errors: dict[str, str] = {}
    hubs = {hub.id: hub for hub in hubs_for_network(session, network_id)}
    hub = hubs.get(command.hub_agency_id) if command.hub_agency_id is not None else None
    if hub is None:
        errors["hub_agency_id"] = "Select a hub that serves the person's network"
    problem = checks.text_problem(command.reason, "the reason for the referral", max_length=REASON_MAX, required=True)
    if problem:
        errors["reason"] = problem
    if hub is not None and hub.id in access.objected_agency_ids(session, person.id):
        errors["hub_agency_id"] = f"{person.given_name} has objected to sharing their record with {hub.name}"
    if hub is not None and "hub_agency_id" not in errors:
        open_already = session.exec(
            select(HubReferral.id).where(
                HubReferral.person_id == person.id, HubReferral.hub_agency_id == hub.id, col(HubReferral.status).in_(OPEN)
            )
        ).first()
        if open_already is not None:
            errors["hub_agency_id"] = f"{hub.name} has already been asked, or is involved"
    if errors or hub is None:
        return SaveResult(errors=errors)
    assert command.reason is not None and hub.id is not None
    row = HubReferral(
        person_id=person.id,
        hub_agency_id=hub.id,
        network_id=network_id,
        reason=command.reason.strip(),
        status=HubReferralStatus.requested,
        referred_by_id=by.id,
    )
    session.add(row)
    session.flush()
    audit.record(session, "refer_to_hub", user=by, person_id=person.id, record_type="hub_referral", record_id=row.id, detail=hub.name)
    return SaveResult(item=row)


def person_referrals(session: Session, person_id: int) -> list[tuple[HubReferral, Agency]]:
    return list(
        session.exec(
            select(HubReferral, Agency)
            .join(Agency, col(Agency.id) == HubReferral.hub_agency_id)
            .where(HubReferral.person_id == person_id)
            .order_by(col(HubReferral.referred_at).desc(), col(HubReferral.id).desc())
        ).all()
    )


@dataclass
class CaseloadRow:
    referral: HubReferral
    person: Person
    network: Optional[Network]


@dataclass
class Caseload:
    hub: Agency
    networks: list[Network]  # the networks the hub serves
    rows: list[CaseloadRow]

    @property
    def by_network(self) -> list[tuple[str, int]]:
        counts = Counter(row.network.name if row.network else "No network known" for row in self.rows)
        return sorted(counts.items())

    @property
    def requested(self) -> list[CaseloadRow]:
        return [r for r in self.rows if r.referral.status is HubReferralStatus.requested]

    @property
    def involved(self) -> list[CaseloadRow]:
        return [r for r in self.rows if r.referral.status is HubReferralStatus.accepted]


def caseload(session: Session, hub: Agency) -> Caseload:
    """The hub's open referrals and the people it is involved with, across every network it serves,
    none of a person who objected to the hub: two queries."""
    assert hub.id is not None
    networks = list(
        session.exec(
            select(Network)
            .join(HubNetwork, col(HubNetwork.network_id) == Network.id)
            .where(HubNetwork.hub_agency_id == hub.id)
            .order_by(col(Network.name))
        ).all()
    )
    names = {n.id: n for n in networks}
    rows = session.exec(
        select(HubReferral, Person)
        .join(Person, col(Person.id) == HubReferral.person_id)
        .where(HubReferral.hub_agency_id == hub.id, col(HubReferral.status).in_(OPEN))
        .where(access.not_objected(hub.id, HubReferral.person_id))
        .order_by(col(HubReferral.referred_at), col(HubReferral.id))
    ).all()
    return Caseload(hub, networks, [CaseloadRow(referral, person, names.get(referral.network_id)) for referral, person in rows])


def respond(session: Session, referral: HubReferral, person: Person, command: RespondToReferral, by: User) -> SaveResult[HubReferral]:
    """Accept (the hub joins the care team, in the hub's name), decline (a reason), or end its
    involvement (it leaves the care team, unless it still owns open actions in the plan)."""
    assert referral.id is not None and person.id is not None
    errors: dict[str, str] = {}
    problem = checks.text_problem(command.note, "the reason", max_length=NOTE_MAX, required=command.response == "decline")
    if problem:
        errors["note"] = problem
    allowed = {"accept": HubReferralStatus.requested, "decline": HubReferralStatus.requested, "end": HubReferralStatus.accepted}
    if command.response not in allowed:
        errors["response"] = "Choose whether the hub takes the person on"
    if errors:
        return SaveResult(errors=errors, item=referral)
    if referral.status is not allowed[command.response]:
        return SaveResult(refused=f"This referral is {referral.status.label.lower()}.", item=referral)
    with db.undoable(session) as change:
        refused = _move(session, referral, person, command, by)
        if refused:
            change.rollback()
            return SaveResult(refused=refused, item=referral)
    return SaveResult(item=referral)


def _move(session: Session, referral: HubReferral, person: Person, command: RespondToReferral, by: User) -> Optional[str]:
    """The care team change and the referral's new status, together; why not, if either is refused."""
    assert referral.id is not None
    now = utc_now()
    values: dict = {"responded_by_id": by.id, "responded_at": now, "response_note": command.note}
    member_id = referral.care_team_member_id
    if command.response == "accept":
        hub = session.get(Agency, referral.hub_agency_id)
        assert hub is not None
        joined = care_team.add_to_team(session, person, care_team.AddToTeam(hub.id, hub.name), by)
        if joined.item is not None:
            member_id = joined.item.id
        elif not joined.errors.get("agency_id", "").endswith("is already in the care team"):
            return next(iter(joined.errors.values()), "The hub cannot join the care team.")
        values.update(status=HubReferralStatus.accepted, care_team_member_id=member_id)
    elif command.response == "decline":
        values.update(status=HubReferralStatus.declined)
    else:
        if member_id is not None:
            left = care_team.leave_team(session, person, care_team.LeaveTeam(member_id), by)
            if left.refused and left.refused != "That agency is no longer in the care team.":
                return left.refused
        values.update(status=HubReferralStatus.ended, ended_at=now)
    if not versioned.save_if_unchanged(session, HubReferral, referral.id, command.seen_version, values):
        return "Someone in the hub answered this referral first."
    session.refresh(referral)
    audit.record(
        session, f"hub_referral_{command.response}", user=by, person_id=person.id, record_type="hub_referral", record_id=referral.id
    )
    return None
