"""Demo referrals: a realistic flow into the single point of access over the last 90 days.

Most older referrals are decided (a share of them late, so the figures show breaches); the
last few days' referrals are still open, some already overdue. Accepted referrals name the
person's current key worker, so the care teams and the referrals agree.
"""

import random
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.demo import bulk
from app.front_door import clocks
from models import Agency, CareTeamMember, Person, Referral, ReferralSource, ReferralStatus, Role, Urgency, User

DAYS = 90
CHUNK = 5_000  # referrals written at a time
URGENCY_WEIGHTS = {Urgency.urgent: 15, Urgency.two_day: 25, Urgency.routine: 60}
SOURCE_WEIGHTS = {
    ReferralSource.gp: 30,
    ReferralSource.hospital_discharge: 18,
    ReferralSource.social_care: 10,
    ReferralSource.ambulance: 8,
    ReferralSource.community_health: 10,
    ReferralSource.mental_health: 4,
    ReferralSource.voluntary: 6,
    ReferralSource.self_referral: 5,
    ReferralSource.family: 7,
    ReferralSource.other: 2,
}
REASONS = [
    ("Two falls in the last week; lives alone and is frightened to go out.", "Falls, mobility, anxiety"),
    ("Struggling with personal care since husband went into hospital.", "Personal care, carer breakdown"),
    ("Not eating well, weight loss over two months, more confused.", "Nutrition, cognition"),
    ("Ready for discharge; needs support at home for the first weeks.", "Reablement, personal care"),
    ("Pressure area on heel, needs district nurse review.", "Skin integrity"),
    ("Breathlessness worse; COPD exacerbation managed at home.", "Long-term condition, breathlessness"),
    ("Palliative: wishes to die at home; family need support overnight.", "End of life care, carer support"),
    ("Daughter worried about scams and unpaid bills.", "Safeguarding, finances"),
    ("Cannot manage the stairs; sleeping in a chair downstairs.", "Mobility, home adaptations"),
    ("Low mood since bereavement, not leaving the house.", "Mood, isolation"),
]
REFERRERS = [
    "Dr A Patel",
    "Ward sister J Moore",
    "S Khan, social worker",
    "Paramedic crew 14",
    "District nursing team",
    "Carers' centre",
    "Self",
    "Daughter",
    "Community matron",
    "Memory service",
]
WARDS = ["Gate 12", "Ward 7", "Acute medical unit", "Frailty unit", "Ward 40", "Stroke unit"]


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def add_referrals(session: Session, count: int, seed: int, now: datetime, echo=lambda message: None, progress=None) -> int:
    """Insert `count` referrals received over the last 90 days before `now` (bulk, in chunks).
    `progress(done, total)` hears how many are written after each chunk (else `echo` a line)."""
    if count <= 0:
        return 0
    rng = random.Random(seed * 7919 + 17)
    coordinators = list(session.execute(select(col(User.id)).where(col(User.role) == Role.spa_coordinator)).scalars())
    if not coordinators:
        return 0
    network_of_practice = dict(
        session.execute(select(col(Agency.id), col(Agency.network_id)).where(col(Agency.network_id).is_not(None))).all()
    )
    key_workers = dict(
        session.execute(
            select(col(CareTeamMember.person_id), col(CareTeamMember.user_id)).where(
                col(CareTeamMember.is_key_worker).is_(True), col(CareTeamMember.left_at).is_(None)
            )
        ).all()
    )
    caseload = sorted(key_workers)
    max_person = session.execute(select(func.max(Person.id))).scalar() or 0
    min_person = session.execute(select(func.min(Person.id))).scalar() or 0
    practices = dict(session.execute(select(col(Person.id), col(Person.gp_practice_id))).all())
    networks = sorted(set(network_of_practice.values()))
    next_id = (session.execute(select(func.max(Referral.id))).scalar() or 0) + 1
    rows, used_open = [], set()
    for n in range(count):
        received = now - timedelta(seconds=rng.randint(0, DAYS * 24 * 3600))
        urgency = _pick(rng, URGENCY_WEIGHTS)
        source = _pick(rng, SOURCE_WEIGHTS)
        due = clocks.due_by(received, urgency)
        reason, needs = rng.choice(REASONS)
        accepted_person = bool(caseload) and rng.random() < 0.55
        person_id = rng.choice(caseload) if accepted_person else rng.randint(min_person, max_person)
        row = dict(
            id=next_id + n,
            person_id=person_id,
            source=source.value,
            referrer_name=rng.choice(REFERRERS),
            referrer_agency=None,
            referrer_contact=f"01632 96{rng.randint(0, 9999):04d}",
            reason=reason,
            presenting_needs=needs,
            requested_urgency=urgency.value,
            urgency=urgency.value,
            received_at=received,
            received_by_id=rng.choice(coordinators),
            received_via="intake form",
            due_by=due,
            version=1,
            status=ReferralStatus.received.value,
            triaged_by_id=None,
            triaged_at=None,
            decided_by_id=None,
            decided_at=None,
            network_id=None,
            key_worker_id=None,
            signposted_to=None,
            decline_reason=None,
            redirect_reason=None,
            decision_note=None,
            closed_at=None,
            closed_by_id=None,
            linked_to_id=None,
            ward=None,
            expected_discharge_on=None,
            medically_optimised_on=None,
        )
        if source is ReferralSource.hospital_discharge:
            row["ward"] = rng.choice(WARDS)
            optimised = (received - timedelta(days=rng.randint(0, 6))).date()
            row["medically_optimised_on"] = optimised
            row["expected_discharge_on"] = optimised + timedelta(days=rng.randint(1, 10))
        # Recent referrals (and some overdue ones) are still waiting; older ones were decided.
        open_chance = 0.85 if now - received < timedelta(days=2) else 0.02
        if rng.random() < open_chance and person_id not in used_open:
            used_open.add(person_id)
            if rng.random() < 0.3:
                row.update(
                    status=ReferralStatus.triaged.value, triaged_by_id=row["received_by_id"], triaged_at=received + timedelta(minutes=20)
                )
        else:
            _decide(
                rng,
                row,
                received,
                due,
                urgency,
                now,
                accepted_person,
                key_workers.get(person_id),
                network_of_practice.get(practices.get(person_id)),
                networks,
            )
        rows.append(row)
        if len(rows) == CHUNK:
            bulk.insert_rows(session, Referral, rows)
            bulk.commit(session)
            if progress is not None:
                progress(n + 1, count)
            else:
                echo(f"referrals: {n + 1:,} / {count:,}")
            rows = []
    if rows:
        bulk.insert_rows(session, Referral, rows)
        bulk.commit(session)
    if progress is not None:
        progress(count, count)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(func.setval(func.pg_get_serial_sequence("referral", "id"), select(func.max(Referral.id)).scalar_subquery()))
        session.commit()
    echo(f"referrals: {count:,} over the last {DAYS} days")
    return count


