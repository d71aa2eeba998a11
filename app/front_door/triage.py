"""Triage at the single point of access: decisions that never overwrite each other, a new referral
joined to the person's open one, the key worker allocated, and the queue ordered by its clocks
(app/front_door/clocks.py)."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Optional, cast

from sqlalchemy import ColumnElement, func, text
from sqlalchemy import select as select_columns
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app import checks
from app.front_door import clocks
from app.trust import access, audit
from app.versioned import Conflict, SaveResult, save_if_unchanged
from app.work import notifications
from models import (
    AWAITING_DECISION,
    OPEN_REFERRAL_STATUSES,
    Agency,
    CareTeamMember,
    Network,
    Person,
    Referral,
    ReferralSource,
    ReferralStatus,
    Role,
    TriageDecision,
    Urgency,
    User,
)
from models.person import format_nhs_number
from models.referral import AWAITING_REFERRALS

OUTCOME_STATUS = {
    TriageDecision.accept: ReferralStatus.accepted,
    TriageDecision.signpost: ReferralStatus.signposted,
    TriageDecision.decline: ReferralStatus.declined,
    TriageDecision.redirect: ReferralStatus.redirected,
}


# --- Joining an open referral ---------------------------------------------------------------


def open_referral_for(session: Session, person_id: int) -> Optional[Referral]:
    """The person's open referral a new one should join: awaiting a decision, or accepted and not closed."""
    return session.exec(
        select(Referral)
        .where(Referral.person_id == person_id)
        .where(col(Referral.linked_to_id).is_(None))
        .where(col(Referral.status).in_([*AWAITING_DECISION, ReferralStatus.accepted]))
        .order_by(col(Referral.received_at))
        .limit(1)
    ).first()


def link(session: Session, referral: Referral, open_referral: Referral, user: User, now: datetime) -> None:
    """Join a new referral to the open one: it is closed as linked; a more urgent clock tightens
    the open referral's; a key worker already allocated is told."""
    assert open_referral.id is not None  # read from the database
    referral.linked_to_id = open_referral.id
    referral.status = ReferralStatus.closed
    referral.closed_at = now
    referral.closed_by_id = user.id
    referral.decision_note = f"Linked to open referral {open_referral.id}"
    if open_referral.status in AWAITING_DECISION and clocks.as_utc(referral.due_by) < clocks.as_utc(open_referral.due_by):
        # If it was triaged a moment ago, triage has set its urgency: the tighter clock no longer applies.
        save_if_unchanged(
            session,
            Referral,
            open_referral.id,
            open_referral.version,
            {"urgency": referral.urgency, "due_by": referral.due_by},
            col(Referral.status).in_(list(AWAITING_DECISION)),
        )
        session.refresh(open_referral)
    if open_referral.status is ReferralStatus.accepted and open_referral.key_worker_id:
        notifications.notify(
            session,
            "referral_linked",
            f"A further referral was received ({referral.source.label}): {referral.reason[:200]}",
            user_id=open_referral.key_worker_id,
            person_id=open_referral.person_id,
            link=notifications.to_record(open_referral.person_id),
        )


# --- Triage decisions -----------------------------------------------------------------------


@dataclass(frozen=True)
class TriageReferral:
    """A triage decision: the urgency decided and one of accept (a network and a key worker from
    it), signpost (to whom), decline (why) or redirect (to which other network, and why)."""

    urgency: Optional[Urgency] = None
    decision: Optional[TriageDecision] = None
    decision_note: Optional[str] = None
    network_id: Optional[int] = None
    key_worker_id: Optional[int] = None
    signposted_to: Optional[str] = None
    decline_reason: Optional[str] = None
    redirect_network_id: Optional[int] = None
    redirect_reason: Optional[str] = None

    @property
    def typed(self) -> dict[str, Any]:
        """What the user chose and typed, kept for them when someone else decided first."""
        return {
            "decision": self.decision,
            "signposted_to": self.signposted_to,
            "decline_reason": self.decline_reason,
            "redirect_reason": self.redirect_reason,
            "decision_note": self.decision_note,
        }


