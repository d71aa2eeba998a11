"""Who may see what: OnePlan's access rules, in one place.

Every person-scoped route opens its person through `open_record` (the web layer's
`guard.person_for`), and every role-scoped route passes `require`; a refusal raises
AccessRefused, which the web layer and the API turn into a 403 that says why and an audit
event. Views never check roles themselves. Nothing here knows about requests.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Optional

from sqlalchemy import ColumnElement, Exists, and_, bindparam, exists, false, not_, true
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.trust import audit
from app.trust.staff_sessions import AGENCY_IS_HUB
from models import (
    OPEN_REFERRAL_STATUSES,
    AccessGrant,
    Agency,
    CareTeamMember,
    Consent,
    ConsentObjection,
    HubNetwork,
    HubReferral,
    Network,
    Person,
    Referral,
    Role,
    User,
)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    basis: str  # why it was allowed, or why it was refused
    may_break_glass: bool = False  # refused, but the user may state a reason and read the record for a while
    grant: Optional[AccessGrant] = None  # the live break-glass grant the access rests on


BREAK_GLASS = "break glass"
# Why someone may break glass: chosen from this list, and explained in their own words.
BREAK_GLASS_REASONS = {
    "urgent_care": "Giving urgent or emergency care",
    "safeguarding": "A safeguarding concern",
    "unplanned_contact": "The person or their family contacted us and the team cannot be reached",
    "covering": "Covering for a colleague in the care team",
    "other": "Another reason",
}
# Who may break glass: staff who care for people. Administrators never read care records, and
# network leads already read their own network's.
BREAK_GLASS_ROLES = frozenset({Role.practitioner, Role.spa_coordinator})


# Staff who care for people, or send and take referrals for them: everyone but administrators, who
# manage accounts and the directory and never learn who is looked after by whom.
CARE_ROLES = frozenset({Role.practitioner, Role.spa_coordinator, Role.network_lead})

# Capabilities that depend on role alone (not on a particular person).
CAPABILITIES: dict[str, frozenset[Role]] = {
    "search_people": CARE_ROLES,
    "manage_directory": frozenset({Role.administrator}),
    "receive_referrals": frozenset({Role.spa_coordinator}),
    "triage_referrals": frozenset({Role.spa_coordinator}),
    "view_referral_queue": frozenset({Role.spa_coordinator, Role.network_lead}),
    "view_front_door_figures": frozenset({Role.spa_coordinator, Role.network_lead}),
    "submit_referral": frozenset({Role.spa_coordinator, Role.practitioner, Role.network_lead}),
    "read_inbox": frozenset({Role.spa_coordinator, Role.practitioner, Role.network_lead}),
    "read_worklist": frozenset({Role.spa_coordinator, Role.practitioner, Role.network_lead}),
    "view_network": frozenset({Role.network_lead}),
    "review_break_glass": frozenset({Role.network_lead}),
    # The network at work (issue 15): one person's crisis summary at a time, by NHS number.
    "read_crisis_summaries": frozenset({Role.out_of_hours}),
}

REFUSAL_REASONS = {
    "manage_directory": "Only administrators can manage agencies, networks and user accounts.",
    "search_people": "Administrators manage accounts and the directory and cannot search people.",
    "receive_referrals": "Only single point of access coordinators take referrals in.",
    "triage_referrals": "Only single point of access coordinators triage referrals.",
    "view_referral_queue": "Only single point of access coordinators and network leads see the referral queue.",
    "view_front_door_figures": "Only single point of access coordinators and network leads see the front-door figures.",
    "submit_referral": "Your account cannot send referrals.",
    "read_inbox": "Administrators have no clinical inbox.",
    "read_worklist": "Administrators have no clinical worklist.",
    "view_network": "Only network leads see a network's caseload and reviews.",
    "review_break_glass": "Only network leads review break-glass access.",
    "read_crisis_summaries": "Only out-of-hours clinicians read crisis summaries this way.",
}


def decide(session: Session, user: User, person: Person, now: Optional[datetime] = None) -> Decision:
    """The record rule: care-team agency, or the network lead of the person's network.

    Administrators never see clinical content. An agency the person has objected to is refused
    whatever else holds. Anyone else who cares for people may break glass: with a live grant they
    read (never change) the record until it expires. An open referral is not a reason to read the
    clinical record: it opens only what triage needs (`triage_rule`).
    """
    if user.role is Role.administrator:
        return Decision(False, "Administrators manage accounts and agencies and cannot open care records.")
    assert person.id is not None  # a saved person
    # A user with no agency (agency_id NULL) is in no care team and objected to by nobody: `= NULL` holds for no row.
    in_team, objected = _in_team_or_objected(session, user, person.id)
    if objected:
        return Decision(False, "This person has objected to sharing their record with your agency, so you cannot open it.")
    if in_team:
        return Decision(True, "care team")
    if user.role is Role.network_lead and user.network_id is not None:
        network_id = person_network_id(session, person)
        if network_id == user.network_id:
            return Decision(True, "network lead")
    if user.role in BREAK_GLASS_ROLES:
        grant = live_grant(session, user, person.id, now)
        if grant is not None:
            return Decision(True, BREAK_GLASS, grant=grant)
    return Decision(
        False,
        "Your agency is not in this person's care team, so you cannot open their record.",
        may_break_glass=user.role in BREAK_GLASS_ROLES,
    )


OPEN_REFERRAL = "open referral"


def triage_rule(session: Session, user: User, person: Person) -> Decision:
    """What triage needs, for the pages that serve it (the referral, the person's summary, the API's
    ServiceRequest): who the person is, the referral, whether a plan exists and who leads it. Open to
    whoever may open the record, and to SPA coordinators while a referral for the person is open,
    unless the person objected to their agency. Nothing clinical: the assessment, the plan, its
    printed copy and history follow `decide`, so a coordinator needs break-glass (reviewed) for them."""
    decision = decide(session, user, person)
    if decision.allowed or user.role is not Role.spa_coordinator:
        return decision
    assert person.id is not None  # a saved person
    if user.agency_id not in objected_agency_ids(session, person.id) and _has_open_referral(session, person.id):
        return Decision(True, OPEN_REFERRAL)
    return decision


def live_grant(session: Session, user: User, person_id: int, now: Optional[datetime] = None) -> Optional[AccessGrant]:
    """The user's unexpired break-glass grant for this person, if any."""
    now = now or datetime.now(UTC)
    return session.exec(
        select(AccessGrant)
        .where(AccessGrant.user_id == user.id)
        .where(AccessGrant.person_id == person_id)
        .where(AccessGrant.expires_at > now)
        .order_by(col(AccessGrant.expires_at).desc())
        .limit(1)
    ).first()


