"""A FHIR R4 ServiceRequest, read into the intake's command and written back from a referral.

The resource is checked with the `fhir.resources` models (R4B, wire-compatible with R4 for these
resources), then turned into the same `ReceiveReferral` command the intake form makes, so the
intake's rules (required fields, lengths, a valid and unused NHS number or none when it is not
known, a real postcode, a GP practice that is one...) hold for both ways in. What cannot be turned into a command at all is a
`Problem`; what the command breaks comes back from the intake by field name, and `EXPRESSIONS`
says where that field is in the resource.
"""

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, Optional
from urllib.parse import parse_qs

from fhir.resources.R4B.servicerequest import ServiceRequest
from pydantic import ValidationError
from sqlmodel import Session, col, select

from app import db
from app.api import resources
from app.api.responses import FHIR_JSON, issue
from app.front_door import intake, matching, nhs_number
from app.trust import audit
from models import Agency, AgencyKind, Person, Referral, ReferralIdentifier, ReferralSource, ReferralStatus, Urgency, User
from models.person import format_nhs_number

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
SOURCE_SYSTEM = "https://oneplan.example.nhs.uk/fhir/CodeSystem/referral-source"
# A supported-discharge referral's two dates (category hospital_discharge, the ward as locationCode.text):
# each an extension with a valueDate, on the ServiceRequest itself. (occurrence[x] is already our
# response due time, so neither date can go there.)
EXPECTED_DISCHARGE_URL = "https://oneplan.example.nhs.uk/fhir/StructureDefinition/expected-discharge-date"
DISCHARGE_READY_URL = "https://oneplan.example.nhs.uk/fhir/StructureDefinition/discharge-ready-date"
PRIORITY = {"stat": Urgency.urgent, "asap": Urgency.two_day, "urgent": Urgency.two_day, "routine": Urgency.routine}
MAX_DEPTH = 64  # JSON nesting: a ServiceRequest with a contained Patient and extensions needs about 10
URGENCY_PRIORITY = {Urgency.urgent: "stat", Urgency.two_day: "urgent", Urgency.routine: "routine"}
SOURCE_BY_AGENCY = {
    AgencyKind.gp_practice: ReferralSource.gp,
    AgencyKind.social_care: ReferralSource.social_care,
    AgencyKind.community_nursing: ReferralSource.community_health,
    AgencyKind.therapy: ReferralSource.community_health,
    AgencyKind.community_matron: ReferralSource.community_health,
    AgencyKind.mental_health: ReferralSource.mental_health,
    AgencyKind.voluntary: ReferralSource.voluntary,
}
STATUS = {
    ReferralStatus.received: "active",
    ReferralStatus.triaged: "active",
    ReferralStatus.accepted: "active",
    ReferralStatus.signposted: "completed",
    ReferralStatus.declined: "revoked",
    ReferralStatus.redirected: "active",
    ReferralStatus.closed: "completed",
}

# Where each of the intake command's fields comes from in the resource (for OperationOutcome.issue.expression).
EXPRESSIONS = {
    "reason": "ServiceRequest.reasonCode",
    "referrer_name": "ServiceRequest.requester.display",
    "requested_urgency": "ServiceRequest.priority",
    "source": "ServiceRequest.category",
    "ward": "ServiceRequest.locationCode",
    "expected_discharge_on": f"ServiceRequest.extension('{EXPECTED_DISCHARGE_URL}')",
    "medically_optimised_on": f"ServiceRequest.extension('{DISCHARGE_READY_URL}')",
    "nhs_number": "ServiceRequest.subject.identifier",
    "person_id": "ServiceRequest.subject",
    "given_name": "Patient.name",
    "family_name": "Patient.name",
    "date_of_birth": "Patient.birthDate",
    "postcode": "Patient.address.postalCode",
    "address_line_1": "Patient.address.line",
    "town": "Patient.address.city",
    "gp_practice_id": "Patient.generalPractitioner",
}


class Problem(Exception):
    """A request the API cannot use: its HTTP status and OperationOutcome issues."""

    def __init__(
        self,
        status: int,
        code: str,
        diagnostics: str,
        expression: Optional[str] = None,
        *,
        more: Any = (),
        headers: Optional[dict[str, str]] = None,
    ):
        super().__init__(diagnostics)
        self.status = status
        self.headers = headers or {}
        self.issues = [issue(code, diagnostics, expression), *more]


