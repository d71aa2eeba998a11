"""An outside client of the FHIR API, for tests: it speaks HTTP only (through the test client), and
every response it gets is checked twice before a test sees it: parsed by the `fhir.resources` R4B
model of its resourceType (0 errors), and then against the required bindings and cardinalities
that the models let through (a status outside its ValueSet, a searchset without total...).
The second check is written from the FHIR R4 specification, not from OnePlan's code."""

import json
from typing import Any, Optional

from fhir.resources.R4B import get_fhir_model_class

FHIR_JSON = "application/fhir+json"

# Required bindings (element -> the ValueSet's codes), by resource type, from the R4 specification.
REQUEST_STATUS = {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}
REQUEST_INTENT = {"proposal", "plan", "directive", "order", "original-order", "reflex-order", "filler-order", "instance-order", "option"}
BINDINGS: dict[str, dict[str, set[str]]] = {
    "ServiceRequest": {"status": REQUEST_STATUS, "intent": REQUEST_INTENT, "priority": {"routine", "urgent", "asap", "stat"}},
    "Task": {
        "status": {
            "draft",
            "requested",
            "received",
            "accepted",
            "rejected",
            "ready",
            "cancelled",
            "in-progress",
            "on-hold",
            "failed",
            "completed",
            "entered-in-error",
        },
        "intent": {"unknown", "proposal", "plan", "order", "original-order", "reflex-order", "filler-order", "instance-order", "option"},
    },
    "CarePlan": {
        "status": {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"},
        "intent": {"proposal", "plan", "order", "option"},
    },
    "Goal": {
        "lifecycleStatus": {
            "proposed",
            "planned",
            "accepted",
            "active",
            "on-hold",
            "completed",
            "cancelled",
            "entered-in-error",
            "rejected",
        }
    },
    "CareTeam": {"status": {"proposed", "active", "suspended", "inactive", "entered-in-error"}},
    "Bundle": {
        "type": {
            "document",
            "message",
            "transaction",
            "transaction-response",
            "batch",
            "batch-response",
            "history",
            "searchset",
            "collection",
        }
    },
    "CapabilityStatement": {"status": {"draft", "active", "retired", "unknown"}, "kind": {"instance", "capability", "requirements"}},
}
# Elements that must be there (1..1 or 1..*), by resource type.
REQUIRED: dict[str, tuple[str, ...]] = {
    "ServiceRequest": ("status", "intent", "subject"),
    "Task": ("status", "intent"),
    "CarePlan": ("status", "intent", "subject"),
    "Goal": ("lifecycleStatus", "description", "subject"),
    "OperationOutcome": ("issue",),
    "Bundle": ("type",),
    "CapabilityStatement": ("status", "date", "kind", "fhirVersion", "format"),
}
ISSUE_SEVERITY = {"fatal", "error", "warning", "information"}


def check_resource(body: dict[str, Any], where: str = "") -> None:
    """Both checks on one resource (and each resource a Bundle holds)."""
    kind = body.get("resourceType")
    assert isinstance(kind, str), f"{where}: no resourceType"
    get_fhir_model_class(kind).model_validate(body)
    # Patient.identifier is 0..* (base and UK Core): a person whose NHS number is not known has
    # none, and the element is then left out, never an empty list.
    if kind == "Patient":
        assert body.get("identifier") != [], f"{where}Patient.identifier is an empty list"
    for element in REQUIRED.get(kind, ()):
        assert body.get(element) not in (None, [], ""), f"{where}{kind}.{element} is required"
    for element, codes in BINDINGS.get(kind, {}).items():
        if element in body:
            assert body[element] in codes, f"{where}{kind}.{element} {body[element]!r} is outside its required binding"
    if kind == "OperationOutcome":
        for found in body["issue"]:
            assert found["severity"] in ISSUE_SEVERITY and found.get("code"), f"{where}OperationOutcome.issue {found}"
    if kind == "Bundle":
        if body["type"] in ("searchset", "history"):
            assert isinstance(body.get("total"), int), f"{where}a {body['type']} Bundle carries total"
        for index, entry in enumerate(body.get("entry", [])):
            check_resource(entry["resource"], f"{where}Bundle.entry[{index}].")
    for index, contained in enumerate(body.get("contained", [])):
        check_resource(contained, f"{where}{kind}.contained[{index}].")
    meta = body.get("meta") or {}
    if kind not in ("Bundle", "OperationOutcome", "CapabilityStatement"):
        assert meta.get("versionId"), f"{where}{kind} carries meta.versionId"


class FhirClient:
    """Calls the API as one system with one bearer token; every answer is checked (see above)."""

    def __init__(self, client, token: Optional[str]):
        self.client = client
        self.token = token

    def _headers(self, extra: Optional[dict[str, str]]) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def request(self, method: str, path: str, body: Any = None, headers: Optional[dict[str, str]] = None, **kwargs):
        data = None if body is None else body if isinstance(body, (str, bytes)) else json.dumps(body)
        response = self.client.open(
            path,
            method=method,
            data=data,
            headers=self._headers(headers),
            content_type=FHIR_JSON if data is not None else None,
            **kwargs,
        )
        if response.status_code != 304 and response.get_data():
            assert response.mimetype == FHIR_JSON, (path, response.status_code, response.mimetype)
            check_resource(json.loads(response.get_data(as_text=True)))
        return response

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any, **kwargs):
        return self.request("POST", path, body, **kwargs)

    def put(self, path: str, body: Any, **kwargs):
        return self.request("PUT", path, body, **kwargs)


def body(response) -> dict[str, Any]:
    return json.loads(response.get_data(as_text=True))


def issues(response) -> list[dict[str, Any]]:
    found = body(response)
    assert found["resourceType"] == "OperationOutcome"
    return found["issue"]