def _key_worker_or_objected(session: Session, user: User, person_id: int) -> tuple[bool, bool]:
    """Whether the user is the person's current key worker, and whether the person objected to the
    user's agency (one query)."""
    key_worker, objected = session.exec(
        _record_facts()["key_worker"], params={"person_id": person_id, "user_id": user.id, "agency_id": user.agency_id}
    ).one()
    return bool(key_worker), bool(objected)


def access_log_rule(session: Session, user: User, person: Person) -> Decision:
    """Who has looked at a record is for the person's current key worker and the network lead
    of their network (and, in time, the person's own view); nobody else, not even the team, and
    nobody in an agency the person has objected to."""
    assert person.id is not None  # a saved person
    key_worker, objected = _key_worker_or_objected(session, user, person.id)
    return access_log_decision(user, key_worker=key_worker, objected=objected, network_id=lambda: person_network_id(session, person))


def _has_open_referral(session: Session, person_id: int) -> bool:
    return (
        session.exec(
            select(Referral.id)
            .where(Referral.person_id == person_id)
            .where(col(Referral.status).in_(list(OPEN_REFERRAL_STATUSES)))
            .limit(1)
        ).first()
        is not None
    )


def _objects_to(person_id: Any, agency_id: Any) -> Exists:
    """Whether the person has a standing objection to the agency: an EXISTS, asked in the same query
    as a rule's other facts (the person and agency as values, columns or bound parameters)."""
    return (
        exists()
        .where(col(ConsentObjection.person_id) == person_id)
        .where(col(ConsentObjection.agency_id) == agency_id)
        .where(col(ConsentObjection.withdrawn_at).is_(None))
    )


def _in_care_team(person_id: Any, agency_id: Any) -> Exists:
    """Whether the agency is in the person's current care team: an EXISTS, like `_objects_to`."""
    return (
        exists()
        .where(col(CareTeamMember.person_id) == person_id)
        .where(col(CareTeamMember.agency_id) == agency_id)
        .where(col(CareTeamMember.left_at).is_(None))
    )