def refused(errors: dict[str, str]) -> Problem:
    """The intake's errors (by command field) as a 422 naming each field in the resource."""
    return Problem(
        422,
        "invariant",
        "The referral could not be taken: " + "; ".join(errors.values()),
        more=[issue("invariant", message, EXPRESSIONS.get(name)) for name, message in errors.items()],
    )


# --- Reading the request ----------------------------------------------------------------


def parse(body: str, mimetype: str) -> ServiceRequest:
    """The body as a valid ServiceRequest, or a Problem saying what is wrong with it."""
    if mimetype not in (FHIR_JSON, "application/json"):
        raise Problem(415, "not-supported", "Send the ServiceRequest as JSON (Content-Type: application/fhir+json).")
    too_deep = Problem(400, "structure", f"The body nests deeper than {MAX_DEPTH} levels; a ServiceRequest needs far fewer.")
    try:
        data = json.loads(body or "null")
    except ValueError as error:
        raise Problem(400, "structure", f"The body is not valid JSON: {error}.") from None
    except RecursionError:  # deeper than the parser's own stack
        raise too_deep from None
    if _depth(data) > MAX_DEPTH:
        raise too_deep
    if "\x00" in json.dumps(data, ensure_ascii=False):
        raise Problem(400, "structure", "The body contains a NUL character, which OnePlan cannot store.")
    if not isinstance(data, dict):
        raise Problem(400, "structure", "The body must be a JSON object: a FHIR ServiceRequest resource.")
    if data.get("resourceType") != "ServiceRequest":
        raise Problem(400, "structure", f"Expected a ServiceRequest resource, not {data.get('resourceType')!r}.", "resourceType")
    _check_bindings(data)
    try:
        return ServiceRequest.model_validate(data)
    except ValidationError as error:
        issues = [
            issue(
                "structure" if item["type"] == "extra_forbidden" else "value",
                f"{'.'.join(str(p) for p in item['loc']) or 'ServiceRequest'}: {item['msg']}",
                "ServiceRequest." + ".".join(str(p) for p in item["loc"]) if item["loc"] else None,
            )
            for item in error.errors()
        ]
        first = issues[0]
        raise Problem(
            422,
            first["code"],
            "The ServiceRequest is not valid FHIR: " + first["diagnostics"],
            (first.get("expression") or [None])[0],
            more=issues[1:],
        ) from None


# Required bindings the models do not enforce: each element's codes (ValueSets request-status,
# request-intent, request-priority).
REQUIRED_BINDINGS = {
    "status": ("http://hl7.org/fhir/request-status", {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}),
    "intent": (
        "http://hl7.org/fhir/request-intent",
        {"proposal", "plan", "directive", "order", "original-order", "reflex-order", "filler-order", "instance-order", "option"},
    ),
    "priority": ("http://hl7.org/fhir/request-priority", {"routine", "urgent", "asap", "stat"}),
}


def _check_bindings(data: dict[str, Any]) -> None:
    """A code outside a required binding is a 422 naming the element and the codes it takes."""
    for element, (value_set, codes) in REQUIRED_BINDINGS.items():
        value = data.get(element)
        if value is not None and value not in codes:
            raise Problem(
                422,
                "code-invalid",
                f"{element} {value!r} is not in {value_set}: use one of {', '.join(sorted(codes))}.",
                f"ServiceRequest.{element}",
            )


