"""My sharing choices and my carer: what the person decides about who sees their record.

Objections go through the care team's own consent commands (app/trust/consent.py), so the access
rules refuse an objected-to agency from the moment the choice is saved. A carer's access ends at
once when the person withdraws it: their account stops working and their sessions end."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Optional

from sqlmodel import Session, col, select

from app.my_record import identity
from app.trust import audit, consent
from app.versioned import SaveResult
from models import Agency, Consent, Person, PersonAccount
from models.person_account import CARER

CONFLICT = "Your care team changed your sharing choices just now. Check them below and choose again."


@dataclass(frozen=True)
class SharingChoice:
    """Object to one agency, or (stop_objecting) no longer object to it, against the version seen."""

    agency_id: Optional[int]
    stop_objecting: bool
    seen_version: int


@dataclass(frozen=True)
class Checked:
    agency: Optional[Agency]
    errors: dict[str, str]


def check(session: Session, person: Person, choice: SharingChoice) -> Checked:
    """An agency that exists (to object to), or one the person has objected to (to stop objecting)."""
    agency = session.get(Agency, choice.agency_id) if choice.agency_id is not None else None
    if choice.agency_id is None:
        return Checked(None, {"object_to": "Select an organisation"})
    if agency is None:
        return Checked(None, {"object_to": "Select an organisation from the list"})
    if choice.stop_objecting and agency.id not in {o.agency.id for o in consent.view(session, person.id or 0).objections}:
        return Checked(None, {"object_to": "Select an organisation you have objected to"})
    return Checked(agency, {})


def save(session: Session, person: Person, account: PersonAccount, choice: SharingChoice) -> SaveResult[Consent]:
    """Record the choice through the consent commands, keeping every other decision as it stands."""
    checked = check(session, person, choice)
    if checked.errors:
        return SaveResult(errors=checked.errors)
    assert checked.agency is not None
    current = consent.view(session, person.id or 0)
    kept = frozenset(
        o.objection.id
        for o in current.objections
        if o.objection.id is not None and not (choice.stop_objecting and o.agency.id == checked.agency.id)
    )
    command = consent.RecordSharing(
        shares_with_care_team=current.shares_with_care_team if current.shares_with_care_team is not None else True,
        keep_objection_ids=kept,
        object_to_agency_id=None if choice.stop_objecting else checked.agency.id,
        carer_name=current.consent.carer_name if current.consent else None,
        carer_relationship=current.consent.carer_relationship if current.consent else None,
        carer_contact=current.consent.carer_contact if current.consent else None,
        seen_version=choice.seen_version,
    )
    result = consent.record(session, person, command, None, by_person=account.username)
    if result.conflict is not None:
        return SaveResult(errors={"object_to": CONFLICT}, conflict=result.conflict)
    return result


def carers(session: Session, person_id: int) -> list[PersonAccount]:
    """The carers who can see the person's plan now."""
    return list(
        session.exec(
            select(PersonAccount).where(
                PersonAccount.person_id == person_id, PersonAccount.kind == CARER, col(PersonAccount.withdrawn_at).is_(None)
            )
        )
    )


def withdraw_carer(session: Session, person: Person, account: PersonAccount, carer_id: Optional[int]) -> Optional[PersonAccount]:
    """End a carer's access to the person's plan at once (their sessions too). None if there is no such carer of this person."""
    carer = session.get(PersonAccount, carer_id) if carer_id else None
    if carer is None or carer.person_id != person.id or carer.kind != CARER or carer.id is None:
        return None
    now = datetime.now(UTC)
    carer.withdrawn_at = now
    session.add(carer)
    identity.end_all(session, carer.id, now)
    audit.record(
        session,
        "withdraw_carer",
        username=account.username,
        role=account.kind,
        person_id=person.id,
        record_type="person_account",
        record_id=carer.id,
    )
    return carer
