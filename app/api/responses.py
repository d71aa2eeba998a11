"""What the FHIR API answers: resources as application/fhir+json with their version in a weak ETag,
and every failure as an OperationOutcome (the app's error handler sends anything under /fhir here)."""

import json
from typing import Any, Optional

from flask import current_app, request
from werkzeug.exceptions import HTTPException

FHIR_JSON = "application/fhir+json"
ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    412: "conflict",
    413: "too-costly",
    415: "not-supported",
    428: "required",
    429: "throttled",
}


def issue(code: str, diagnostics: str, expression: Optional[str] = None) -> dict[str, Any]:
    """One OperationOutcome issue: what is wrong and, where known, where."""
    found: dict[str, Any] = {"severity": "error", "code": code, "diagnostics": diagnostics}
    if expression:
        found["expression"] = [expression]
    return found


def fhir_json(body: dict[str, Any], status: int = 200, headers: Optional[dict[str, str]] = None):
    response = current_app.response_class(json.dumps(body), status=status, mimetype=FHIR_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def etag(version_id: object) -> str:
    return f'W/"{version_id}"'


def resource(body: dict[str, Any], status: int = 200, headers: Optional[dict[str, str]] = None):
    """One resource, with its version as a weak ETag (what a later If-Match must carry)."""
    meta = body.get("meta") or {}
    found = dict(headers or {})
    if "versionId" in meta:
        found["ETag"] = etag(meta["versionId"])
    return fhir_json(body, status, found)


def outcome(status: int, issues: list[dict], headers: Optional[dict] = None):
    return fhir_json({"resourceType": "OperationOutcome", "issue": issues}, status, headers)


def error_outcome(status: int, message: str, headers: Optional[dict] = None):
    """Any failure under /fhir (403, 404, 413, 500...) as an OperationOutcome."""
    return outcome(status, [issue(ISSUE_CODES.get(status, "exception"), message)], headers)


def http_error_outcome(error: HTTPException):
    """A routing or HTTP error under /fhir: an unknown address is a 404, a method the address does
    not serve a 405 with Allow naming those it does."""
    status = error.code or 500
    custom = error.description != type(error).description
    if status == 405:
        allowed = sorted(set(getattr(error, "valid_methods", None) or []) - {"OPTIONS"})
        return error_outcome(
            405,
            f"{request.method} is not supported at {request.path}; it answers {', '.join(allowed)}.",
            {"Allow": ", ".join(allowed)},
        )
    if status == 404 and not custom:
        return error_outcome(404, f"There is nothing at {request.path}: see /fhir/metadata for what this server serves.")
    return error_outcome(status, error.description or "The request could not be used.")