def objected_agency_ids(session: Session, person_id: int) -> set[int]:
    """Agencies the person has objected to sharing their record with (standing objections): nothing
    about the person reaches them, through any page, list, inbox or API."""
    return set(
        session.exec(
            select(ConsentObjection.agency_id).where(ConsentObjection.person_id == person_id, col(ConsentObjection.withdrawn_at).is_(None))
        )
    )


Recipient = tuple[Optional[int], Optional[int]]  # an inbox: (a user's id, None) or (None, a whole agency's id)


def may_be_told(session: Session, person_id: Optional[int], recipients: set[Recipient]) -> set[Recipient]:
    """The inbox recipients who may be told about this person: none in an agency the person has
    objected to (a named user counts as their agency). An item about nobody in particular reaches all."""
    if person_id is None or not recipients:
        return recipients
    objected = objected_agency_ids(session, person_id)
    if not objected:
        return recipients
    user_ids = [user_id for user_id, _ in recipients if user_id is not None]
    agency_of = dict(session.exec(select(User.id, User.agency_id).where(col(User.id).in_(user_ids))).all()) if user_ids else {}
    return {
        (user_id, agency_id)
        for user_id, agency_id in recipients
        if (agency_of.get(user_id) if user_id is not None else agency_id) not in objected
    }


def not_objected(agency_id: Any, person_id_column):
    """The record rule's objection, as a filter for lists of people (and of things about them, such
    as inbox items): the person has not objected to sharing their record with this agency. A row
    about nobody in particular (a null person) passes. Every table but consent_objection is the
    enclosing statement's, however deep (the header's unread count is read inside the signed-in
    session's statement, app/work/notifications.py)."""
    return not_(
        exists()
        .where(
            col(ConsentObjection.person_id) == person_id_column,
            col(ConsentObjection.agency_id) == agency_id,
            col(ConsentObjection.withdrawn_at).is_(None),
        )
        .correlate_except(ConsentObjection)
    )


def referrals_listed_for(user: User, network_column, person_id_column) -> ColumnElement[bool]:
    """The referral queue's rule, as a filter: the single point of access lists every network's
    referrals, a network lead only those of their own network (`network_column`: the network a
    referral is for), and nobody those of a person who has objected to their agency. The queue's
    own filters only ever narrow this."""
    return and_(referrals_in_scope_of(user, network_column), not_objected(user.agency_id, person_id_column))


def referrals_in_scope_of(user: User, network_column) -> ColumnElement[bool]:
    """The referral queue's rule but the objections: which networks' referrals the user's role lists.
    A count subtracts those of the people who objected to the user's agency (`objected_to`) rather
    than asking of each referral (app/front_door/triage.py)."""
    if user.role is Role.spa_coordinator:
        return true()
    if user.role is Role.network_lead and user.network_id is not None:
        return network_column == user.network_id
    return false()


def objected_to(agency_id: int):
    """The standing objections to an agency, a row each (at most one a person: uq_consent_objection_standing),
    from which a count takes, person by person, the rows the agency may not see."""
    return (
        sa_select(col(ConsentObjection.person_id))
        .where(col(ConsentObjection.agency_id) == agency_id, col(ConsentObjection.withdrawn_at).is_(None))
        .subquery("objected")
    )


def open_to_care_team(agency_id: int, person_id_column, row_by_row: bool = False):
    """The record rule for a care-team agency, as a filter for lists of people (a worklist): the
    agency is in the person's care team now, and the person has not objected to it.

    `row_by_row` for a statement that stops early (a page, a count up to a most): each row's care
    team is looked up as it is read. PostgreSQL otherwise plans the check as a join, and to find the
    first thousand of a busy agency's actions hashed every person in its care first (37,000 at 2.4
    million: 13 ms, against 2.6 looking up the thousand); OFFSET 0 keeps the check a lookup (the
    planner does not turn such a subquery into a join), and changes nothing of what it finds."""
    in_team = select(CareTeamMember.id).where(
        col(CareTeamMember.person_id) == person_id_column,
        col(CareTeamMember.agency_id) == agency_id,
        col(CareTeamMember.left_at).is_(None),
    )
    if row_by_row:
        in_team = in_team.offset(0)
    return and_(exists(in_team.correlate_except(CareTeamMember)), not_objected(agency_id, person_id_column))