def _depth(data: Any) -> int:
    """How deep JSON nests, counted without recursion (so a hostile body cannot exhaust the stack)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _text(value: Optional[str]) -> Optional[str]:
    return (value or "").strip() or None


def command(session: Session, resource: ServiceRequest, sender: User) -> intake.ReceiveReferral:
    """The intake's command from the resource: the person by NHS number (an existing record, or a
    new one from a contained Patient), or without one by the contained Patient's details (matched),
    the reasons and notes, the referrer and their organisation
    (the sender's agency), and the source (a category coding, else the kind of the sender's agency)."""
    if resource.status != "active":
        raise Problem(422, "value", f"Only an active referral can be taken (status was {resource.status!r}).", "ServiceRequest.status")
    if resource.priority not in PRIORITY:
        raise Problem(
            422,
            "value",
            "priority must be one of stat (2-hour urgent community response), urgent or asap (within 2 days) or routine.",
            "ServiceRequest.priority",
        ) from None
    number, patient = _subject(resource)
    person_id, new_person = None, None
    if number is None:  # not known: the contained Patient's details, matched as the intake form matches them
        new_person = _new_person(session, patient, None)
    else:
        person_id = session.exec(select(Person.id).where(Person.nhs_number == number)).first()
    if person_id is None and new_person is None:
        if patient is None:
            raise Problem(
                422,
                "not-found",
                f"No record has NHS number {format_nhs_number(number)}. Include the person's details "
                "as a contained Patient (name, birthDate, address, generalPractitioner) to create one.",
                "ServiceRequest.subject",
            ) from None
        new_person = _new_person(session, patient, number)

    reasons = [c.text or next((code.display for code in (c.coding or []) if code.display), None) for c in (resource.reasonCode or [])]
    notes = [note.text for note in (resource.note or []) if note.text]
    if resource.code is not None and resource.code.text:
        notes.insert(0, resource.code.text)
    agency = session.get(Agency, sender.agency_id)
    source = _source(resource, agency)
    from_hospital = source is ReferralSource.hospital_discharge
    taken = intake.ReceiveReferral(
        source=source,
        referrer_name=_text(resource.requester.display if resource.requester else None),
        referrer_agency=_text(agency.name if agency else None),
        reason=_text("; ".join(r for r in reasons if r)),
        presenting_needs=_text("\n".join(notes)),
        requested_urgency=PRIORITY[resource.priority],
        ward=_text(next((loc.text for loc in (resource.locationCode or []) if loc.text), None)) if from_hospital else None,
        expected_discharge_on=_date_extension(resource, EXPECTED_DISCHARGE_URL) if from_hospital else None,
        medically_optimised_on=_date_extension(resource, DISCHARGE_READY_URL) if from_hospital else None,
        person_id=person_id,
        new_person=new_person,
        received_via=intake.BY_FHIR,
    )
    if new_person is not None and new_person.without_number:
        return _matched(session, taken, sender)
    return taken


def _matched(session: Session, taken: intake.ReceiveReferral, sender: User) -> intake.ReceiveReferral:
    """A referral for someone whose NHS number is not known: for the one record that is likely
    theirs, else for a new record without a number. Its details are checked first, as for a new
    record, so what is wrong with them is refused whether or not a record matches; two or more
    likely records are a 422 (which one is the sender's to say, by NHS number), changing nothing."""
    errors = intake.check(session, taken)
    if errors:
        raise refused(errors)
    details = taken.new_person
    assert details is not None  # a referral for someone without a number names them
    wanted = matching.Details(
        given_name=details.given_name or "",
        family_name=details.family_name or "",
        date_of_birth=details.date_of_birth,
        postcode=details.postcode or "",
    )
    found = matching.candidates(session, wanted)
    audit.record(session, "match_people", user=sender, detail=f"{len(found)} candidates")
    likely = [candidate for candidate in found if matching.is_likely(candidate, wanted)]
    if len(likely) > 1:
        raise Problem(
            422,
            "multiple-matches",
            f"{len(likely)} records match the contained Patient's name, birth date and postcode, and without "
            "an NHS number OnePlan cannot tell which one this referral is for: give the NHS number "
            f"(an identifier with system {NHS_NUMBER_SYSTEM}).",
            "ServiceRequest.subject",
        )
    if likely:
        return replace(taken, person_id=likely[0].person_id, new_person=None)
    return taken


def _date_extension(resource: ServiceRequest, url: str) -> Optional[date]:
    """The valueDate of the resource's extension with this url (None without one); a second one, or
    one that is not a full date, is a 422 naming the extension."""
    found = [e for e in resource.extension or [] if e.url == url]
    if not found:
        return None
    where = f"ServiceRequest.extension('{url}')"
    if len(found) > 1:
        raise Problem(422, "value", f"Give the extension {url} once.", where)
    value = found[0].valueDate
    if not isinstance(value, date):  # absent, or a year or year-month only
        raise Problem(422, "value", f"The extension {url} needs a valueDate with its day (YYYY-MM-DD).", where)
    return value


def _subject(resource: ServiceRequest) -> tuple[Optional[str], Any]:
    """The NHS number from subject.identifier or from the contained Patient the subject refers to,
    and that Patient. A contained Patient without an NHS-number identifier is someone whose number
    is not known (UK Core: the identifier is left out, never sent empty): (None, the Patient)."""
    subject = resource.subject
    patient: Any = None  # a contained Patient: fhir.resources types `contained` as plain Resources
    identifier = subject.identifier if subject.identifier and subject.identifier.system == NHS_NUMBER_SYSTEM else None
    where = "ServiceRequest.subject.identifier"
    if subject.reference and subject.reference.startswith("#"):
        wanted = subject.reference[1:]
        patient = next((c for c in (resource.contained or []) if c.get_resource_type() == "Patient" and c.id == wanted), None)
        if patient is None:
            raise Problem(422, "invalid", f"subject refers to #{wanted}, which is not a contained Patient.", "ServiceRequest.subject")
        numbers = [i for i in (patient.identifier or []) if i.system == NHS_NUMBER_SYSTEM]
        if len(numbers) > 1:
            raise Problem(422, "value", "Give the Patient one NHS number (one identifier with its system).", "Patient.identifier")
        if numbers:
            identifier, where = numbers[0], "Patient.identifier"
        elif identifier is None:
            return None, patient
    elif identifier is None:
        raise Problem(
            422,
            "required",
            f"Name the person by NHS number (subject.identifier with system {NHS_NUMBER_SYSTEM}) or, when "
            "it is not known, by a contained Patient (subject.reference #<id>) with name, birthDate, "
            "address and generalPractitioner and no NHS-number identifier.",
            where,
        ) from None
    if not identifier.value:
        raise Problem(
            422,
            "required",
            "An NHS-number identifier needs its value; when the number is not known, leave the identifier out.",
            f"{where}.value",
        )
    said = subject.identifier.value if subject.identifier and subject.identifier.system == NHS_NUMBER_SYSTEM else None
    if said and _digits(said) != _digits(identifier.value):
        raise Problem(
            422,
            "invalid",
            "subject.identifier and the contained Patient give different NHS numbers.",
            "ServiceRequest.subject.identifier",
        )
    try:
        return nhs_number.normalise(identifier.value), patient
    except nhs_number.InvalidNHSNumber as problem:
        raise Problem(422, "value", f"NHS number {identifier.value!r}: {problem}", f"{where}.value") from None


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _new_person(session: Session, patient: Any, number: Optional[str]) -> intake.NewPerson:
    """A new record's details from the contained Patient (its NHS number None when not known); its
    GP practice is named by ODS code, `Organization/<id>` or `display`."""
    name = (patient.name or [None])[0]
    address = (patient.address or [None])[0]
    born = patient.birthDate
    if born is not None and not isinstance(born, date):
        raise Problem(422, "value", f"birthDate {born!r} must be a full date (YYYY-MM-DD) to create a record.", "Patient.birthDate")
    practice = None
    for reference in patient.generalPractitioner or []:
        practice = practice or resources.gp_practice(session, reference)  # by ODS code, Organization/<id> or name
    return intake.NewPerson(
        nhs_number=number,
        given_name=_text(" ".join(name.given or []) if name else None),
        family_name=_text(name.family if name else None),
        date_of_birth=born,
        address_line_1=_text((address.line or [None])[0] if address else None),
        town=_text(address.city if address else None),
        postcode=_text(address.postalCode if address else None),
        gp_practice_id=practice.id if practice else None,
        nhs_number_not_known=number is None,
    )


def _source(resource: ServiceRequest, agency: Optional[Agency]) -> ReferralSource:
    for concept in resource.category or []:
        for coding in concept.coding or []:
            if coding.system == SOURCE_SYSTEM:
                try:
                    return ReferralSource(coding.code or "")  # a coding without a code is an unknown source too
                except ValueError:
                    raise Problem(
                        422,
                        "code-invalid",
                        f"Unknown referral source {coding.code!r}; use one of " + ", ".join(s.value for s in ReferralSource) + ".",
                        "ServiceRequest.category",
                    ) from None
    return SOURCE_BY_AGENCY.get(agency.kind, ReferralSource.other) if agency else ReferralSource.other


# --- Writing the response -----------------------------------------------------------------


# What is kept of a ServiceRequest as sent, and returned as sent.
KEPT = ("identifier", "intent", "category", "code", "reasonCode", "performer", "requester", "locationCode")


def keep(session: Session, referral: Referral, sent: ServiceRequest) -> bool:
    """Keep what was sent with the referral: its coded elements, its profiles and its identifiers
    (unique per system). False if an identifier is already another referral's (a concurrent retry)."""
    data = sent.model_dump(mode="json", exclude_none=True)
    kept = {name: data[name] for name in KEPT if name in data}
    profiles = (data.get("meta") or {}).get("profile")
    if profiles:
        kept["profile"] = profiles
    referral.sent_as = kept
    session.add(referral)
    session.flush()
    for identifier in sent.identifier or []:
        if identifier.system and identifier.value:
            values = {"referral_id": referral.id, "system": identifier.system[:200], "value": identifier.value[:200]}
            if db.insert_once(session, ReferralIdentifier, values, unique=["system", "value"]) is None:
                return False
    return True


def condition_identifier(condition: str) -> tuple[str, str]:
    """The identifier an If-None-Exist condition names (identifier=system|value, the one search it takes)."""
    query = parse_qs(condition, keep_blank_values=True)
    if set(query) != {"identifier"} or len(query["identifier"]) != 1:
        raise Problem(400, "not-supported", "If-None-Exist takes one search parameter: identifier=<system>|<value>.")
    system, bar, value = query["identifier"][0].partition("|")
    if not bar or not system or not value:
        raise Problem(400, "invalid", "If-None-Exist must give identifier=<system>|<value>, with both.")
    return system, value


def carries(sent: ServiceRequest, condition: str) -> None:
    """A conditional create must carry the identifier its condition names, or a retry could never find it."""
    system, value = condition_identifier(condition)
    if not any(i.system == system and i.value == value for i in sent.identifier or []):
        raise Problem(
            400,
            "invalid",
            f"If-None-Exist names identifier {system}|{value}, which the ServiceRequest does not carry.",
            "ServiceRequest.identifier",
        )


def existing(session: Session, condition: str) -> Optional[Referral]:
    """The referral an If-None-Exist condition (identifier=system|value) finds, if one was sent."""
    system, value = condition_identifier(condition)
    return session.exec(
        select(Referral)
        .join(ReferralIdentifier, col(ReferralIdentifier.referral_id) == Referral.id)
        .where(ReferralIdentifier.system == system, ReferralIdentifier.value == value)
    ).first()


def as_resource(session: Session, referral: Referral, *, show_link: bool = True) -> dict[str, Any]:
    """The referral as a ServiceRequest (checked to be valid FHIR before it is sent), with what the
    sender sent returned as sent. Without `show_link`, the open referral it joined is left out (the
    caller may not be told about it)."""
    person = session.get(Person, referral.person_id)
    assert person is not None
    sent = referral.sent_as or {}
    ours = {"system": SOURCE_SYSTEM, "code": referral.source.value, "display": referral.source.label}
    categories = [c for c in sent.get("category", []) if not any(coding.get("system") == SOURCE_SYSTEM for coding in c.get("coding", []))]
    requester = dict(sent.get("requester") or {})
    requester.setdefault("display", referral.referrer_name)
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": str(referral.id),
        "meta": {
            "versionId": str(referral.version),
            "lastUpdated": _instant(
                max(m for m in (referral.received_at, referral.triaged_at, referral.decided_at, referral.closed_at) if m)
            ),
            "profile": sorted({resources.PROFILES["ServiceRequest"], *sent.get("profile", [])}),
        },
        "identifier": sent.get("identifier"),
        "status": STATUS[referral.status],
        "intent": sent.get("intent", "order"),
        "category": [*categories, {"coding": [ours]}],
        "priority": URGENCY_PRIORITY[referral.urgency],
        "code": sent.get("code"),
        "subject": {
            "reference": f"Patient/{person.id}",
            **({"identifier": {"system": NHS_NUMBER_SYSTEM, "value": person.nhs_number}} if person.nhs_number else {}),
        },
        "occurrenceDateTime": _instant(referral.due_by),
        "authoredOn": _instant(referral.received_at),
        "requester": requester,
        "performer": sent.get("performer"),
        "locationCode": sent.get("locationCode"),
        "reasonCode": sent.get("reasonCode") or [{"text": referral.reason}],
    }
    extensions = [
        {"url": url, "valueDate": day.isoformat()}
        for url, day in ((EXPECTED_DISCHARGE_URL, referral.expected_discharge_on), (DISCHARGE_READY_URL, referral.medically_optimised_on))
        if day is not None
    ]
    if extensions:
        resource["extension"] = extensions
    if referral.presenting_needs:
        resource["note"] = [{"text": referral.presenting_needs}]
    if referral.linked_to_id and show_link:
        resource["basedOn"] = [{"reference": f"ServiceRequest/{referral.linked_to_id}", "display": "Joined to this person's open referral"}]
    resource = {name: value for name, value in resource.items() if value is not None}
    ServiceRequest.model_validate(resource)  # what we send is valid too
    return resource


def _instant(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")