def key_worker_options(session: Session) -> list[tuple[Network, list[User]]]:
    """Practitioners who can be key workers, grouped by their network."""
    rows = session.exec(
        select(Network, User)
        .join(User, col(User.network_id) == Network.id)
        .where(User.role == Role.practitioner)
        .where(col(User.is_active).is_(True))
        .order_by(Network.name, User.full_name)
    ).all()
    grouped: dict[int, tuple[Network, list[User]]] = {}
    for network, user in rows:
        assert network.id is not None  # read from the database
        grouped.setdefault(network.id, (network, []))[1].append(user)
    return list(grouped.values())


def check(session: Session, referral: Referral, command: TriageReferral) -> dict[str, str]:
    """Every rule of a triage decision: an urgency and a decision; accepting needs a network and an
    active practitioner from it as key worker, from an agency the person has not objected to; signposting says to whom; declining says why;
    redirecting names another network than the person's own, and why."""
    errors: dict[str, str] = {}
    checks.chosen(errors, "urgency", command.urgency, "Select the urgency you have decided")
    checks.text(errors, "decision_note", command.decision_note, "a note", max_length=2000)
    checks.chosen(errors, "decision", command.decision, "Select what happens to this referral")
    if command.decision is TriageDecision.accept:
        network = session.get(Network, command.network_id) if command.network_id is not None else None
        if network is None:
            errors["network_id"] = "Select the network"
        key_worker = session.get(User, command.key_worker_id) if command.key_worker_id is not None else None
        if key_worker is None or key_worker.role is not Role.practitioner or not key_worker.is_active:
            errors["key_worker_id"] = "Select a key worker"
        elif network is not None and key_worker.network_id != network.id:
            errors["key_worker_id"] = f"Select a key worker from {network.name}, the network you chose"
        elif key_worker.agency_id in access.objected_agency_ids(session, referral.person_id):
            errors["key_worker_id"] = "The person has objected to sharing their record with this key worker's agency: select another"
    elif command.decision is TriageDecision.signpost:
        checks.text(errors, "signposted_to", command.signposted_to, "who the person is signposted to", required=True, max_length=200)
    elif command.decision is TriageDecision.decline:
        checks.text(errors, "decline_reason", command.decline_reason, "the reason for declining", required=True, max_length=1000)
    elif command.decision is TriageDecision.redirect:
        network_id = command.redirect_network_id
        if network_id is None or session.get(Network, network_id) is None:
            errors["redirect_network_id"] = "Select the network to redirect to"
        elif network_id == (referral.network_id or _persons_network_id(session, referral)):
            errors["redirect_network_id"] = "Select a different network from the person's own"
        checks.text(errors, "redirect_reason", command.redirect_reason, "the reason for redirecting", required=True, max_length=1000)
    return errors


def _persons_network_id(session: Session, referral: Referral) -> Optional[int]:
    person = session.get(Person, referral.person_id)
    return access.person_network_id(session, person) if person is not None else None


def decide(
    session: Session, referral: Referral, command: TriageReferral, by: User, seen_version: int, now: Optional[datetime] = None
) -> SaveResult[Referral]:
    """Record a triage decision, only if the referral still awaits one at the version the user saw
    (else a conflict: nothing is overwritten). Accepting allocates the network and key worker."""
    assert referral.id is not None  # read from the database
    now = now or datetime.now(UTC)
    errors = check(session, referral, command)
    if errors:
        return SaveResult(errors=errors)
    assert command.decision is not None and command.urgency is not None  # checked above
    values: dict[str, Any] = {
        "status": OUTCOME_STATUS[command.decision],
        "urgency": command.urgency,
        "due_by": clocks.due_by(referral.received_at, command.urgency),
        "decided_by_id": by.id,
        "decided_at": now,
        "triaged_by_id": referral.triaged_by_id or by.id,
        "triaged_at": referral.triaged_at or now,
        "decision_note": command.decision_note,
    }
    if command.decision is TriageDecision.accept:
        values.update(network_id=command.network_id, key_worker_id=command.key_worker_id)
    elif command.decision is TriageDecision.signpost:
        values["signposted_to"] = command.signposted_to
    elif command.decision is TriageDecision.decline:
        values["decline_reason"] = command.decline_reason
    else:
        values.update(network_id=command.redirect_network_id, redirect_reason=command.redirect_reason)
    awaiting = col(Referral.status).in_(list(AWAITING_DECISION))
    if not save_if_unchanged(session, Referral, referral.id, seen_version, values, awaiting):
        return SaveResult(conflict=_conflict(session, referral, command.typed))
    session.refresh(referral)

    person = session.get(Person, referral.person_id)
    assert person is not None
    if command.decision is TriageDecision.accept:
        key_worker = session.get(User, command.key_worker_id)
        assert key_worker is not None  # checked above
        allocate(session, person, key_worker, by, referral)
    elif command.decision is TriageDecision.redirect:
        for lead in session.exec(select(User).where(User.role == Role.network_lead, User.network_id == command.redirect_network_id)):
            notifications.notify(
                session,
                "referral_redirected",
                f"A referral for {person.full_name} was redirected to your network: {(command.redirect_reason or '')[:200]}",
                user_id=lead.id,
                person_id=person.id,
                link=notifications.to_referral(referral.id),
            )
    audit.record(
        session,
        "triage_referral",
        user=by,
        person_id=person.id,
        record_type="referral",
        record_id=referral.id,
        detail=f"{command.decision.value}; urgency {command.urgency.value}",
    )
    return SaveResult(item=referral)