def may_change(decision: Decision) -> bool:
    """Whether a decision to open the record lets the user change it: only the care team changes a
    record; a network lead or the SPA may read it, and so may someone who broke glass."""
    return decision.allowed and decision.basis in WRITE_BASES


def person_network_id(session: Session, person: Person) -> Optional[int]:
    if person.gp_practice_id is None:
        return None
    return session.exec(select(Agency.network_id).where(Agency.id == person.gp_practice_id)).first()


WRITE_BASES = frozenset({"care team"})


class AccessRefused(Exception):
    """The rules said no. The web layer and the API answer 403 with `reason`, and record the refusal
    (action, reason, which record) in the audit trail after undoing anything the request did.
    `break_glass_person_id` is set when the user may ask for emergency access to that record."""

    def __init__(
        self,
        action: str,
        reason: str,
        *,
        person_id: Optional[int] = None,
        record_type: Optional[str] = None,
        record_id: object = None,
        offer_break_glass: bool = False,
    ):
        super().__init__(reason)
        self.action = action
        self.reason = reason
        self.person_id = person_id
        self.record_type = record_type
        self.record_id = record_id
        self.break_glass_person_id = person_id if offer_break_glass else None


def open_record(
    session: Session,
    user: User,
    person: Person,
    purpose: str,
    *,
    write: bool = False,
    rule: Callable[[Session, User, Person], Decision] = decide,
) -> Decision:
    """Decide whether this user may open (or, with write=True, change) the person's record for
    `purpose`, and audit the access; raise AccessRefused if not. Only the care team changes a
    record: a network lead or the SPA may read it, and so may someone who broke glass, while the
    grant lasts (the access is audited as break glass, with the user's own words)."""
    decision = rule(session, user, person)
    if decision.allowed and write and decision.basis not in WRITE_BASES:
        decision = Decision(False, "Only agencies in the person's care team can change their record; you can read it.")
    if not decision.allowed:
        raise AccessRefused(
            purpose,
            decision.basis,
            person_id=person.id,
            record_type="person",
            record_id=person.id,
            offer_break_glass=decision.may_break_glass,
        )
    reason, detail = decision.basis, None
    if decision.grant is not None:
        reason, detail = (
            f"{BREAK_GLASS}: {BREAK_GLASS_REASONS.get(decision.grant.reason_code, decision.grant.reason_code)}",
            decision.grant.reason_text,
        )
    audit.record(session, purpose, user=user, person_id=person.id, record_type="person", record_id=person.id, reason=reason, detail=detail)
    return decision


def break_glass_candidate(session: Session, user: User, person: Person) -> Decision:
    """The rules' decision, for someone asking to break glass: refused (AccessRefused) unless they
    already have access or are someone who may break glass."""
    decision = decide(session, user, person)
    if not decision.allowed and not decision.may_break_glass:
        reason = decision.basis
        if user.role is Role.network_lead:
            reason = "Network leads cannot use break-glass access: ask the person's care team or their network lead."
        raise AccessRefused("break_glass", reason, person_id=person.id, record_type="person", record_id=person.id)
    return decision


def check_network(user: User, network: Network, purpose: str) -> None:
    """Only the lead of this network sees its caseload; a lead of another network, or anyone else, is refused."""
    require(user, "view_network")
    if user.network_id != network.id:
        raise AccessRefused(
            purpose, "You lead another network, so you cannot see this one's caseload.", record_type="network", record_id=network.id
        )


def allowed(user: Optional[User], capability: str) -> bool:
    return user is not None and user.role in CAPABILITIES[capability]


def require(user: Optional[User], capability: str) -> None:
    """Refuse (AccessRefused) unless the user's role carries the capability."""
    if not allowed(user, capability):
        raise AccessRefused(capability, REFUSAL_REASONS[capability])


# --- The FHIR API (issue 13) ----------------------------------------------------------------------
# The API opens a person's record by the same rules as the pages, with two differences:
# - Break-glass is for a person at a screen who states why, never for a system: a live grant opens
#   nothing through the API, and a refusal there never offers it.
# - The sender may read back a referral it sent: the account that sent a ServiceRequest reads that
#   ServiceRequest (what it said, and where it stands) even when its agency is not in the care team,
#   as long as the person has not objected to sharing with that agency. It opens nothing else.

