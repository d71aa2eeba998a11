"""Out of hours: one crisis summary per person, for the out-of-hours clinician who is called at night
or at the weekend. Reached by NHS number, with a stated reason, read-only and audited (so it is in
the person's "who has looked" list); only for people who agreed to share their record with their
care team. Not break-glass: the person agreed to it."""

from dataclasses import dataclass
from typing import Any, Optional

from sqlmodel import Session

from app.care_plan import read_model
from app.care_plan.read_model import PlanView
from app.network import palliative
from models import PalliativeEntry, Person, User

# Why an out-of-hours clinician opens a summary: chosen from this list; the audit keeps it.
REASONS = {
    "call_from_person": "The person or their family called for help",
    "visit": "Visiting the person now",
    "call_from_service": "Another service (ambulance, 111, a care home) asked for advice",
    "death": "Verifying or planning for an expected death",
}


@dataclass
class CrisisSummary:
    person: Person
    plan: Optional[PlanView]
    contingency: dict[str, Any]
    advance_care: dict[str, Any]
    palliative: Optional[PalliativeEntry]


def summary(session: Session, person: Person, user: User) -> CrisisSummary:
    """The contingency and crisis plan, the ReSPECT or DNACPR form and where it is kept, the
    anticipatory medicines in the home, and who to call: nothing else of the record."""
    assert person.id is not None
    plan = read_model.view(session, person.id, user)
    contingency = dict(plan.part("contingency").answers) if plan else {}
    advance_care = dict(plan.part("advance_care").answers) if plan else {}
    return CrisisSummary(person, plan, contingency, advance_care, palliative.entry_for(session, person.id))