def close(session: Session, referral: Referral, by: User, seen_version: int, now: Optional[datetime] = None) -> SaveResult[Referral]:
    """Close a decided referral, only at the version the user saw; one still awaiting a decision
    must be triaged first, and one closed already stays as it was closed (a conflict, either way)."""
    assert referral.id is not None  # read from the database
    now = now or datetime.now(UTC)
    decided_and_open = col(Referral.status).notin_([*AWAITING_DECISION, ReferralStatus.closed])
    values = {"status": ReferralStatus.closed, "closed_at": now, "closed_by_id": by.id}
    if not save_if_unchanged(session, Referral, referral.id, seen_version, values, decided_and_open):
        return SaveResult(conflict=_conflict(session, referral, {}))
    session.refresh(referral)
    audit.record(session, "close_referral", user=by, person_id=referral.person_id, record_type="referral", record_id=referral.id)
    return SaveResult(item=referral)


def _conflict(session: Session, referral: Referral, yours: dict[str, Any]) -> Conflict:
    """The referral as it is now, and who changed it: whoever decided, closed or triaged it."""
    session.refresh(referral)
    writer_id = referral.decided_by_id or referral.closed_by_id or referral.triaged_by_id
    writer = session.get(User, writer_id) if writer_id else None
    agency = session.get(Agency, writer.agency_id) if writer is not None and writer.agency_id else None
    return Conflict(
        yours=yours, theirs={"status": referral.status}, writer=writer, agency=agency, at=referral.decided_at, version=referral.version
    )


# --- Allocation -----------------------------------------------------------------------------


def allocate(session: Session, person: Person, key_worker: User, by: User, referral: Referral) -> None:
    """Make `key_worker` the person's one key worker (their agency joins the care team), open the
    single assessment and care plan if missing, and tell the key worker when to respond by."""
    assert person.id is not None  # read from the database
    current = session.exec(
        select(CareTeamMember).where(CareTeamMember.person_id == person.id).where(col(CareTeamMember.left_at).is_(None))
    ).all()
    for member in current:
        if member.is_key_worker and member.user_id != key_worker.id:
            member.is_key_worker = False
            session.add(member)
    session.flush()
    mine = next((m for m in current if m.agency_id == key_worker.agency_id and m.user_id in (None, key_worker.id)), None)
    if mine is None:
        mine = CareTeamMember(person_id=person.id, agency_id=key_worker.agency_id, role=key_worker.profession.label)
    mine.user_id = key_worker.id
    mine.is_key_worker = True
    session.add(mine)
    from app.assessment import service  # they need their template data; loaded on first use
    from app.care_plan import commands

    service.open_assessment(session, person, by)
    commands.open_plan(session, person, by)
    standard = clocks.response_standards()[referral.urgency]
    notifications.notify(
        session,
        "referral_allocated",
        f"You are now key worker for {person.full_name}. {standard.label}: respond by {clocks.in_words(referral.due_by)}.",
        user_id=key_worker.id,
        person_id=person.id,
        link=notifications.to_record(person.id),
    )
    audit.record(
        session, "allocate_key_worker", user=by, person_id=person.id, record_type="care_team", record_id=mine.id, detail=key_worker.username
    )