API_NO_BREAK_GLASS = "Break-glass access opens a record only on OnePlan's own pages, never through the API."
SENDER = "sender of this referral"
RecordRule = Callable[[Session, User, Person], Decision]


def for_api(rule: RecordRule) -> RecordRule:
    """`rule` as the API applies it: the same decision, except that break-glass neither opens the
    record nor is offered."""

    def api_rule(session: Session, user: User, person: Person) -> Decision:
        decision = rule(session, user, person)
        if decision.grant is not None or decision.basis == BREAK_GLASS:
            return Decision(False, API_NO_BREAK_GLASS)
        return Decision(decision.allowed, decision.basis)

    return api_rule


api_decide = for_api(decide)
api_triage_rule = for_api(triage_rule)


def sent_referral_rule(referral: Referral) -> RecordRule:
    """Who may read a referral through the API: whoever triage would let read it (without
    break-glass), and the account that sent it, unless the person objected to its agency."""

    def rule(session: Session, user: User, person: Person) -> Decision:
        decision = api_triage_rule(session, user, person)
        if decision.allowed or referral.received_by_id != user.id or referral.sent_as is None:
            return decision
        assert person.id is not None  # a saved person
        if user.agency_id in objected_agency_ids(session, person.id):
            return decision
        return Decision(True, SENDER)

    return rule


# --- The network at work (issue 15): MDT meetings and the discharge board ----------------------
# A network's own pages (its meetings, its discharge board) are its lead's: `check_network`. These
# two rules open one person's record for the network's multidisciplinary meeting.


def mdt_agenda_rule(session: Session, user: User, person: Person) -> Decision:
    """Who may put a person on their network's MDT agenda: their key worker, or the lead of their
    network (the same people who answer for the record as a whole), never an objected-to agency."""
    decision = access_log_rule(session, user, person)
    if decision.allowed:
        return decision
    if decision.basis.startswith("Only the person's key worker"):
        return Decision(False, "Only the person's key worker and their network lead can put them on the network's meeting agenda.")
    return decision


def mdt_outcome_rule(session: Session, user: User, person: Person) -> Decision:
    """The lead of the person's network chairs its meeting, so records the meeting's decision and the
    new actions it asks of the care team (each requested of its agency, which accepts or declines)."""
    decision = decide(session, user, person)
    leads_network = user.role is Role.network_lead and user.network_id is not None
    if decision.allowed and decision.grant is None and leads_network and person_network_id(session, person) == user.network_id:
        return Decision(True, "network MDT")
    if not decision.allowed:
        return Decision(False, decision.basis)
    return Decision(False, "Only the lead of the person's network records the outcome of its meeting.")


# --- Hub staff reach their caseload (issue 15, record2): whether the header offers "Hub caseload" --------


def works_for_hub(session: Session, user: Optional[User]) -> bool:
    """Whether the user is care staff of a specialist hub (an agency that serves networks as a hub):
    who may open the hub's caseload. No query for the signed-in user (read with their session), one
    for anyone else."""
    if user is None or user.role not in CARE_ROLES or user.agency_id is None:
        return False
    known = session.info.get(AGENCY_IS_HUB)  # read with the signed-in session this request (staff_sessions.user_for)
    if known is not None and known[0] == user.id:
        return bool(known[1])
    return session.exec(select(HubNetwork.id).where(HubNetwork.hub_agency_id == user.agency_id).limit(1)).first() is not None


# --- end of the hub caseload block ---------------------------------------------------------------


def hub_of(session: Session, user: Optional[User], purpose: str) -> Agency:
    """A specialist hub's caseload and referrals are for its own staff (an agency that serves networks
    as a hub); anyone else is refused."""
    agency = session.get(Agency, user.agency_id) if user is not None and works_for_hub(session, user) else None
    if agency is None:
        raise AccessRefused(purpose, "Only the staff of a specialist hub see its caseload.")
    return agency


def hub_referral_for(session: Session, user: Optional[User], referral_id: int, purpose: str) -> tuple[Agency, Optional[HubReferral]]:
    """The hub's own referral (None if there is no such referral to this hub); a refusal for anyone
    outside a hub, or for a person who has objected to the hub."""
    hub = hub_of(session, user, purpose)
    referral = session.get(HubReferral, referral_id)
    if referral is None or referral.hub_agency_id != hub.id:
        return hub, None
    if hub.id in objected_agency_ids(session, referral.person_id):
        raise AccessRefused(
            purpose, "This person has objected to sharing their record with your agency.", record_type="hub_referral", record_id=referral_id
        )
    return hub, referral


