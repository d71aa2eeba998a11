"""The person's sharing decisions (consent): whether they share their record with the care
team, the agencies they object to, and a carer they allow to see their plan.

The care team records them. An objection is enforced by the access rules (app/trust/access.py
refuses that agency); a withdrawn objection is kept, dated, so nothing is lost.
"""

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Optional

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from app import checks
from app.db import insert_once
from app.trust import audit
from app.versioned import Conflict, SaveResult, save_if_unchanged
from models import Agency, CareTeamMember, Consent, ConsentObjection, Person, User
from models.clock import utc_now

CARER_NAME_MAX = 120
CARER_RELATIONSHIP_MAX = 60
CARER_CONTACT_MAX = 120
# Each carer field, what it is called in a message, and its length.
CARER_FIELDS = (
    ("carer_name", "the carer's name", CARER_NAME_MAX),
    ("carer_relationship", "the carer's relationship to the person", CARER_RELATIONSHIP_MAX),
    ("carer_contact", "how to contact the carer", CARER_CONTACT_MAX),
)


@dataclass
class Objection:
    objection: ConsentObjection
    agency: Agency
    in_care_team: bool


@dataclass
class SharingView:
    consent: Optional[Consent]
    objections: list[Objection] = field(default_factory=list)

    @property
    def version(self) -> int:
        return self.consent.version if self.consent else 0

    @property
    def shares_with_care_team(self) -> Optional[bool]:
        return self.consent.shares_with_care_team if self.consent else None


def view(session: Session, person_id: int) -> SharingView:
    """The decisions and the standing objections, each with whether that agency is in the care team (two queries)."""
    consent = session.exec(select(Consent).where(Consent.person_id == person_id)).first()
    return SharingView(consent, standing_objections(session, person_id))


@lru_cache(maxsize=1)
def _objections_statement() -> Any:
    """The standing objections, by agency name, each with whether that agency is in the care team: built once."""
    person_id: Any = bindparam("person_id")
    in_team = (
        select(CareTeamMember.id)
        .where(CareTeamMember.person_id == person_id)
        .where(CareTeamMember.agency_id == ConsentObjection.agency_id)
        .where(col(CareTeamMember.left_at).is_(None))
        .exists()
    )
    return (
        select(ConsentObjection, Agency, in_team)
        .join(Agency, col(Agency.id) == ConsentObjection.agency_id)
        .where(ConsentObjection.person_id == person_id)
        .where(col(ConsentObjection.withdrawn_at).is_(None))
        .order_by(Agency.name)
    )


def standing_objections(session: Session, person_id: int) -> list[Objection]:
    """The agencies the person objects to sharing their record with, by name, each with whether it is
    in the care team (one query): what the record's summary shows of the sharing decisions."""
    rows = session.exec(_objections_statement(), params={"person_id": person_id}).all()
    return [Objection(o, a, bool(t)) for o, a, t in rows]


@dataclass(frozen=True)
class RecordSharing:
    """The person's sharing decisions as the recorder gave them, against the version they saw
    (0: nothing recorded yet)."""

    shares_with_care_team: Optional[bool]
    keep_objection_ids: frozenset[int]  # standing objections still ticked; the others are withdrawn
    object_to_agency_id: Optional[int]  # a new objection, if any
    carer_name: Optional[str]
    carer_relationship: Optional[str]
    carer_contact: Optional[str]
    seen_version: int


def check(session: Session, command: RecordSharing, by: Optional[User]) -> dict[str, str]:
    """Shares with the care team: yes or no. A new objection names an agency that exists and is not
    the recorder's own. A carer needs a name if anything about them is given; each within its length."""
    errors: dict[str, str] = {}
    if command.shares_with_care_team is None:
        errors["shares_with_care_team"] = "Select whether the person agrees to share their record with their care team"
    agency_id = command.object_to_agency_id
    if agency_id is not None:
        if session.get(Agency, agency_id) is None:
            errors["object_to_agency_id"] = "Select an agency from the list"
        elif by is not None and agency_id == by.agency_id:
            errors["object_to_agency_id"] = (
                "You cannot record an objection to your own agency: ask another agency in the care team to record it"
            )
    for name, label, limit in CARER_FIELDS:
        message = checks.text_problem(getattr(command, name), label, max_length=limit)
        if message:
            errors[name] = message
    if (command.carer_relationship or command.carer_contact) and not command.carer_name and "carer_name" not in errors:
        errors["carer_name"] = "Enter the carer's name"
    return errors


def record(
    session: Session, person: Person, command: RecordSharing, by: Optional[User], *, by_person: Optional[str] = None
) -> SaveResult[Consent]:
    """Record the decisions if nobody recorded them since the version the user saw (a Conflict if
    someone did); objections not kept are withdrawn, not deleted. Audited; the caller commits.
    With no `by`, the person made them on their own pages (`by_person`: their account's username)."""
    errors = check(session, command, by)
    if errors:
        return SaveResult(errors=errors)
    assert person.id is not None  # a saved person
    now = utc_now()
    decisions = dict(
        shares_with_care_team=command.shares_with_care_team,
        carer_name=command.carer_name,
        carer_relationship=command.carer_relationship,
        carer_contact=command.carer_contact,
    )
    by_id = by.id if by is not None else None
    values = dict(decisions, recorded_by_id=by_id, recorded_at=now)
    if command.seen_version == 0:
        saved_id = insert_once(session, Consent, dict(values, person_id=person.id, version=1), unique=["person_id"])
    else:
        saved_id = session.exec(select(Consent.id).where(Consent.person_id == person.id)).first()
        if saved_id is not None and not save_if_unchanged(session, Consent, saved_id, command.seen_version, values):
            saved_id = None
    if saved_id is None:
        return SaveResult(conflict=_conflict(session, person, decisions))

    standing = session.exec(
        select(ConsentObjection).where(ConsentObjection.person_id == person.id).where(col(ConsentObjection.withdrawn_at).is_(None))
    ).all()
    withdrawn = [o for o in standing if o.id not in command.keep_objection_ids]
    for objection in withdrawn:
        objection.withdrawn_at, objection.withdrawn_by_id = now, by_id
        session.add(objection)
    still_standing = {o.agency_id for o in standing if o not in withdrawn}
    added = False
    if command.object_to_agency_id is not None and command.object_to_agency_id not in still_standing:
        session.add(ConsentObjection(person_id=person.id, agency_id=command.object_to_agency_id, recorded_by_id=by_id, recorded_at=now))
        added = True
    session.flush()
    audit.record(
        session,
        "record_consent",
        user=by,
        username=by_person,
        role="person" if by is None else None,
        person_id=person.id,
        record_type="consent",
        record_id=person.id,
        reason=f"shares with care team: {'yes' if command.shares_with_care_team else 'no'}; "
        f"objections withdrawn: {len(withdrawn)}; objection added: {'yes' if added else 'no'}",
    )
    return SaveResult(item=session.get(Consent, saved_id, populate_existing=True))


def _conflict(session: Session, person: Person, yours: dict) -> Conflict:
    """The decisions as someone else recorded them after the user opened the page, and who recorded them."""
    row = session.exec(select(Consent).where(Consent.person_id == person.id).execution_options(populate_existing=True)).first()
    if row is None:  # a version was sent for decisions that were never recorded
        return Conflict(yours, {}, None, None, None, 0)
    writer = session.get(User, row.recorded_by_id) if row.recorded_by_id else None
    agency = session.get(Agency, writer.agency_id) if writer else None
    theirs = {name: getattr(row, name) for name in yours}
    return Conflict(yours, theirs, writer, agency, row.recorded_at, row.version)