# --- The queue --------------------------------------------------------------------------

QUEUE_LIMIT = 100


@dataclass
class QueueFilters:
    """Which referrals the queue shows (parsed from the query string by app/front_door/forms.py)."""

    status: str = "awaiting"  # "awaiting", "open", "all", or a ReferralStatus value
    urgency: Optional[Urgency] = None
    source: Optional[ReferralSource] = None
    network_id: Optional[int] = None


@dataclass(slots=True)
class QueueRow:
    """A row of the queue: the few columns it shows, not the referral and person in full."""

    referral_id: int
    due_by: datetime
    family_name: str
    given_name: str
    nhs_number: str  # as shown: "999 123 4567" or "Not known"
    urgency: str  # Urgency's value, for the tag's colour
    urgency_label: str
    source_label: str
    network_name: Optional[str]
    status: str  # ReferralStatus's value, for the tag's colour
    status_label: str
    clock: clocks.Clock


def queue(session: Session, viewer: User, filters: QueueFilters, now: datetime, limit: int = QUEUE_LIMIT) -> tuple[list[QueueRow], int]:
    """The referrals the viewer may list (app/trust/access.py), narrowed by the filters, by due-by,
    soonest (or most overdue) first; returns the rows and how many match.

    The count and the page's ids come from an index alone, reading the person's practice only
    where a network is asked about: awaiting a decision (the default), from ix_referral_awaiting
    (only the referrals awaiting a decision and not joined, in due-by order, so the page reads its
    own hundred and the count no other referral), else ix_referral_queue (status, not joined,
    due-by, person). The count asks about objections only of the few people who made one. Only the
    page's referrals are read in full, with their person."""
    count_statement, page_statement = _queue_statements(viewer, filters, limit)
    total = session.exec(count_statement).one()
    rows = session.execute(page_statement).all()
    # Labels once for each kind, not once a row (an enum's label is a property).
    urgencies = {urgency: (urgency.value, standard.label) for urgency, standard in clocks.response_standards().items()}
    sources = {source: source.label for source in ReferralSource}
    statuses = {status: (status.value, status.label) for status in ReferralStatus}
    return [
        QueueRow(
            referral_id,
            due_by,
            family_name,
            given_name,
            format_nhs_number(nhs_number),
            *urgencies[urgency],
            sources[source],
            network_name,
            *statuses[status],
            clocks.clock_for(due_by, now, decided_at),
        )
        for referral_id, due_by, decided_at, family_name, given_name, nhs_number, urgency, source, network_name, status in rows
    ], total


# The queue's two statements for each kind of viewer and filters, made once: they depend on the
# viewer only through its role, agency and network, and on nothing else but the filters.
_QUEUE_STATEMENTS: dict[tuple[Any, ...], tuple[Any, Any]] = {}


def _queue_statements(viewer: User, filters: QueueFilters, limit: int) -> tuple[Any, Any]:
    key = (viewer.role, viewer.agency_id, viewer.network_id, filters.status, filters.urgency, filters.source, filters.network_id, limit)
    found = _QUEUE_STATEMENTS.get(key)
    if found is None:
        if len(_QUEUE_STATEMENTS) > 1024:
            _QUEUE_STATEMENTS.clear()
        found = _QUEUE_STATEMENTS[key] = _make_queue_statements(viewer, filters, limit)
    return found


