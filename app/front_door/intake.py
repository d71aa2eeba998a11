"""The front door: a referral, typed in by an SPA coordinator or sent to the FHIR API, for the one
record of the person it is about.

Both ways in build the same command (`ReceiveReferral`) and the intake checks every rule of it,
so a referral is taken, or refused for the same reasons, whichever way it came.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Optional

from sqlmodel import Session, select

from app import checks, db
from app.front_door import clocks, nhs_number, triage
from app.front_door.search import format_postcode, name_key, postcode_key
from app.trust import audit
from models import Agency, AgencyKind, Person, Referral, ReferralSource, ReferralStatus, Urgency, User

BY_FORM = "intake form"
BY_FHIR = "FHIR API"
POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}")


@dataclass(frozen=True)
class NewPerson:
    """The details a new record needs. The NHS number is as given: the intake checks it. Or it is
    not known (`nhs_number_not_known`: newly arrived, awaiting a trace) and the record has none."""

    nhs_number: Optional[str] = None
    given_name: Optional[str] = None
    family_name: Optional[str] = None
    date_of_birth: Optional[date] = None
    address_line_1: Optional[str] = None
    town: Optional[str] = None
    postcode: Optional[str] = None
    phone: Optional[str] = None
    gp_practice_id: Optional[int] = None
    nhs_number_not_known: bool = False

    @property
    def without_number(self) -> bool:
        """Said to be not known, and no number given."""
        return self.nhs_number_not_known and not (self.nhs_number or "").strip()


@dataclass(frozen=True)
class ReceiveReferral:
    """A referral into the single point of access: who referred, why, how urgently, the discharge
    details when it comes from hospital, and who it is for: an existing record (`person_id`) or the
    details of a new one (`new_person`)."""

    source: Optional[ReferralSource] = None
    referrer_name: Optional[str] = None
    referrer_agency: Optional[str] = None
    referrer_contact: Optional[str] = None
    reason: Optional[str] = None
    presenting_needs: Optional[str] = None
    requested_urgency: Optional[Urgency] = None
    ward: Optional[str] = None
    expected_discharge_on: Optional[date] = None
    medically_optimised_on: Optional[date] = None
    person_id: Optional[int] = None
    new_person: Optional[NewPerson] = None
    received_via: str = BY_FORM


@dataclass(frozen=True)
class IntakeResult:
    """The referral taken (and the open referral it joined, if any), or the errors by field name."""

    referral: Optional[Referral] = None
    linked_to: Optional[Referral] = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def check(session: Session, command: ReceiveReferral, today: Optional[date] = None) -> dict[str, str]:
    """Every rule of a referral, whatever the way in: who referred, why and how urgently; the ward
    when from hospital; and one record chosen, or a new one's details. Errors by field name (a new
    person's by the names of its own fields)."""
    today = today or clocks.today_in_england(datetime.now(UTC))
    errors: dict[str, str] = {}
    checks.chosen(errors, "source", command.source, "Select where the referral came from")
    checks.text(errors, "referrer_name", command.referrer_name, "the referrer's name", required=True, max_length=120)
    checks.text(errors, "referrer_agency", command.referrer_agency, "the referrer's organisation", max_length=160)
    checks.text(errors, "referrer_contact", command.referrer_contact, "the referrer's contact details", max_length=120)
    checks.text(errors, "reason", command.reason, "the reason for referral", required=True, max_length=4000)
    checks.text(errors, "presenting_needs", command.presenting_needs, "the presenting needs", max_length=4000)
    checks.chosen(errors, "requested_urgency", command.requested_urgency, "Select how urgently the referrer asks for a response")
    if command.source is ReferralSource.hospital_discharge:
        checks.text(errors, "ward", command.ward, "the ward", required=True, max_length=80)
        checks.a_date(errors, "expected_discharge_on", command.expected_discharge_on, "the expected discharge date", today=today)
        checks.a_date(
            errors,
            "medically_optimised_on",
            command.medically_optimised_on,
            "the date the person was medically optimised for discharge",
            today=today,
            past=True,
        )
    if command.new_person is not None and command.person_id is None:
        errors.update(check_new_person(session, command.new_person, today))
    elif command.person_id is None or command.new_person is not None:
        errors["person_id"] = "Choose the person's record from the matches, or create a new record"
    elif session.get(Person, command.person_id) is None:
        errors["person_id"] = "Choose the person's record again: the one chosen no longer exists"
    return errors


