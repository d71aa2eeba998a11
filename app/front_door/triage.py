"""Response clocks and triage decisions for the single point of access."""
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Optional
from zoneinfo import ZoneInfo

from sqlalchemy import func, update
from sqlmodel import Session, select

from app.config import DATA
from app.trust import audit
from app.web import fields
from app.work import notifications
from models import (
    AWAITING_DECISION,
    Agency,
    CareTeamMember,
    Network,
    OPEN_REFERRAL_STATUSES,
    Person,
    Referral,
    ReferralSource,
    ReferralStatus,
    Role,
    Urgency,
    User,
)

ENGLAND = ZoneInfo("Europe/London")
CLOCKS = {"hours", "calendar_days", "working_days"}


@dataclass(frozen=True)
class ResponseStandard:
    urgency: Urgency
    label: str
    clock: str
    amount: int
    target_share: Optional[float]
    meaning: str


class DataFileError(ValueError):
    pass


@lru_cache(maxsize=1)
def response_standards() -> dict[Urgency, ResponseStandard]:
    """Load the response standards once, checking every field (a clinical change is a data change)."""
    raw = json.loads((DATA / "response_standards.json").read_text())
    standards: dict[Urgency, ResponseStandard] = {}
    for entry in raw.get("standards", []):
        try:
            urgency = Urgency(entry["urgency"])
            amount = entry["amount"]
            target = entry.get("target_share")
            if entry["clock"] not in CLOCKS or not isinstance(amount, int) or amount <= 0:
                raise ValueError(entry)
            if target is not None and not 0 < target <= 1:
                raise ValueError(entry)
            standards[urgency] = ResponseStandard(
                urgency, str(entry["label"]), entry["clock"], amount, target, str(entry.get("meaning", ""))
            )
        except (KeyError, ValueError) as problem:
            raise DataFileError(f"response_standards.json: bad standard {entry!r}") from problem
    if set(standards) != set(Urgency):
        raise DataFileError("response_standards.json must define a standard for every urgency")
    return standards


@lru_cache(maxsize=1)
def bank_holidays() -> frozenset[date]:
    raw = json.loads((DATA / "bank_holidays_england.json").read_text())
    try:
        return frozenset(date.fromisoformat(d) for d in raw["dates"])
    except (KeyError, ValueError) as problem:
        raise DataFileError("bank_holidays_england.json: dates must be YYYY-MM-DD") from problem


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in bank_holidays()


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (weekends and bank holidays skipped)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def due_by(received_at: datetime, urgency: Urgency) -> datetime:
    """When a response is due: 2 hours; 2 calendar days; or the end of the 10th working day
    after receipt, counted in England's local time. Returned in UTC."""
    standard = response_standards()[urgency]
    received = received_at if received_at.tzinfo else received_at.replace(tzinfo=timezone.utc)
    if standard.clock == "hours":
        return received + timedelta(hours=standard.amount)
    if standard.clock == "calendar_days":
        return received + timedelta(days=standard.amount)
    local_day = received.astimezone(ENGLAND).date()
    last_day = add_working_days(local_day, standard.amount)
    end_of_day = datetime.combine(last_day, datetime.max.time().replace(microsecond=0), tzinfo=ENGLAND)
    return end_of_day.astimezone(timezone.utc)


@dataclass(frozen=True)
class Clock:
    """How a referral stands against its clock, in words and a colour band (never colour alone)."""

    text: str
    band: str  # "overdue", "due-soon", "on-time", "met", "missed"
    overdue: bool


def clock_for(due: datetime, now: datetime, responded_at: Optional[datetime] = None) -> Clock:
    if due.tzinfo is None:
        due = due.replace(tzinfo=timezone.utc)
    if responded_at is not None:
        if responded_at.tzinfo is None:
            responded_at = responded_at.replace(tzinfo=timezone.utc)
        if responded_at <= due:
            return Clock("Responded in time", "met", False)
        return Clock(f"Responded {describe(responded_at - due)} late", "missed", True)
    left = due - now
    if left.total_seconds() < 0:
        return Clock(f"Overdue by {describe(-left)}", "overdue", True)
    band = "due-soon" if left <= timedelta(hours=1) else "on-time"
    return Clock(f"{describe(left)} left", band, False)


def describe(span: timedelta) -> str:
    """A span in the two largest units people use: '1 day 3 hours', '45 minutes'."""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    for amount, unit in ((days, "day"), (hours, "hour"), (minutes, "minute")):
        if amount:
            parts.append(f"{amount} {unit}{'' if amount == 1 else 's'}")
    return " ".join(parts[:2]) or "less than a minute"


# --- Triage decisions ---------------------------------------------------------------