def _make_queue_statements(viewer: User, filters: QueueFilters, limit: int) -> tuple[Any, Any]:
    practice = aliased(Agency)
    network_of_person = (
        select(practice.network_id)
        .join(Person, col(Person.gp_practice_id) == practice.id)
        .where(col(Person.id) == Referral.person_id)
        .scalar_subquery()
    )
    network_of_referral = func.coalesce(Referral.network_id, network_of_person)
    conditions: list[ColumnElement[bool]] = [access.referrals_in_scope_of(viewer, network_of_referral)]
    if filters.status == "awaiting":
        # Word for word the partial index's condition, so SQLite may read it (models/referral.py).
        conditions.append(cast(ColumnElement[bool], text(f"referral.{AWAITING_REFERRALS.replace(' AND ', ' AND referral.')}")))
    else:
        conditions.append(col(Referral.linked_to_id).is_(None))
        if filters.status == "open":
            conditions.append(col(Referral.status).in_(list(OPEN_REFERRAL_STATUSES)))
        elif filters.status != "all":
            conditions.append(col(Referral.status) == ReferralStatus(filters.status))
    if filters.urgency:
        conditions.append(col(Referral.urgency) == filters.urgency)
    if filters.source:
        conditions.append(col(Referral.source) == filters.source)
    if filters.network_id:
        conditions.append(network_of_referral == filters.network_id)
    # The count: those in scope less those of the people who objected to the viewer's agency, counted
    # from each objection (a few), not an objection looked up for every referral in scope.
    objected = access.objected_to(viewer.agency_id)
    in_scope = select(func.count(col(Referral.id))).where(*conditions).scalar_subquery()
    each_objectors = select(func.count(col(Referral.id))).where(col(Referral.person_id) == objected.c.person_id, *conditions)
    objected_in_scope = select(func.coalesce(func.sum(each_objectors.scalar_subquery()), 0)).select_from(objected).scalar_subquery()
    count_statement = select(in_scope - objected_in_scope)
    page = (
        select(Referral.id)
        .where(*conditions, access.not_objected(viewer.agency_id, Referral.person_id))
        .order_by(col(Referral.due_by), col(Referral.id))
        .limit(limit)
        .correlate(None)
    )
    if filters.status == "awaiting":
        # SQLite's planner would read ix_referral_queue and sort every referral awaiting; the partial
        # index is already in due-by order, so the page stops at its hundredth (PostgreSQL finds it alone).
        page = page.with_hint(Referral, "INDEXED BY ix_referral_awaiting", "sqlite")
    # The page's network: the referral's own, else its person's practice's (joined, not asked row by row).
    page_practice = aliased(Agency)
    page_statement = (
        select_columns(
            col(Referral.id),
            col(Referral.due_by),
            col(Referral.decided_at),
            col(Person.family_name),
            col(Person.given_name),
            col(Person.nhs_number),
            col(Referral.urgency),
            col(Referral.source),
            col(Network.name),
            col(Referral.status),
        )
        .join(Person, col(Person.id) == Referral.person_id)
        .outerjoin(page_practice, col(page_practice.id) == Person.gp_practice_id)
        .outerjoin(Network, col(Network.id) == func.coalesce(Referral.network_id, page_practice.network_id))
        .where(col(Referral.id).in_(page))
        .order_by(col(Referral.due_by), col(Referral.id))
    )
    return count_statement, page_statement


def open_referrals_by_person(session: Session, person_ids: list[int]) -> dict[int, Referral]:
    """Each listed person's open referral, if any (one query)."""
    if not person_ids:
        return {}
    rows = session.exec(
        select(Referral)
        .where(col(Referral.person_id).in_(person_ids))
        .where(col(Referral.linked_to_id).is_(None))
        .where(col(Referral.status).in_([*AWAITING_DECISION, ReferralStatus.accepted]))
    ).all()
    return {r.person_id: r for r in rows}


def linked_referrals(session: Session, referral_id: int) -> list[Referral]:
    """The further referrals joined to this one, oldest first."""
    return list(session.exec(select(Referral).where(Referral.linked_to_id == referral_id).order_by(col(Referral.received_at))))


def staff_names(session: Session, referral: Referral) -> dict[int, User]:
    """The staff a referral mentions (received, triaged, decided, closed by; key worker), by id."""
    ids = {referral.received_by_id, referral.triaged_by_id, referral.decided_by_id, referral.closed_by_id, referral.key_worker_id}
    ids.discard(None)
    if not ids:
        return {}
    named: dict[int, User] = {}
    for user in session.exec(select(User).where(col(User.id).in_(ids))):
        assert user.id is not None  # read from the database
        named[user.id] = user
    return named
