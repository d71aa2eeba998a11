"""The demo's timelines of contacts (issue 16): the visits and calls the care team made, each done
action's visit among them, written in bulk after the care plans."""

import random
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.demo import bulk
from models import ActionStatus, AgencyKind, CarePlan, CarePlanAction, CareTeamMember, ContactRecord, Person, User

CHUNK = 5_000
# What each kind of agency writes after a contact: (how, with whom, what happened).
NOTES: dict[Any, list[tuple[str, str, str]]] = {
    AgencyKind.community_nursing: [
        ("visit", "{name}", "Dressing changed; the wound is healing. Skin on heels intact. Next visit in three days."),
        ("visit", "{name} and {carer}", "Medicines checked against the chart; all taken. Blood pressure 132/80."),
        ("phone", "{carer}", "{carer} rang: {name} was more breathless overnight. Advised to call the GP today; visit booked."),
    ],
    AgencyKind.social_care: [
        ("visit", "{name} and {carer}", "Talked through the support at home. {name} would like a morning call to help with washing."),
        ("phone", "{carer}", "Carer's assessment offered; {carer} will think about it and call back next week."),
        ("meeting", "The care agency", "Review of the care package: times moved to suit {name}'s mornings."),
    ],
    AgencyKind.therapy: [
        ("visit", "{name}", "Home assessment: rails fitted by the back door; bath board advised."),
        ("video", "{name} and {carer}", "Exercise programme reviewed; {name} is walking to the end of the garden."),
    ],
}
GENERAL = [
    ("phone", "{name}", "Rang to see how things are. {name} is managing and knows who to call."),
    ("message", "{carer}", "Sent the date of the next review to {carer}, as asked."),
    ("meeting", "The practice team", "Discussed at the practice's multidisciplinary meeting: plan unchanged."),
]


def add_contacts(session: Session, seed: int, now: datetime, echo=lambda message: None) -> int:
    """A few contacts on the timeline of everyone with a care plan, from their care team; each done
    action is marked done by a visit from its agency."""
    rng = random.Random(seed * 104_729 + 5)
    today = now.date()
    team: dict[int, list[tuple[int, int, Any]]] = {}
    for person_id, agency_id, user_id, kind in session.execute(
        select(col(CareTeamMember.person_id), col(CareTeamMember.agency_id), col(CareTeamMember.user_id), col(User.agency_id))
        .join(User, col(User.id) == CareTeamMember.user_id)
        .join(CarePlan, col(CarePlan.person_id) == CareTeamMember.person_id)
        .where(col(CareTeamMember.left_at).is_(None))
        .order_by(col(CareTeamMember.id))
    ):
        team.setdefault(person_id, []).append((agency_id, user_id, kind))
    kinds = _agency_kinds(session)
    names = {
        row.id: row
        for row in session.execute(
            # Joined, not `IN (every id)`: at 2.4 million people that list passes PostgreSQL's 65,535 parameters.
            select(col(Person.id), col(Person.given_name), col(Person.carer_name)).join(CarePlan, col(CarePlan.person_id) == Person.id)
        )
    }
    rows: list[dict[str, Any]] = []
    # Each done action: its agency's visit that marked it done.
    for action in session.execute(select(CarePlanAction).where(col(CarePlanAction.status) == ActionStatus.done)).scalars():
        members = [m for m in team.get(action.person_id, []) if m[0] == action.owner_agency_id]
        if not members or action.completed_at is None:
            continue
        agency_id, user_id, _ = members[0]
        person = names[action.person_id]
        rows.append(
            _row(
                action.person_id,
                action.completed_at,
                "visit",
                person.given_name,
                f"{action.description.rstrip('.')}: done.",
                agency_id,
                user_id,
                [{"action_id": action.id, "description": action.description[:200], "moved": "marked as done"}],
            )
        )
    for person_id, members in sorted(team.items()):
        person = names[person_id]
        words = {"name": person.given_name, "carer": person.carer_name or "the family"}
        for _ in range(rng.randint(1, 4)):
            agency_id, user_id, _ = rng.choice(members)
            how, who, what = rng.choice(NOTES.get(kinds.get(agency_id), GENERAL))
            when = datetime.combine(
                today - timedelta(days=rng.randint(0, 60)), time(rng.randint(8, 17), rng.choice((0, 15, 30, 45))), tzinfo=UTC
            )
            rows.append(_row(person_id, when, how, who.format(**words), what.format(**words), agency_id, user_id, []))
        if len(rows) >= CHUNK:
            bulk.insert_rows(session, ContactRecord, rows)
            rows = []
    if rows:
        bulk.insert_rows(session, ContactRecord, rows)
    count = session.execute(select(ContactRecord.id)).all()
    echo(f"contacts: {len(count):,}")
    return len(count)


def _agency_kinds(session: Session) -> dict[int, AgencyKind]:
    from models import Agency

    return {row[0]: row[1] for row in session.execute(select(col(Agency.id), col(Agency.kind)))}


def _row(person_id, when: datetime, how: str, who: str, what: str, agency_id: int, user_id: int, moved: list) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "contact_on": when.date(),
        "contact_time": when.time().replace(second=0, microsecond=0),
        "how": how,
        "with_whom": who[:160],
        "summary": what,
        "moved": moved,
        "agency_id": agency_id,
        "recorded_by_id": user_id,
        "recorded_at": when if when.tzinfo else when.replace(tzinfo=UTC),
        "version": 1,
    }
