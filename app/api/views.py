"""The FHIR R4 API: referrals in as ServiceRequest, behind bearer tokens and the same access rules.

A ServiceRequest names the person by NHS number; it is checked with the `fhir.resources`
models (R4B, wire-compatible with R4 for these resources) and then goes through exactly the
same intake as the single point of access form, so a referral for someone with an open one
joins it, and a second record for an NHS number can never be made. Anything wrong is a 4xx
with an OperationOutcome that says what and where.
"""
import json
from datetime import datetime, timezone
from typing import Optional

from fhir.resources.R4B.servicerequest import ServiceRequest
from flask import Blueprint, current_app, g, request, url_for
from pydantic import ValidationError
from sqlmodel import select

from app.trust import access
from app.trust import api_tokens
from app.trust import audit
from app.front_door import intake
from app.front_door import nhs_number
from app.web import guard
from app.web.protection import csrf
from app.db import get_session
from models.person import format_nhs_number
from models import Agency, AgencyKind, AuditOutcome, Person, Referral, ReferralSource, ReferralStatus, Urgency

bp = Blueprint("fhir", __name__, url_prefix="/fhir")
csrf.exempt(bp)  # no browser session and no cookies: the bearer token is the credential

FHIR_JSON = "application/fhir+json"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
SOURCE_SYSTEM = "https://oneplan.example.nhs.uk/fhir/CodeSystem/referral-source"
PRIORITY = {"stat": Urgency.urgent, "asap": Urgency.two_day, "urgent": Urgency.two_day, "routine": Urgency.routine}
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
STATUS = {ReferralStatus.received: "active", ReferralStatus.triaged: "active", ReferralStatus.accepted: "active",
          ReferralStatus.signposted: "completed", ReferralStatus.declined: "revoked", ReferralStatus.redirected: "active",
          ReferralStatus.closed: "completed"}


class Problem(Exception):
    """A request the API cannot use: its HTTP status and OperationOutcome issues."""

    def __init__(self, status: int, code: str, diagnostics: str, expression: Optional[str] = None, *, more=()):
        super().__init__(diagnostics)
        self.status = status
        self.issues = [_issue(code, diagnostics, expression), *more]