OUT_OF_HOURS = "out of hours"


def require_out_of_hours(user: Optional[User], purpose: str) -> None:
    """The crisis summaries are for out-of-hours clinicians (`read_crisis_summaries`)."""
    if not allowed(user, "read_crisis_summaries"):
        raise AccessRefused(purpose, REFUSAL_REASONS["read_crisis_summaries"])


def crisis_summary_rule(reason: str) -> Callable[[Session, User, Person], Decision]:
    """The out-of-hours rule: an out-of-hours clinician reads the crisis summary (never changes the
    record) of a person who agreed to share their record with their care team, unless the person
    objected to their agency; the stated `reason` goes into the audit trail. Not break-glass: the
    person agreed to it."""

    def rule(session: Session, user: User, person: Person) -> Decision:
        if not allowed(user, "read_crisis_summaries"):
            return Decision(False, REFUSAL_REASONS["read_crisis_summaries"])
        assert person.id is not None
        shares, objected = session.exec(
            select(
                exists().where(col(Consent.person_id) == person.id, col(Consent.shares_with_care_team).is_(True)),
                _objects_to(person.id, user.agency_id),
            )
        ).one()
        if objected:
            return Decision(False, "This person has objected to sharing their record with your agency, so you cannot open it.")
        if not shares:
            return Decision(
                False,
                "This person has not agreed to share their record with their care team, so their crisis summary is not shared out of hours.",
            )
        return Decision(True, f"{OUT_OF_HOURS}: {reason}")

    return rule


# --- People and their carers (issue 14): their own pages, apart from staff --------------------
# A person's account (or a carer's) signs in apart from staff (app/my_record) and reaches only the
# person's own pages, under /my: never a staff page, never another person's. Staff never reach /my.
# A carer reads only what the person shared with them, and nothing once the person withdraws it.

PERSON_PAGES = frozenset({"plan", "words", "access_log", "sharing", "carer", "assessment", "carer_notes"})
CARER_PAGES = frozenset({"plan", "carer_notes", "assessment"})
STAFF_ON_MY_PAGES = "These pages are for the person and their carer. Staff see the person's record from OnePlan's staff pages."
PERSON_ON_STAFF_PAGES = "This page is for staff. Your own pages are under My plan."


def account_page_rule(kind: str, shares_assessment: bool, withdrawn: bool, page: str) -> Decision:
    """What a person's or carer's account may open of the person's own pages: the person all of
    them; a carer the plan and their own notes, the assessment only if the person shared it, and
    nothing once the person withdrew their access."""
    if kind == "person":
        return Decision(page in PERSON_PAGES, "the person" if page in PERSON_PAGES else "There is no such page.")
    if withdrawn:
        return Decision(False, "The person has withdrawn your access to their plan.")
    if page == "assessment" and not shares_assessment:
        return Decision(False, "The person has shared their plan with you, but not their assessment.")
    if page in CARER_PAGES:
        return Decision(True, "carer")
    return Decision(False, "This page is for the person only; as their carer you can read the plan they shared with you.")


def invitation_rule(session: Session, user: User, person: Person) -> Decision:
    """Who may invite a person (or, with the person, their carer) to their own pages: the person's
    current key worker, or the single point of access while it may open the record for triage."""
    assert person.id is not None  # a saved person
    key_worker, objected = _key_worker_or_objected(session, user, person.id)
    if objected:
        return Decision(False, "This person has objected to sharing their record with your agency, so you cannot open it.")
    if key_worker:
        return Decision(True, "key worker")
    if user.role is Role.spa_coordinator and triage_rule(session, user, person).allowed:
        return Decision(True, OPEN_REFERRAL)
    return Decision(False, "Only the person's key worker, or the single point of access, can invite them to see their own plan.")


# --- end of people and their carers -------------------------------------------------------------


# --- Search results say whose care team you are in (issue 16, ux2) ------------------------------
# The record rule (`decide`) for a whole list of people at once, in one query, said in words next to
# each name, so that the next click is not a surprise refusal.