def check_new_person(session: Session, details: NewPerson, today: date) -> dict[str, str]:
    """A new record needs a valid NHS number no one else has (or to be told it is not known, and
    then no number), names with letters in them, a date of birth that has passed, an address with a
    real postcode, and a GP practice that exists."""
    errors: dict[str, str] = {}
    if details.without_number:
        pass  # matched by name, date of birth and postcode instead
    elif details.nhs_number_not_known:
        errors["nhs_number"] = "Enter the NHS number, or select 'NHS number not known', not both"
    elif not (details.nhs_number or "").strip():
        errors["nhs_number"] = "Enter an NHS number, or select 'NHS number not known'"
    else:
        try:
            number = nhs_number.normalise(details.nhs_number or "")
        except nhs_number.InvalidNHSNumber as problem:
            errors["nhs_number"] = str(problem)
        else:
            if session.exec(select(Person.id).where(Person.nhs_number == number)).first() is not None:
                errors["nhs_number"] = "A record with this NHS number already exists: choose it from the matching records"
    checks.text(errors, "given_name", details.given_name, "the person's given name", required=True, max_length=80)
    checks.text(errors, "family_name", details.family_name, "the person's family name", required=True, max_length=80)
    for name, value in (("given_name", details.given_name), ("family_name", details.family_name)):
        if name not in errors and value and not name_key(value):
            errors[name] = "Names must include letters"
    checks.a_date(errors, "date_of_birth", details.date_of_birth, "the person's date of birth", today=today, required=True, past=True)
    checks.text(errors, "address_line_1", details.address_line_1, "the first line of the address", required=True, max_length=120)
    checks.text(errors, "town", details.town, "the town or city", required=True, max_length=80)
    checks.text(errors, "postcode", details.postcode, "the postcode", required=True, max_length=8)
    if "postcode" not in errors and not POSTCODE.fullmatch(postcode_key(details.postcode or "")):
        errors["postcode"] = "Enter a real postcode, like WF1 2AB"
    checks.text(errors, "phone", details.phone, "the phone number", max_length=40)
    practice = session.get(Agency, details.gp_practice_id) if details.gp_practice_id is not None else None
    if practice is None or practice.kind is not AgencyKind.gp_practice:
        errors["gp_practice_id"] = "Select the person's GP practice"
    return errors


def receive(session: Session, command: ReceiveReferral, by: User, now: Optional[datetime] = None) -> IntakeResult:
    """Take a referral: for the chosen record or a new one, never a second record for an NHS number,
    and joined to the person's open referral if they have one. Its clock starts at `now`."""
    now = now or datetime.now(UTC)
    errors = check(session, command, clocks.today_in_england(now))
    if errors:
        return IntakeResult(errors=errors)
    if command.new_person is not None:
        person = _create_person(session, command.new_person, by)
        if person is None:
            return IntakeResult(
                errors={"nhs_number": "A record with this NHS number was created just now: choose it from the matching records"}
            )
    else:
        person = session.get(Person, command.person_id)
    assert person is not None and command.requested_urgency is not None and command.source is not None  # checked above
    assert command.referrer_name is not None and command.reason is not None  # checked above: both are required
    assert person.id is not None  # read from the database (or inserted just now)

    from_hospital = command.source is ReferralSource.hospital_discharge
    referral = Referral(
        person_id=person.id,
        source=command.source,
        referrer_name=command.referrer_name,
        referrer_agency=command.referrer_agency,
        referrer_contact=command.referrer_contact,
        reason=command.reason,
        presenting_needs=command.presenting_needs,
        requested_urgency=command.requested_urgency,
        ward=command.ward if from_hospital else None,
        expected_discharge_on=command.expected_discharge_on if from_hospital else None,
        medically_optimised_on=command.medically_optimised_on if from_hospital else None,
        received_at=now,
        received_by_id=by.id,
        received_via=command.received_via,
        status=ReferralStatus.received,
        urgency=command.requested_urgency,
        due_by=clocks.due_by(now, command.requested_urgency),
    )
    open_referral = triage.open_referral_for(session, person.id)
    if open_referral is not None:
        triage.link(session, referral, open_referral, by, now)
    session.add(referral)
    session.flush()
    audit.record(
        session,
        "create_referral",
        user=by,
        person_id=person.id,
        record_type="referral",
        record_id=referral.id,
        detail=f"linked to referral {open_referral.id}" if open_referral else None,
    )
    return IntakeResult(referral=referral, linked_to=open_referral)


def _create_person(session: Session, details: NewPerson, by: User) -> Optional[Person]:
    """The new record, or None if someone created one with this NHS number a moment ago (the
    unique NHS number keeps one record, and nothing needs undoing). Without a number there is
    nothing to be unique on: a second record for the same person is for matching to prevent."""
    given_name, family_name, postcode = details.given_name or "", details.family_name or "", details.postcode or ""
    person_id = db.insert_once(
        session,
        Person,
        {
            "nhs_number": None if details.without_number else nhs_number.normalise(details.nhs_number or ""),
            "given_name": given_name,
            "family_name": family_name,
            "given_name_key": name_key(given_name),
            "family_name_key": name_key(family_name),
            "date_of_birth": details.date_of_birth,
            "address_line_1": details.address_line_1,
            "town": details.town,
            "postcode": format_postcode(postcode),
            "postcode_key": postcode_key(postcode),
            "phone": details.phone,
            "gp_practice_id": details.gp_practice_id,
        },
        unique=["nhs_number"],
    )
    if person_id is None:
        return None
    audit.record(session, "create_person", user=by, person_id=person_id, record_type="person", record_id=person_id)
    return session.get(Person, person_id)


def gp_practices(session: Session) -> list[Agency]:
    """The GP practices a new record can be registered with, by name."""
    return list(session.exec(select(Agency).where(Agency.kind == AgencyKind.gp_practice).order_by(Agency.name)))