def _issue(code: str, diagnostics: str, expression: Optional[str] = None) -> dict:
    issue = {"severity": "error", "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = [expression]
    return issue


def outcome(status: int, issues: list[dict], headers: Optional[dict] = None):
    body = json.dumps({"resourceType": "OperationOutcome", "issue": issues})
    response = current_app.response_class(body, status=status, mimetype=FHIR_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error_outcome(status: int, message: str):
    """The app's error handler uses this for any failure under /fhir/ (403, 404, 413, 500...)."""
    code = {401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported", 413: "too-costly"}.get(status, "exception")
    return outcome(status, [_issue(code, message)])


@bp.before_request
def authenticate():
    """A bearer token, not a browser session, says who is calling."""
    g.user = None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    session = get_session()
    user = api_tokens.user_for(session, token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        audit.record(session, "fhir_sign_in", outcome=AuditOutcome.refused,
                     reason="missing bearer token" if not header else "unknown, expired or revoked bearer token",
                     detail=f"{request.method} {request.path}")
        message = "Send a bearer token issued to you (flask --app app issue-token)." if not header else \
            "The bearer token is not valid: it is unknown, expired or revoked."
        return outcome(401, [_issue("login", message)], {"WWW-Authenticate": 'Bearer realm="OnePlan FHIR API"'})
    g.user = user
    return None


@bp.errorhandler(Problem)
def problem(error: Problem):
    session = get_session()
    session.rollback()
    audit.record(session, "fhir_create_service_request", user=g.user, outcome=AuditOutcome.refused,
                 reason=error.issues[0]["diagnostics"][:500])
    return outcome(error.status, error.issues)


@bp.get("/metadata")
def metadata():
    """The CapabilityStatement: what this server does."""
    statement = {
        "resourceType": "CapabilityStatement", "status": "active", "kind": "instance", "fhirVersion": "4.0.1",
        "date": "2026-11-22", "format": ["json"],
        "implementation": {"description": "OnePlan (prototype, synthetic data only)", "url": url_for("fhir.metadata", _external=True)},
        "rest": [{
            "mode": "server",
            "security": {"description": "Bearer tokens issued to a user; the same access rules as the web pages."},
            "resource": [{"type": "ServiceRequest", "interaction": [{"code": "create"}, {"code": "read"}]}],
        }],
    }
    return current_app.response_class(json.dumps(statement), mimetype=FHIR_JSON)


@bp.post("/ServiceRequest")
def create_service_request():
    guard.require("submit_referral")
    resource = _parse_body()
    session = get_session()
    form = _referral_form(session, resource)
    result = intake.receive(session, form, g.user, via="FHIR API")
    if result.errors:
        raise Problem(422, "invariant", "The referral could not be taken: " + "; ".join(result.errors.values()),
                      more=[_issue("invariant", message, _FORM_TO_FHIR.get(key)) for key, message in result.errors.items()])
    referral = result.referral
    body = _as_service_request(session, referral)
    response = current_app.response_class(json.dumps(body), status=201, mimetype=FHIR_JSON)
    response.headers["Location"] = url_for("fhir.read_service_request", referral_id=referral.id, _external=True)
    return response


@bp.get("/ServiceRequest/<int:referral_id>")
def read_service_request(referral_id: int):
    session = get_session()
    referral = session.get(Referral, referral_id)
    if referral is None:
        return error_outcome(404, f"There is no ServiceRequest {referral_id}.")
    guard.person_for(referral.person_id, "fhir_read_service_request")
    return current_app.response_class(json.dumps(_as_service_request(session, referral)), mimetype=FHIR_JSON)


# --- Reading the request ----------------------------------------------------------------

_FORM_TO_FHIR = {
    "reason": "ServiceRequest.reasonCode", "referrer_name": "ServiceRequest.requester.display",
    "requested_urgency": "ServiceRequest.priority", "source": "ServiceRequest.category",
    "ward": "ServiceRequest.locationCode", "nhs_number": "ServiceRequest.subject.identifier",
    "person_choice": "ServiceRequest.subject", "given_name": "Patient.name", "family_name": "Patient.name",
    "dob": "Patient.birthDate", "postcode": "Patient.address.postalCode", "address_line_1": "Patient.address.line",
    "town": "Patient.address.city", "gp_practice_id": "Patient.generalPractitioner",
}


def _parse_body() -> ServiceRequest:
    if request.mimetype not in (FHIR_JSON, "application/json"):
        raise Problem(415, "not-supported", "Send the ServiceRequest as JSON (Content-Type: application/fhir+json).")
    try:
        data = json.loads(request.get_data(as_text=True) or "null")
    except (ValueError, UnicodeDecodeError) as error:
        raise Problem(400, "structure", f"The body is not valid JSON: {error}.")
    if "\x00" in json.dumps(data, ensure_ascii=False):
        raise Problem(400, "structure", "The body contains a NUL character, which OnePlan cannot store.")
    if not isinstance(data, dict):
        raise Problem(400, "structure", "The body must be a JSON object: a FHIR ServiceRequest resource.")
    if data.get("resourceType") != "ServiceRequest":
        raise Problem(400, "structure", f"Expected a ServiceRequest resource, not {data.get('resourceType')!r}.", "resourceType")
    try:
        return ServiceRequest.model_validate(data)
    except ValidationError as error:
        issues = [
            _issue("structure" if item["type"] == "extra_forbidden" else "value",
                   f"{'.'.join(str(p) for p in item['loc']) or 'ServiceRequest'}: {item['msg']}",
                   "ServiceRequest." + ".".join(str(p) for p in item["loc"]) if item["loc"] else None)
            for item in error.errors()
        ]
        first = issues[0]
        raise Problem(422, first["code"], "The ServiceRequest is not valid FHIR: " + first["diagnostics"],
                      (first.get("expression") or [None])[0], more=issues[1:])


def _referral_form(session, resource: ServiceRequest) -> dict:
    """The intake form's fields, from the resource; the intake validates them exactly as for the form."""
    if resource.status != "active":
        raise Problem(422, "value", f"Only an active referral can be taken (status was {resource.status!r}).", "ServiceRequest.status")
    if resource.priority not in PRIORITY:
        raise Problem(422, "value", "priority must be one of stat (2-hour urgent community response), urgent or asap "
                      "(within 2 days) or routine.", "ServiceRequest.priority")
    number, patient = _subject(resource)
    form: dict = {"requested_urgency": PRIORITY[resource.priority].value}

    person_id = session.exec(select(Person.id).where(Person.nhs_number == number)).first()
    if person_id is not None:
        form["person_choice"] = str(person_id)
    elif patient is not None:
        form.update(_new_person_fields(session, patient, number))
    else:
        raise Problem(422, "not-found", f"No record has NHS number {format_nhs_number(number)}. Include the person's details "
                      "as a contained Patient (name, birthDate, address, generalPractitioner) to create one.",
                      "ServiceRequest.subject")

    reasons = [c.text or next((code.display for code in (c.coding or []) if code.display), None) for c in (resource.reasonCode or [])]
    form["reason"] = "; ".join(r for r in reasons if r) or ""
    notes = [note.text for note in (resource.note or []) if note.text]
    if resource.code is not None and resource.code.text:
        notes.insert(0, resource.code.text)
    form["presenting_needs"] = "\n".join(notes)
    requester = resource.requester
    form["referrer_name"] = (requester.display if requester else None) or ""
    form["referrer_agency"] = _agency_name(session)
    form["source"] = _source(session, resource).value
    if form["source"] == ReferralSource.hospital_discharge.value:
        form["ward"] = next((loc.text for loc in (resource.locationCode or []) if loc.text), "")
    return form


def _subject(resource: ServiceRequest):
    """The NHS number from subject.identifier, or from the contained Patient the subject refers to."""
    subject = resource.subject
    patient = None
    identifier = subject.identifier
    if subject.reference and subject.reference.startswith("#"):
        wanted = subject.reference[1:]
        patient = next((c for c in (resource.contained or []) if c.get_resource_type() == "Patient" and c.id == wanted), None)
        if patient is None:
            raise Problem(422, "invalid", f"subject refers to #{wanted}, which is not a contained Patient.", "ServiceRequest.subject")
        identifier = next((i for i in (patient.identifier or []) if i.system == NHS_NUMBER_SYSTEM), None)
    if identifier is None or identifier.system != NHS_NUMBER_SYSTEM or not identifier.value:
        raise Problem(422, "required", f"Name the person by NHS number: subject.identifier with system {NHS_NUMBER_SYSTEM}.",
                      "ServiceRequest.subject.identifier")
    try:
        return nhs_number.normalise(identifier.value), patient
    except nhs_number.InvalidNHSNumber as problem:
        raise Problem(422, "value", f"NHS number {identifier.value!r}: {problem}", "ServiceRequest.subject.identifier.value")


def _new_person_fields(session, patient, number: str) -> dict:
    name = (patient.name or [None])[0]
    address = (patient.address or [None])[0]
    born = patient.birthDate
    practice = None
    for reference in patient.generalPractitioner or []:
        if reference.display:
            practice = session.exec(select(Agency).where(Agency.name == reference.display, Agency.kind == AgencyKind.gp_practice)).first()
    return {
        "person_choice": intake.NEW_PERSON, "nhs_number": number,
        "given_name": " ".join(name.given or []) if name else "", "family_name": (name.family or "") if name else "",
        "dob-day": str(born.day) if born else "", "dob-month": str(born.month) if born else "", "dob-year": str(born.year) if born else "",
        "address_line_1": ((address.line or [""])[0] if address else ""), "town": (address.city or "") if address else "",
        "postcode": (address.postalCode or "") if address else "",
        "gp_practice_id": str(practice.id) if practice else "",
    }


def _source(session, resource: ServiceRequest) -> ReferralSource:
    for concept in resource.category or []:
        for coding in concept.coding or []:
            if coding.system == SOURCE_SYSTEM:
                try:
                    return ReferralSource(coding.code)
                except ValueError:
                    raise Problem(422, "code-invalid", f"Unknown referral source {coding.code!r}; use one of "
                                  + ", ".join(s.value for s in ReferralSource) + ".", "ServiceRequest.category")
    agency = session.get(Agency, g.user.agency_id)
    return SOURCE_BY_AGENCY.get(agency.kind if agency else None, ReferralSource.other)


def _agency_name(session) -> str:
    agency = session.get(Agency, g.user.agency_id)
    return agency.name if agency else ""


# --- Writing the response -----------------------------------------------------------------

def _as_service_request(session, referral: Referral) -> dict:
    person = session.get(Person, referral.person_id)
    resource = {
        "resourceType": "ServiceRequest",
        "id": str(referral.id),
        "status": STATUS[referral.status],
        "intent": "order",
        "priority": URGENCY_PRIORITY[referral.urgency],
        "category": [{"coding": [{"system": SOURCE_SYSTEM, "code": referral.source.value, "display": referral.source.label}]}],
        "subject": {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": person.nhs_number}},
        "authoredOn": _instant(referral.received_at),
        "requester": {"display": referral.referrer_name},
        "reasonCode": [{"text": referral.reason}],
        "occurrenceDateTime": _instant(referral.due_by),
    }
    if referral.presenting_needs:
        resource["note"] = [{"text": referral.presenting_needs}]
    if referral.linked_to_id:
        resource["basedOn"] = [{"reference": f"ServiceRequest/{referral.linked_to_id}",
                                "display": "Joined to this person's open referral"}]
    ServiceRequest.model_validate(resource)  # what we send is valid too
    return resource


def _instant(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")