def _decide(rng, row, received, due, urgency, now, accepted_person, key_worker_id, network_id, networks):
    """A decision within the standard most of the time (about three in four urgent ones in 2 hours)."""
    window = (due - received).total_seconds()
    late = rng.random() < (0.25 if urgency is Urgency.urgent else 0.12)
    decided = received + timedelta(seconds=window * (rng.uniform(1.05, 2.5) if late else rng.uniform(0.05, 0.95)))
    decided = min(decided, now - timedelta(minutes=1))
    row.update(triaged_by_id=row["received_by_id"], triaged_at=decided, decided_by_id=row["received_by_id"], decided_at=decided, version=2)
    if accepted_person and key_worker_id:
        row.update(status=ReferralStatus.accepted.value, key_worker_id=key_worker_id, network_id=network_id)
    else:
        outcome = rng.choices(["signposted", "declined", "redirected"], weights=[55, 30, 15])[0]
        row["status"] = outcome
        if outcome == "signposted":
            row["signposted_to"] = rng.choice(["Carers' centre", "Age-friendly lunch club", "Welfare benefits advice", "Memory café"])
        elif outcome == "declined":
            row["decline_reason"] = rng.choice(
                ["Needs met by existing services", "Person declined support", "Not eligible for community services"]
            )
        else:
            row["redirect_reason"] = "Lives nearer another network's hub"
            others = [n for n in networks if n != network_id]
            row["network_id"] = rng.choice(others) if others else network_id
    if now - decided > timedelta(days=14) and rng.random() < 0.7:
        row.update(
            status=ReferralStatus.closed.value, closed_at=decided + timedelta(days=rng.randint(3, 14)), closed_by_id=row["received_by_id"]
        )