class Decision:
    accept = "accept"
    signpost = "signpost"
    decline = "decline"
    redirect = "redirect"
    all = ("accept", "signpost", "decline", "redirect")


OUTCOME_STATUS = {
    Decision.accept: ReferralStatus.accepted,
    Decision.signpost: ReferralStatus.signposted,
    Decision.decline: ReferralStatus.declined,
    Decision.redirect: ReferralStatus.redirected,
}


class AlreadyChanged(Exception):
    """Someone else triaged or changed this referral since the user loaded it."""

    def __init__(self, referral: Referral, by: Optional[User]):
        super().__init__(f"referral {referral.id} changed")
        self.referral = referral
        self.by = by


def open_referral_for(session: Session, person_id: int) -> Optional[Referral]:
    """The person's open referral a new one should join: awaiting a decision, or accepted and not closed."""
    return session.exec(
        select(Referral)
        .where(Referral.person_id == person_id)
        .where(Referral.linked_to_id.is_(None))  # type: ignore[union-attr]
        .where(Referral.status.in_([*AWAITING_DECISION, ReferralStatus.accepted]))  # type: ignore[attr-defined]
        .order_by(Referral.received_at)
        .limit(1)
    ).first()


def link(session: Session, referral: Referral, open_referral: Referral, user: User, now: datetime) -> None:
    """Join a new referral to the open one: it is closed as linked; a more urgent clock tightens
    the open referral's; a key worker already allocated is told."""
    referral.linked_to_id = open_referral.id
    referral.status = ReferralStatus.closed
    referral.closed_at = now
    referral.closed_by_id = user.id
    referral.decision_note = f"Linked to open referral {open_referral.id}"
    if open_referral.status in AWAITING_DECISION and _as_utc(referral.due_by) < _as_utc(open_referral.due_by):
        open_referral.urgency = referral.urgency
        open_referral.due_by = referral.due_by
        open_referral.version += 1
        session.add(open_referral)
    if open_referral.status is ReferralStatus.accepted and open_referral.key_worker_id:
        notifications.notify(
            session, "referral_linked", f"A further referral was received ({referral.source.label}): {referral.reason[:200]}",
            user_id=open_referral.key_worker_id, person_id=open_referral.person_id, link=notifications.to_record(open_referral.person_id),
        )


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def key_worker_options(session: Session) -> list[tuple[Network, list[User]]]:
    """Practitioners who can be key workers, grouped by their network."""
    rows = session.exec(
        select(Network, User)
        .join(User, User.network_id == Network.id)
        .where(User.role == Role.practitioner)
        .where(User.is_active.is_(True))  # type: ignore[attr-defined]
        .order_by(Network.name, User.full_name)
    ).all()
    grouped: dict[int, tuple[Network, list[User]]] = {}
    for network, user in rows:
        grouped.setdefault(network.id, (network, []))[1].append(user)
    return list(grouped.values())


def validate_decision(session: Session, form, referral: Referral, default_network_id: Optional[int]) -> tuple[dict, dict]:
    """The triage form: urgency and one of accept (network + key worker from it), signpost (to whom),
    decline (why) or redirect (to another network, and why)."""
    errors: dict = {}
    clean: dict = {
        "urgency": fields.choice(form, "urgency", Urgency, "Select the urgency you have decided", errors),
        "decision": form.get("decision") if form.get("decision") in Decision.all else None,
        "decision_note": fields.text(form, "decision_note", "a note", errors, max_length=2000),
    }
    if clean["decision"] is None:
        errors["decision"] = "Select what happens to this referral"
    decision = clean["decision"]
    if decision == Decision.accept:
        network_id = fields.whole_number(form, "network_id", "Select the network", errors)
        network = session.get(Network, network_id) if network_id is not None else None
        if network_id is not None and network is None:
            errors["network_id"] = "Select the network"
        key_worker_id = fields.whole_number(form, "key_worker_id", "Select a key worker", errors)
        key_worker = session.get(User, key_worker_id) if key_worker_id is not None else None
        if key_worker_id is not None and (key_worker is None or key_worker.role is not Role.practitioner or not key_worker.is_active):
            errors["key_worker_id"] = "Select a key worker"
        elif key_worker is not None and network is not None and key_worker.network_id != network.id:
            errors["key_worker_id"] = f"Select a key worker from {network.name}, the network you chose"
        clean.update(network_id=network_id, key_worker=key_worker)
    elif decision == Decision.signpost:
        clean["signposted_to"] = fields.text(form, "signposted_to", "who the person is signposted to", errors, required=True, max_length=200)
    elif decision == Decision.decline:
        clean["decline_reason"] = fields.text(form, "decline_reason", "the reason for declining", errors, required=True, max_length=1000)
    elif decision == Decision.redirect:
        network_id = fields.whole_number(form, "redirect_network_id", "Select the network to redirect to", errors)
        if network_id is not None and session.get(Network, network_id) is None:
            errors["redirect_network_id"] = "Select the network to redirect to"
        elif network_id is not None and network_id == (referral.network_id or default_network_id):
            errors["redirect_network_id"] = "Select a different network from the person's own"
        clean["redirect_network_id"] = network_id
        clean["redirect_reason"] = fields.text(form, "redirect_reason", "the reason for redirecting", errors, required=True, max_length=1000)
    return clean, errors


