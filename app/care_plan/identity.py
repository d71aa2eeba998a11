"""Who the person is: recording the NHS number of a person who had none, once a trace (a PDS
lookup by the GP practice or the single point of access) has found it. Changing a number already
on the record is not done here."""

from dataclasses import dataclass
from typing import Any, Optional, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from app import db
from app.care_plan import care_team
from app.front_door import nhs_number
from app.trust import audit
from app.versioned import SaveResult
from app.work import notifications
from models import Person, User

ALREADY_RECORDED = "An NHS number is already recorded for this person. Changing an NHS number is not done here."
ON_ANOTHER_RECORD = "This NHS number is already on another record: ask the single point of access to check for a duplicate"


@dataclass(frozen=True)
class RecordNHSNumber:
    """Record the NHS number a trace found, as typed (spaces allowed: 999 123 4567)."""

    nhs_number: Optional[str]


def record_nhs_number(session: Session, person: Person, command: RecordNHSNumber, by: User) -> SaveResult[Person]:
    """A person without an NHS number gets the one a trace found: 10 digits with a valid check digit,
    on no other record. It is written only while the record still has none (one conditional UPDATE),
    so of two people recording at once one wins and the other is told it is already recorded. Audited
    (with the last four digits only) and told to the key worker."""
    assert person.id is not None  # a saved person
    if person.nhs_number:
        return SaveResult(refused=ALREADY_RECORDED)
    try:
        number = nhs_number.normalise(command.nhs_number or "")
    except nhs_number.InvalidNHSNumber as problem:
        return SaveResult(errors={"nhs_number": str(problem)})
    if session.exec(select(Person.id).where(Person.nhs_number == number, Person.id != person.id)).first() is not None:
        return SaveResult(errors={"nhs_number": ON_ANOTHER_RECORD})
    statement = (
        update(Person)
        .where(col(Person.id) == person.id, col(Person.nhs_number).is_(None))
        .values(nhs_number=number)
        .execution_options(synchronize_session=False)
    )
    try:
        with db.undoable(session):  # another record may have taken the number since the check above
            written = cast(CursorResult[Any], session.execute(statement)).rowcount == 1
    except IntegrityError:
        return SaveResult(errors={"nhs_number": ON_ANOTHER_RECORD})
    if not written:
        session.refresh(person)
        return SaveResult(refused=ALREADY_RECORDED)
    set_committed_value(person, "nhs_number", number)  # written above: the session need not write it again
    audit.record(
        session,
        "nhs_number_recorded",
        user=by,
        person_id=person.id,
        record_type="person",
        record_id=person.id,
        detail=f"ending {number[-4:]}",
    )
    _tell_key_worker(session, person, by)
    session.flush()
    return SaveResult(item=person)


def _tell_key_worker(session: Session, person: Person, by: User) -> None:
    """The key worker (or their agency, when no one is named) hears of it, unless they recorded it."""
    assert person.id is not None  # a saved person
    recipient = care_team.key_worker_inbox(session, person.id, besides=by)
    if recipient is None:
        return
    user_id, agency_id = recipient
    notifications.notify(
        session,
        "nhs_number_recorded",
        f"{by.full_name} recorded the NHS number of {person.full_name}, found by a trace.",
        user_id=user_id,
        agency_id=agency_id,
        person_id=person.id,
        link=notifications.to_record(person.id),
    )