IN_YOUR_CARE_TEAM = "In your care team"
IN_YOUR_NETWORK = "In your network: you can read the record"
BREAK_GLASS_OPEN = "Open to you with break-glass access for now"
OBJECTED_TO_YOUR_AGENCY = "Has objected to sharing with your agency"
NOT_IN_TEAM_BREAK_GLASS = "Not in your care team (you would need to break glass)"
NOT_IN_TEAM = "Not in your care team"


@dataclass(frozen=True)
class Standing:
    """Where the user stands with one person's record: in words, and whether it opens for them."""

    text: str
    opens: bool


def standings(session: Session, user: User, person_ids: list[int], now: Optional[datetime] = None) -> dict[int, Standing]:
    """`decide` for each of these people (one query whatever their number), as a Standing by person id."""
    if not person_ids:
        return {}
    rows = session.execute(_standings_statement(), {"person_ids": person_ids, **standing_params(user, now)}).all()
    return {person_id: standing_of(user, *facts) for person_id, *facts in rows}


@lru_cache(maxsize=1)
def standing_facts() -> tuple[Any, ...]:
    """What `standing_of` needs of a person, as four columns correlated to `person` (built once; its
    parameters are `standing_params`): in the user's agency's care team, objected to that agency,
    a live break-glass grant of the user's, and the network of the person's GP practice."""
    agency_id: Any = bindparam("standing_agency_id")
    in_team = _in_care_team(Person.id, agency_id)
    objected = _objects_to(Person.id, agency_id)
    granted = (
        exists()
        .where(col(AccessGrant.user_id) == bindparam("standing_user_id"))
        .where(col(AccessGrant.person_id) == Person.id)
        .where(col(AccessGrant.expires_at) > bindparam("standing_now"))
    )
    network = select(Agency.network_id).where(col(Agency.id) == Person.gp_practice_id).correlate(Person).scalar_subquery()
    return in_team, objected, granted, network


def standing_params(user: User, now: Optional[datetime] = None) -> dict[str, Any]:
    return {"standing_agency_id": user.agency_id, "standing_user_id": user.id, "standing_now": now or datetime.now(UTC)}


@lru_cache(maxsize=1)
def _standings_statement() -> Any:
    return sa_select(col(Person.id), *standing_facts()).where(col(Person.id).in_(bindparam("person_ids", expanding=True)))


def standing_of(user: User, is_in_team: Any, has_objected: Any, has_grant: Any, network_id: Optional[int]) -> Standing:
    """`decide` in words, on `standing_facts`."""
    if user.role is Role.administrator:
        return Standing(NOT_IN_TEAM, False)
    if has_objected:
        return Standing(OBJECTED_TO_YOUR_AGENCY, False)
    if is_in_team:
        return Standing(IN_YOUR_CARE_TEAM, True)
    if user.role is Role.network_lead and user.network_id is not None and network_id == user.network_id:
        return Standing(IN_YOUR_NETWORK, True)
    if user.role in BREAK_GLASS_ROLES and has_grant:
        return Standing(BREAK_GLASS_OPEN, True)
    if user.role in BREAK_GLASS_ROLES:
        return Standing(NOT_IN_TEAM_BREAK_GLASS, False)
    return Standing(NOT_IN_TEAM, False)


# --- end of search results' standing ------------------------------------------------------------


# --- The contacts timeline (issue 16): who may change a recorded contact ------------------------

ONLY_ITS_AGENCY = "Only the agency that recorded a contact can change it."


def may_change_contact(user: User, recording_agency_id: Optional[int]) -> bool:
    """A contact is that agency's own account of what it did: only the agency that recorded it may
    change it (another agency adds its own contact instead)."""
    return recording_agency_id is not None and recording_agency_id == user.agency_id


# --- end of the contacts timeline ---------------------------------------------------------------


# --- Performance (issue 17): the record rule's answer read off the triage rule's ------------------


def decision_behind_triage(triage_decision: Decision) -> Optional[Decision]:
    """`decide`'s answer for the same user and person, read off `triage_rule`'s: the same decision,
    unless it rests on an open referral alone (then `decide` must be asked). Spares a page that
    opened the record for triage asking the record rule again."""
    return None if triage_decision.basis == OPEN_REFERRAL else triage_decision