def _changed_since(session: Session, referral_id: int) -> AlreadyChanged:
    session.rollback()
    referral = session.get(Referral, referral_id)
    session.refresh(referral)
    who = referral.decided_by_id or referral.closed_by_id or referral.triaged_by_id
    return AlreadyChanged(referral, session.get(User, who) if who else None)


def _claim(session: Session, referral: Referral, seen_version: int, values: dict) -> None:
    """Write the referral only if it is still at the version the user saw (no lost updates)."""
    result = session.exec(
        update(Referral)
        .where(Referral.id == referral.id)
        .where(Referral.version == seen_version)
        .values(version=Referral.version + 1, **values)
    )  # type: ignore[call-overload]
    if result.rowcount != 1:
        raise _changed_since(session, referral.id)
    session.refresh(referral)


def decide(session: Session, referral: Referral, clean: dict, user: User, seen_version: int, now: Optional[datetime] = None) -> Referral:
    """Record a triage decision. Accepting allocates the network and key worker, puts them in the
    care team, opens the single assessment and care plan if missing, and tells the key worker."""
    now = now or datetime.now(timezone.utc)
    if referral.status not in AWAITING_DECISION:
        raise _changed_since(session, referral.id)
    decision = clean["decision"]
    values = {
        "status": OUTCOME_STATUS[decision],
        "urgency": clean["urgency"],
        "due_by": due_by(referral.received_at, clean["urgency"]),
        "decided_by_id": user.id,
        "decided_at": now,
        "triaged_by_id": referral.triaged_by_id or user.id,
        "triaged_at": referral.triaged_at or now,
        "decision_note": clean.get("decision_note"),
    }
    if decision == Decision.accept:
        values.update(network_id=clean["network_id"], key_worker_id=clean["key_worker"].id)
    elif decision == Decision.signpost:
        values["signposted_to"] = clean["signposted_to"]
    elif decision == Decision.decline:
        values["decline_reason"] = clean["decline_reason"]
    else:
        values.update(network_id=clean["redirect_network_id"], redirect_reason=clean["redirect_reason"])
    _claim(session, referral, seen_version, values)

    person = session.get(Person, referral.person_id)
    if decision == Decision.accept:
        allocate(session, person, clean["key_worker"], user, referral)
    elif decision == Decision.redirect:
        for lead in session.exec(select(User).where(User.role == Role.network_lead, User.network_id == clean["redirect_network_id"])):
            notifications.notify(
                session, "referral_redirected", f"A referral for {person.full_name} was redirected to your network: {clean['redirect_reason'][:200]}",
                user_id=lead.id, person_id=person.id, link=notifications.to_referral(referral.id),
            )
    audit.record(
        session, "triage_referral", user=user, person_id=person.id, record_type="referral", record_id=referral.id,
        detail=f"{decision}; urgency {clean['urgency'].value}",
    )
    session.commit()
    return referral


