"""The front door: a referral typed in by an SPA coordinator, matched to the one record."""
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Optional

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.trust import audit
from app.web import fields
from app.front_door import matching
from app.front_door import nhs_number
from app.front_door import triage
from app.front_door.search import format_postcode, name_key, postcode_key
from models import Agency, AgencyKind, Person, Referral, ReferralSource, ReferralStatus, Urgency, User

NEW_PERSON = "new"


def person_details(form) -> matching.Details:
    """What the form says about the person, leniently: for matching as the coordinator types."""
    number = None
    if nhs_number.looks_like(form.get("nhs_number", "")):
        try:
            number = nhs_number.normalise(form["nhs_number"])
        except nhs_number.InvalidNHSNumber:
            number = None
    throwaway: dict = {}
    born = fields.date_parts(form, "dob", "date of birth", throwaway)
    return matching.Details(
        nhs_number=number,
        given_name=(form.get("given_name") or "")[:80],
        family_name=(form.get("family_name") or "")[:80],
        date_of_birth=born if not throwaway else None,
        postcode=(form.get("postcode") or "")[:10],
    )


@dataclass
class IntakeResult:
    referral: Optional[Referral] = None
    linked_to: Optional[Referral] = None
    errors: dict = field(default_factory=dict)


def validate_referral(form, errors: dict) -> dict:
    """The referral's own fields: who referred, why, how urgently; discharge details when from hospital."""
    clean = {
        "source": fields.choice(form, "source", ReferralSource, "Select where the referral came from", errors),
        "referrer_name": fields.text(form, "referrer_name", "the referrer's name", errors, required=True, max_length=120),
        "referrer_agency": fields.text(form, "referrer_agency", "the referrer's organisation", errors, max_length=160),
        "referrer_contact": fields.text(form, "referrer_contact", "the referrer's contact details", errors, max_length=120),
        "reason": fields.text(form, "reason", "the reason for referral", errors, required=True, max_length=4000),
        "presenting_needs": fields.text(form, "presenting_needs", "the presenting needs", errors, max_length=4000),
        "requested_urgency": fields.choice(
            form, "requested_urgency", Urgency, "Select how urgently the referrer asks for a response", errors
        ),
    }
    if clean["source"] is ReferralSource.hospital_discharge:
        clean["ward"] = fields.text(form, "ward", "the ward", errors, required=True, max_length=80)
        clean["expected_discharge_on"] = fields.date_parts(form, "expected_discharge", "the expected discharge date", errors)
        clean["medically_optimised_on"] = fields.date_parts(
            form, "medically_optimised", "the date the person was medically optimised for discharge", errors, past=True
        )
    return clean


def validate_new_person(session: Session, form, errors: dict) -> dict:
    """A new record needs a valid NHS number no one else has, names, date of birth and address."""
    clean: dict = {}
    try:
        clean["nhs_number"] = nhs_number.normalise(form.get("nhs_number", ""))
    except nhs_number.InvalidNHSNumber as problem:
        errors["nhs_number"] = str(problem)
    else:
        if session.exec(select(Person.id).where(Person.nhs_number == clean["nhs_number"])).first() is not None:
            errors["nhs_number"] = "A record with this NHS number already exists: choose it from the matching records"
    clean["given_name"] = fields.text(form, "given_name", "the person's given name", errors, required=True, max_length=80)
    clean["family_name"] = fields.text(form, "family_name", "the person's family name", errors, required=True, max_length=80)
    for key in ("given_name", "family_name"):
        if clean[key] and not name_key(clean[key]):
            errors[key] = "Names must include letters"
    clean["date_of_birth"] = fields.date_parts(form, "dob", "the person's date of birth", errors, required=True, past=True)
    clean["address_line_1"] = fields.text(form, "address_line_1", "the first line of the address", errors, required=True, max_length=120)
    clean["town"] = fields.text(form, "town", "the town or city", errors, required=True, max_length=80)
    postcode = fields.text(form, "postcode", "the postcode", errors, required=True, max_length=8)
    if postcode and not _is_postcode(postcode):
        errors["postcode"] = "Enter a real postcode, like WF1 2AB"
    clean["postcode"] = postcode
    clean["phone"] = fields.text(form, "phone", "the phone number", errors, max_length=40)
    practice_id = fields.whole_number(form, "gp_practice_id", "Select the person's GP practice", errors)
    if practice_id is not None:
        practice = session.get(Agency, practice_id)
        if practice is None or practice.kind is not AgencyKind.gp_practice:
            errors["gp_practice_id"] = "Select the person's GP practice"
    clean["gp_practice_id"] = practice_id
    return clean


def _is_postcode(text: str) -> bool:
    import re

    return re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}", postcode_key(text)) is not None


def receive(session: Session, form, coordinator: User, now: Optional[datetime] = None, via: str = "intake form") -> IntakeResult:
    """Take a referral from the intake form: the chosen or a new record, never a duplicate,
    and joined to the person's open referral if they have one."""
    now = now or datetime.now(timezone.utc)
    errors: dict = {}
    referral_fields = validate_referral(form, errors)
    choice = form.get("person_choice", "")
    person: Optional[Person] = None
    new_person: dict = {}
    if choice == NEW_PERSON:
        new_person = validate_new_person(session, form, errors)
    elif choice.isdigit():
        person = session.get(Person, int(choice))
        if person is None:
            errors["person_choice"] = "Choose the person's record again: the one chosen no longer exists"
    else:
        errors["person_choice"] = "Choose the person's record from the matches, or create a new record"
    if errors:
        return IntakeResult(errors=errors)

    if person is None:
        person = Person(
            **new_person,
            given_name_key=name_key(new_person["given_name"]),
            family_name_key=name_key(new_person["family_name"]),
            postcode_key=postcode_key(new_person["postcode"]),
        )
        person.postcode = format_postcode(new_person["postcode"])
        session.add(person)
        try:
            session.flush()
        except IntegrityError:
            # Someone created this NHS number a moment ago: the unique constraint keeps one record.
            session.rollback()
            return IntakeResult(errors={"nhs_number": "A record with this NHS number was created just now: choose it from the matching records"})
        audit.record(session, "create_person", user=coordinator, person_id=person.id, record_type="person", record_id=person.id)

    urgency = referral_fields["requested_urgency"]
    referral = Referral(
        person_id=person.id,
        **referral_fields,
        received_at=now,
        received_by_id=coordinator.id,
        received_via=via,
        status=ReferralStatus.received,
        urgency=urgency,
        due_by=triage.due_by(now, urgency),
    )
    open_referral = triage.open_referral_for(session, person.id)
    if open_referral is not None:
        triage.link(session, referral, open_referral, coordinator, now)
    session.add(referral)
    session.flush()
    audit.record(
        session, "create_referral", user=coordinator, person_id=person.id, record_type="referral", record_id=referral.id,
        detail=f"linked to referral {open_referral.id}" if open_referral else None,
    )
    session.commit()
    return IntakeResult(referral=referral, linked_to=open_referral)


def gp_practices(session: Session) -> list[Agency]:
    return list(session.exec(select(Agency).where(Agency.kind == AgencyKind.gp_practice).order_by(Agency.name)))