@lru_cache(maxsize=1)
def _record_facts() -> dict[str, Any]:
    """The record rule's and the access-log rule's facts as statements built once (`_objects_to` and
    the rules above say what they ask): a page runs them with its person
    and user instead of building them again."""
    person: Any = bindparam("person_id")
    agency: Any = bindparam("agency_id")
    user: Any = bindparam("user_id")
    objected = _objects_to(person, agency)
    return {
        "in_team": select(_in_care_team(person, agency), objected),
        "key_worker": select(
            exists()
            .where(col(CareTeamMember.person_id) == person)
            .where(col(CareTeamMember.user_id) == user)
            .where(col(CareTeamMember.is_key_worker).is_(True))
            .where(col(CareTeamMember.left_at).is_(None)),
            objected,
        ),
    }


# --- end of performance (issue 17) ----------------------------------------------------------------


# --- Recording a traced NHS number (issue: NHS number not known) --------------------------------
# Once a trace (a PDS lookup by the GP practice or the single point of access) finds the NHS number
# of a person who has none, it is recorded on their record: by the care team (who change the record)
# or by the single point of access while triage opens the record to it. Never under break-glass, by a
# network lead (who reads), or by an agency the person has objected to.

RECORD_NHS_NUMBER_REFUSED = "Only the person's care team, or the single point of access, can record their NHS number."


def nhs_number_rule(session: Session, user: User, person: Person) -> Decision:
    """Who may record a person's NHS number: whoever may change the record (the care team), or a
    single point of access coordinator while a referral for the person is open (as `triage_rule`
    has it, and whether or not they also broke glass). Never to an agency the person objected to."""
    decision = decide(session, user, person)
    if may_change(decision):
        return Decision(True, decision.basis)
    assert person.id is not None  # a saved person
    if (
        user.role is Role.spa_coordinator
        and user.agency_id not in objected_agency_ids(session, person.id)
        and _has_open_referral(session, person.id)
    ):
        return Decision(True, OPEN_REFERRAL)
    if not decision.allowed:
        return Decision(False, decision.basis)
    return Decision(False, RECORD_NHS_NUMBER_REFUSED)


# --- end of recording a traced NHS number ---------------------------------------------------------


# --- S: speed at scale (issue 17): the access-log rule from facts a page has already read ----------


def access_log_decision(user: User, *, key_worker: bool, objected: bool, network_id: Callable[[], Optional[int]]) -> Decision:
    """`access_log_rule` on its facts: whether the user is the person's current key worker, whether
    the person objected to the user's agency, and (asked only of a network lead) the person's
    network. The header of a person's pages has read the care team and the objections already."""
    if objected:
        return Decision(False, "This person has objected to sharing their record with your agency, so you cannot open it.")
    if key_worker:
        return Decision(True, "key worker")
    if user.role is Role.network_lead and user.network_id is not None and network_id() == user.network_id:
        return Decision(True, "network lead")
    return Decision(False, "Only the person's key worker and their network lead can see who has looked at this record.")


RECORD_FACTS = "oneplan_record_facts"  # session.info: (person id, agency id, in the team, objected), read with the person


@lru_cache(maxsize=1)
def _person_statement() -> Any:
    """The person and the record rule's facts for an agency (`_record_facts`'s "in_team"), built once."""
    agency: Any = bindparam("agency_id")
    return select(Person, _in_care_team(Person.id, agency), _objects_to(Person.id, agency)).where(col(Person.id) == bindparam("person_id"))


def person_with_facts(session: Session, user: User, person_id: int) -> Optional[Person]:
    """The person (None if there is none), read with the record rule's facts for the user's agency,
    which the next `decide` for them takes instead of asking again: opening a record costs one
    statement. Whoever calls this decides at once (and clears RECORD_FACTS after)."""
    row = session.exec(_person_statement(), params={"person_id": person_id, "agency_id": user.agency_id}).first()
    if row is None:
        return None
    person, in_team, objected = row
    session.info[RECORD_FACTS] = (person_id, user.agency_id, bool(in_team), bool(objected))
    return person


def _in_team_or_objected(session: Session, user: User, person_id: int) -> tuple[bool, bool]:
    """Whether the user's agency is in the person's care team, and whether the person objected to it:
    as read with the person just now (`person_with_facts`, used once), or asked."""
    known = session.info.pop(RECORD_FACTS, None)
    if known is not None and known[0] == person_id and known[1] == user.agency_id:
        return known[2], known[3]
    in_team, objected = session.exec(_record_facts()["in_team"], params={"person_id": person_id, "agency_id": user.agency_id}).one()
    return bool(in_team), bool(objected)


# --- end of S ---------------------------------------------------------------------------------------
