"""The front door's forms, read into commands: the intake form (and, leniently, what it says about
the person, for live matching), the triage form, and the queue's filters.

Reading is all that happens here: an option that is not one of the choices, or an id that names
nothing, is read as "not chosen", and the command's own checks (`intake.check`, `triage.check`)
say so, in the same words whichever way the command came in. The only errors found here are
about what cannot be read at all: a date that is not a real date.
"""

from collections.abc import Mapping
from enum import Enum
from typing import Any, Optional, TypeVar

from app.front_door import intake, matching, nhs_number, triage
from app.web import fields
from models import ReferralSource, ReferralStatus, TriageDecision, Urgency

NEW_PERSON = "new"  # the intake form's choice "None of these: create a new record"
Choice = TypeVar("Choice", bound=Enum)

# Where an intake field's message sits on the form, where the form's id is not the command's name.
INTAKE_FIELD_IDS = {
    "date_of_birth": "dob-day",
    "expected_discharge_on": "expected_discharge-day",
    "medically_optimised_on": "medically_optimised-day",
    "person_id": "person_choice",
}
# The intake form's fields in the order the intake checks them: the order of the error summary.
INTAKE_ORDER = (
    "source",
    "referrer_name",
    "referrer_agency",
    "referrer_contact",
    "reason",
    "presenting_needs",
    "requested_urgency",
    "ward",
    "expected_discharge",
    "medically_optimised",
    "nhs_number",
    "given_name",
    "family_name",
    "dob",
    "address_line_1",
    "town",
    "postcode",
    "phone",
    "gp_practice_id",
    "person_choice",
)
QUEUE_STATUSES = {"awaiting", "open", "all"} | {status.value for status in ReferralStatus}


def _text(form: Mapping[str, Any], name: str) -> Optional[str]:
    return (form.get(name) or "").strip() or None


def _option(form: Mapping[str, Any], name: str, choices: type[Choice]) -> Optional[Choice]:
    try:
        return choices(form.get(name) or "")
    except ValueError:
        return None


# --- Intake -------------------------------------------------------------------------------


def person_details(form: Mapping[str, Any]) -> matching.Details:
    """What the form says about the person, leniently: for matching as the coordinator types."""
    number = None
    if nhs_number.looks_like(form.get("nhs_number", "")):
        try:
            number = nhs_number.normalise(form["nhs_number"])
        except nhs_number.InvalidNHSNumber:
            number = None
    unreadable: dict[str, str] = {}
    born = fields.date_parts(form, "dob", "date of birth", unreadable)
    return matching.Details(
        nhs_number=number,
        given_name=(form.get("given_name") or "")[:80],
        family_name=(form.get("family_name") or "")[:80],
        date_of_birth=born if not unreadable else None,
        postcode=(form.get("postcode") or "")[:10],
    )


def intake_referral(form: Mapping[str, Any]) -> tuple[intake.ReceiveReferral, dict[str, str]]:
    """The intake form as a command, and the dates it could not read (by form field id). The
    discharge details are read only for a referral from hospital; a new record's details only
    when the coordinator chose to create one."""
    errors: dict[str, str] = {}
    source = _option(form, "source", ReferralSource)
    from_hospital = source is ReferralSource.hospital_discharge
    choice = (form.get("person_choice") or "").strip()
    new_person = _new_person(form, errors) if choice == NEW_PERSON else None
    command = intake.ReceiveReferral(
        source=source,
        referrer_name=_text(form, "referrer_name"),
        referrer_agency=_text(form, "referrer_agency"),
        referrer_contact=_text(form, "referrer_contact"),
        reason=_text(form, "reason"),
        presenting_needs=_text(form, "presenting_needs"),
        requested_urgency=_option(form, "requested_urgency", Urgency),
        ward=_text(form, "ward") if from_hospital else None,
        expected_discharge_on=(
            fields.date_parts(form, "expected_discharge", "the expected discharge date", errors) if from_hospital else None
        ),
        medically_optimised_on=(
            fields.date_parts(form, "medically_optimised", "the date the person was medically optimised for discharge", errors)
            if from_hospital
            else None
        ),
        person_id=fields.record_id(choice) if new_person is None else None,
        new_person=new_person,
        received_via=intake.BY_FORM,
    )
    return command, errors


def _new_person(form: Mapping[str, Any], errors: dict[str, str]) -> intake.NewPerson:
    return intake.NewPerson(
        nhs_number=_text(form, "nhs_number"),
        given_name=_text(form, "given_name"),
        family_name=_text(form, "family_name"),
        date_of_birth=fields.date_parts(form, "dob", "the person's date of birth", errors),
        address_line_1=_text(form, "address_line_1"),
        town=_text(form, "town"),
        postcode=_text(form, "postcode"),
        phone=_text(form, "phone"),
        gp_practice_id=fields.record_id(form.get("gp_practice_id")),
        nhs_number_not_known=form.get("nhs_number_not_known") == "yes",
    )


def intake_errors(command_errors: Mapping[str, str], unread: Mapping[str, str]) -> dict[str, str]:
    """The intake's messages by the form's field ids, with a date the form could not read saying so
    in place of the intake's message for it, in the order the fields are checked."""
    unread_fields = {_field(key) for key in unread}
    merged = {key: message for key, message in fields.on_form(command_errors, INTAKE_FIELD_IDS).items() if _field(key) not in unread_fields}
    merged.update(unread)
    place = {name: index for index, name in enumerate(INTAKE_ORDER)}
    return dict(sorted(merged.items(), key=lambda item: place.get(_field(item[0]), len(place))))


def _field(field_id: str) -> str:
    """The field a box belongs to: `dob` for `dob-month`."""
    return field_id.split("-", 1)[0]


# --- Triage -------------------------------------------------------------------------------


def triage_referral(form: Mapping[str, Any]) -> tuple[triage.TriageReferral, dict[str, str]]:
    """The triage form as a command. Everything on it can be read (a choice that is not one of the
    options is read as not chosen), so there are no errors of its own to report."""
    command = triage.TriageReferral(
        urgency=_option(form, "urgency", Urgency),
        decision=_option(form, "decision", TriageDecision),
        decision_note=_text(form, "decision_note"),
        network_id=fields.record_id(form.get("network_id")),
        key_worker_id=fields.record_id(form.get("key_worker_id")),
        signposted_to=_text(form, "signposted_to"),
        decline_reason=_text(form, "decline_reason"),
        redirect_network_id=fields.record_id(form.get("redirect_network_id")),
        redirect_reason=_text(form, "redirect_reason"),
    )
    return command, {}


# --- The queue ----------------------------------------------------------------------------


def queue_filters(args: Mapping[str, Any]) -> triage.QueueFilters:
    """The queue's filters from the query string; anything unknown is ignored rather than an error."""
    status = args.get("status") or "awaiting"
    return triage.QueueFilters(
        status=status if status in QUEUE_STATUSES else "awaiting",
        urgency=_option(args, "urgency", Urgency),
        source=_option(args, "source", ReferralSource),
        network_id=fields.record_id(args.get("network")),
    )
