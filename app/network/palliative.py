"""Palliative care at home: the network's register. A person's care team puts them on it with the
stage and whether the anticipatory ("just in case") medicines are in the home; their preferred
places of care and of death and their ReSPECT or DNACPR form (and where it is kept) are read from
their care plan's advance care part, so they are written once. The register lists everyone with
what is still missing. Nothing here commits."""

from dataclasses import dataclass, field
from typing import Any, Optional

from sqlalchemy import and_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app import checks, versioned
from app.trust import access, audit
from app.versioned import SaveResult
from models import Agency, AnticipatoryMedicines, CarePlan, CarePlanPart, PalliativeEntry, PalliativeStage, Person, User
from models.clock import utc_now

ADVANCE_CARE = "advance_care"
NOTE_MAX = 500
NOT_DECIDED = {None, "", "not_discussed"}
FORM_IN_PLACE = {"respect", "dnacpr"}
# Near the end of life, the medicines must be in the home, not only prescribed.
NEAR_THE_END = {PalliativeStage.deteriorating, PalliativeStage.dying}


@dataclass(frozen=True)
class SaveEntry:
    stage: Optional[PalliativeStage]
    anticipatory_medicines: Optional[AnticipatoryMedicines]
    medicines_note: Optional[str]
    seen_version: int  # 0: not on the register yet


def missing(entry: PalliativeEntry, advance_care: dict[str, Any]) -> list[str]:
    """What the register still needs for this person, in words: the preferred places of care and of
    death discussed, a ReSPECT or DNACPR form and where it is kept, and, near the end of life, the
    anticipatory medicines in the home."""
    gaps = []
    if advance_care.get("preferred_place_of_care") in NOT_DECIDED:
        gaps.append("Preferred place of care")
    if advance_care.get("preferred_place_of_death") in NOT_DECIDED:
        gaps.append("Preferred place of death")
    form = advance_care.get("respect_form")
    if form not in FORM_IN_PLACE:
        gaps.append("ReSPECT or DNACPR form")
    elif not advance_care.get("respect_form_kept"):
        gaps.append("Where the ReSPECT or DNACPR form is kept")
    if entry.stage in NEAR_THE_END and entry.anticipatory_medicines is not AnticipatoryMedicines.in_home:
        gaps.append("Anticipatory medicines in the home")
    return gaps


def entry_for(session: Session, person_id: int) -> Optional[PalliativeEntry]:
    return session.exec(
        select(PalliativeEntry).where(PalliativeEntry.person_id == person_id, col(PalliativeEntry.removed_at).is_(None))
    ).first()


def advance_care_of(session: Session, person_id: int) -> dict[str, Any]:
    answers = session.exec(
        select(CarePlanPart.answers)
        .join(CarePlan, col(CarePlan.id) == CarePlanPart.care_plan_id)
        .where(CarePlan.person_id == person_id, CarePlanPart.part_key == ADVANCE_CARE)
    ).first()
    return dict(answers or {})


def save(session: Session, person: Person, entry: Optional[PalliativeEntry], command: SaveEntry, by: User) -> SaveResult[PalliativeEntry]:
    """Put the person on the register, or change their stage and medicines, over the version seen."""
    assert person.id is not None
    errors: dict[str, str] = {}
    if command.stage is None:
        errors["stage"] = "Select the stage"
    if command.anticipatory_medicines is None:
        errors["anticipatory_medicines"] = "Select whether the anticipatory medicines are in the home"
    problem = checks.text_problem(command.medicines_note, "the note about the medicines", max_length=NOTE_MAX)
    if problem:
        errors["medicines_note"] = problem
    if errors:
        return SaveResult(errors=errors, item=entry)
    values: dict[str, Any] = {
        "stage": command.stage,
        "anticipatory_medicines": command.anticipatory_medicines,
        "medicines_note": command.medicines_note,
        "updated_by_id": by.id,
        "updated_at": utc_now(),
    }
    if entry is None:
        if command.seen_version != 0 or session.exec(select(PalliativeEntry.id).where(PalliativeEntry.person_id == person.id)).first():
            return SaveResult(refused="Someone changed the register entry first. Reload the page to see it.")
        entry = PalliativeEntry(person_id=person.id, added_by_id=by.id, **values)
        session.add(entry)
        session.flush()
    else:
        assert entry.id is not None
        if not versioned.save_if_unchanged(session, PalliativeEntry, entry.id, command.seen_version, values):
            return SaveResult(refused="Someone changed the register entry first. Reload the page to see it.", item=entry)
        session.refresh(entry)
    audit.record(session, "save_palliative_entry", user=by, person_id=person.id, record_type="palliative_entry", record_id=entry.id)
    return SaveResult(item=entry)


@dataclass
class RegisterRow:
    entry: PalliativeEntry
    person: Person
    advance_care: dict[str, Any]
    gaps: list[str] = field(default_factory=list)


def register(session: Session, network_id: int, viewer_agency_id: int) -> list[RegisterRow]:
    """The network's register, nearest the end of life first, each with what is missing: one query."""
    practice = aliased(Agency)
    rows = session.exec(
        select(PalliativeEntry, Person, CarePlanPart.answers)
        .join(Person, col(Person.id) == PalliativeEntry.person_id)
        .join(practice, col(practice.id) == Person.gp_practice_id)
        .outerjoin(CarePlan, col(CarePlan.person_id) == Person.id)
        .outerjoin(CarePlanPart, and_(col(CarePlanPart.care_plan_id) == CarePlan.id, col(CarePlanPart.part_key) == ADVANCE_CARE))
        .where(col(practice.network_id) == network_id, col(PalliativeEntry.removed_at).is_(None))
        .where(access.not_objected(viewer_agency_id, Person.id))
        .order_by(col(Person.family_name_key), col(Person.id))
    ).all()
    order = list(PalliativeStage)
    found = [RegisterRow(entry, person, dict(answers or {})) for entry, person, answers in rows]
    for row in found:
        row.gaps = missing(row.entry, row.advance_care)
    return sorted(found, key=lambda r: -order.index(r.entry.stage))