def allocate(session: Session, person: Person, key_worker: User, by: User, referral: Referral) -> None:
    """Make `key_worker` the person's one key worker (their agency joins the care team)."""
    current = session.exec(
        select(CareTeamMember).where(CareTeamMember.person_id == person.id).where(CareTeamMember.left_at.is_(None))  # type: ignore[union-attr]
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
    standard = response_standards()[referral.urgency]
    notifications.notify(
        session, "referral_allocated",
        f"You are now key worker for {person.full_name}. {standard.label}: respond by {_local(referral.due_by)}.",
        user_id=key_worker.id, person_id=person.id, link=notifications.to_record(person.id),
    )
    audit.record(session, "allocate_key_worker", user=by, person_id=person.id, record_type="care_team", record_id=mine.id, detail=key_worker.username)


def _local(moment: datetime) -> str:
    local = _as_utc(moment).astimezone(ENGLAND)
    return f"{local:%H:%M} on {local.day} {local:%B %Y}"


def close(session: Session, referral: Referral, user: User, seen_version: int, now: Optional[datetime] = None) -> Referral:
    """Close a decided referral; one still awaiting a decision must be triaged first."""
    now = now or datetime.now(timezone.utc)
    if referral.status in AWAITING_DECISION or referral.status is ReferralStatus.closed:
        raise _changed_since(session, referral.id)
    _claim(session, referral, seen_version, {"status": ReferralStatus.closed, "closed_at": now, "closed_by_id": user.id})
    audit.record(session, "close_referral", user=user, person_id=referral.person_id, record_type="referral", record_id=referral.id)
    session.commit()
    return referral


# --- The queue --------------------------------------------------------------------------

QUEUE_LIMIT = 100


@dataclass
class QueueFilters:
    status: str = "awaiting"  # "awaiting", "open", "all", or a ReferralStatus value
    urgency: Optional[Urgency] = None
    source: Optional[ReferralSource] = None
    network_id: Optional[int] = None

    @classmethod
    def from_args(cls, args) -> "QueueFilters":
        """Filters from the query string; anything unknown is ignored rather than an error."""
        status = args.get("status", "awaiting")
        if status not in {"awaiting", "open", "all"} | {s.value for s in ReferralStatus}:
            status = "awaiting"
        try:
            urgency = Urgency(args.get("urgency", ""))
        except ValueError:
            urgency = None
        try:
            source = ReferralSource(args.get("source", ""))
        except ValueError:
            source = None
        network = args.get("network", "")
        return cls(status, urgency, source, int(network) if network.isdigit() and len(network) < 10 else None)


@dataclass
class QueueRow:
    referral: Referral
    person: Person
    network: Optional[Network]
    clock: Clock


def queue(session: Session, filters: QueueFilters, now: datetime, limit: int = QUEUE_LIMIT) -> tuple[list[QueueRow], int]:
    """Referrals by due-by, soonest (or most overdue) first; returns the rows and how many match."""
    conditions = [Referral.linked_to_id.is_(None)]  # type: ignore[union-attr]
    if filters.status == "awaiting":
        conditions.append(Referral.status.in_(list(AWAITING_DECISION)))  # type: ignore[attr-defined]
    elif filters.status == "open":
        conditions.append(Referral.status.in_(list(OPEN_REFERRAL_STATUSES)))  # type: ignore[attr-defined]
    elif filters.status != "all":
        conditions.append(Referral.status == ReferralStatus(filters.status))
    if filters.urgency:
        conditions.append(Referral.urgency == filters.urgency)
    if filters.source:
        conditions.append(Referral.source == filters.source)
    network_of_person = (
        select(Agency.network_id).where(Agency.id == Person.gp_practice_id).correlate(Person).scalar_subquery()
    )
    if filters.network_id:
        conditions.append(func.coalesce(Referral.network_id, network_of_person) == filters.network_id)
    total = session.exec(
        select(func.count(Referral.id)).join(Person, Person.id == Referral.person_id).where(*conditions)
    ).one()
    rows = session.exec(
        select(Referral, Person, Network)
        .join(Person, Person.id == Referral.person_id)
        .outerjoin(Network, Network.id == func.coalesce(Referral.network_id, network_of_person))
        .where(*conditions)
        .order_by(Referral.due_by, Referral.id)
        .limit(limit)
    ).all()
    return [
        QueueRow(r, p, n, clock_for(r.due_by, now, r.decided_at)) for r, p, n in rows
    ], total


def open_referrals_by_person(session: Session, person_ids: list[int]) -> dict[int, Referral]:
    """Each listed person's open referral, if any (one query)."""
    if not person_ids:
        return {}
    rows = session.exec(
        select(Referral)
        .where(Referral.person_id.in_(person_ids))  # type: ignore[attr-defined]
        .where(Referral.linked_to_id.is_(None))  # type: ignore[union-attr]
        .where(Referral.status.in_([*AWAITING_DECISION, ReferralStatus.accepted]))  # type: ignore[attr-defined]
    ).all()
    return {r.person_id: r for r in rows}


def linked_referrals(session: Session, referral_id: int) -> list[Referral]:
    return list(session.exec(select(Referral).where(Referral.linked_to_id == referral_id).order_by(Referral.received_at)))


def staff_names(session: Session, referral: Referral) -> dict[int, User]:
    """The staff a referral mentions (received, triaged, decided, closed by; key worker), by id."""
    ids = {referral.received_by_id, referral.triaged_by_id, referral.decided_by_id, referral.closed_by_id, referral.key_worker_id}
    ids.discard(None)
    if not ids:
        return {}
    return {u.id: u for u in session.exec(select(User).where(User.id.in_(ids)))}  # type: ignore[attr-defined]
