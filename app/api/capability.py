"""What the FHIR API serves, declared once: the CapabilityStatement at /fhir/metadata is written
from this table, and tests/api check that every route under /fhir is in it and it names no route
that is not there."""

from dataclasses import dataclass
from typing import Any, Optional

from app.api.resources import PROFILES

SOFTWARE_VERSION = "0.13"
RELEASED = "2026-11-30"


@dataclass(frozen=True)
class Served:
    interactions: tuple[str, ...]
    search: tuple[tuple[str, str, str], ...] = ()  # name, type, what it finds
    conditional_create: bool = False
    versioning: str = "versioned"
    operations: tuple[str, ...] = ()
    documentation: str = ""


SERVED: dict[str, Served] = {
    "Patient": Served(
        ("read", "search-type"),
        (
            ("identifier", "token", "By NHS number: https://fhir.nhs.uk/Id/nhs-number|<10 digits>"),
            ("_id", "token", "By the record's id"),
        ),
    ),
    "Organization": Served(
        ("read", "search-type"),
        (
            ("identifier", "token", "By ODS code: https://fhir.nhs.uk/Id/ods-organization-code|<code>"),
            ("name", "string", "Agencies whose name starts with this"),
        ),
    ),
    "CareTeam": Served(("read", "search-type"), (("patient", "reference", "The person's care team (required)"),)),
    "CarePlan": Served(
        ("read", "vread", "history-instance", "search-type"),
        (("patient", "reference", "The person's shared care plan (required)"),),
    ),
    "Goal": Served(
        ("read", "vread", "history-instance", "create", "search-type"),
        (
            ("patient", "reference", "Goals in the person's plan (required)"),
            ("lifecycle-status", "token", "proposed, active, completed or cancelled"),
        ),
    ),
    "Task": Served(
        ("read", "vread", "history-instance", "create", "update", "search-type"),
        (
            ("patient", "reference", "Actions in the person's plan (patient or owner is required)"),
            ("status", "token", "requested, accepted, rejected, in-progress, completed or cancelled"),
            (
                "owner",
                "reference",
                "Organization/<id>: the agency the action is assigned to; without patient, your own agency's worklist across people",
            ),
        ),
    ),
    "ServiceRequest": Served(
        ("create", "read"),
        conditional_create=True,
        documentation=(
            "A referral into the single point of access. subject names the person by NHS number "
            "(identifier https://fhir.nhs.uk/Id/nhs-number), or refers to a contained Patient (#id) with name, "
            "birthDate, address and generalPractitioner: one with an NHS number the server has no record of makes "
            "a new record; one without an NHS-number identifier (the number is not known) is matched by name, "
            "birth date and postcode to the one record likely theirs, else makes a new record without a number "
            "(two likely records: 422 multiple-matches, send the number)."
        ),
    ),
    "Observation": Served(
        ("read", "search-type"),
        (
            ("patient", "reference", "Scored tools of the person's assessment (required)"),
            (
                "code",
                "token",
                "The tool's code: http://loinc.org|44261-6 (PHQ-9), http://snomed.info/sct|273302005 (Barthel Index), http://snomed.info/sct|445414007 (Clinical Frailty Scale)",
            ),
        ),
    ),
    "Consent": Served(("search-type",), (("patient", "reference", "The person's sharing decisions and objections (required)"),)),
    "AuditEvent": Served(
        ("search-type",), (("patient", "reference", "Who has looked at the person's record (required; key worker and network lead only)"),)
    ),
    "Questionnaire": Served(("read",), versioning="no-version"),
    "QuestionnaireResponse": Served(("search-type",), (("patient", "reference", "The person's single assessment (required)"),)),
    "Practitioner": Served(("read",)),
    "PractitionerRole": Served(("read",)),
}
# Operations served, by resource type: (name, definition).
OPERATIONS = {"Patient": (("everything", "http://hl7.org/fhir/OperationDefinition/Patient-everything"),)}
# Parameters every search takes besides its own.
PAGING = ("_count", "_offset", "_format")


def statement(base_url: str) -> dict[str, Any]:
    """The CapabilityStatement: exactly the resources, interactions and search parameters served."""
    resources = []
    for name, served in SERVED.items():
        entry: dict[str, Any] = {"type": name}
        profile: Optional[str] = PROFILES.get(name)
        if profile:
            entry["supportedProfile"] = [profile]
        entry["interaction"] = [{"code": code} for code in served.interactions]
        entry["versioning"] = served.versioning
        entry["readHistory"] = "vread" in served.interactions
        if "update" in served.interactions:
            entry["updateCreate"] = False
            entry["conditionalUpdate"] = False
        if "create" in served.interactions:
            entry["conditionalCreate"] = served.conditional_create
        if name in OPERATIONS:
            entry["operation"] = [{"name": n, "definition": d} for n, d in OPERATIONS[name]]
        if served.documentation:
            entry["documentation"] = served.documentation
        if served.search:
            entry["searchParam"] = [{"name": n, "type": t, "documentation": d} for n, t, d in served.search]
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": RELEASED,
        "publisher": "OnePlan (prototype, synthetic data only)",
        "kind": "instance",
        "software": {"name": "OnePlan", "version": SOFTWARE_VERSION, "releaseDate": RELEASED},
        "implementation": {"description": "OnePlan shared care record (prototype, synthetic data only)", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["json", "application/fhir+json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Reads follow OnePlan's access rules (the care team, objections; break-glass never by API). "
                    "A Task update (PUT) changes only its status (and statusReason): the action handshake; a Task that says different terms is refused. "
                    "Searches page by _count (at most 100) and _offset."
                ),
                "security": {
                    "cors": False,
                    "description": "A bearer token issued to a user (flask --app app issue-token); the same access rules as the web pages.",
                },
                "resource": resources,
            }
        ],
    }
