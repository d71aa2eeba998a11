"""The FHIR R4 API: referrals in as ServiceRequest, behind bearer tokens and the same access rules.

A ServiceRequest names the person by NHS number; it is read into the same command as the single
point of access form (app/api/service_request.py) and goes through the same intake, so a referral
for someone with an open one joins it, and a second record for an NHS number can never be made.
Anything wrong is a 4xx with an OperationOutcome that says what and where.
"""

import json
from typing import Optional

from flask import Blueprint, current_app, g, request

from app.api import service_request
from app.api.service_request import FHIR_JSON, Problem, issue
from app.front_door import intake
from app.transaction import get_session
from app.trust import access, api_tokens, audit
from app.web import guard
from app.web.protection import csrf
from models import AuditOutcome, Referral

bp = Blueprint("fhir", __name__, url_prefix="/fhir")
csrf.exempt(bp)  # no browser session and no cookies: the bearer token is the credential


def outcome(status: int, issues: list[dict], headers: Optional[dict] = None):
    body = json.dumps({"resourceType": "OperationOutcome", "issue": issues})
    response = current_app.response_class(body, status=status, mimetype=FHIR_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def base_url() -> str:
    """The API's own address, from configuration: FHIR_BASE_URL, or else PREFERRED_URL_SCHEME and
    SERVER_NAME (OnePlan's development address if that is unset). Never the request's Host header,
    which the caller chooses."""
    configured = (current_app.config.get("FHIR_BASE_URL") or "").strip().rstrip("/")
    if configured:
        return configured
    scheme = current_app.config.get("PREFERRED_URL_SCHEME") or "http"
    server = current_app.config.get("SERVER_NAME") or "127.0.0.1:5000"
    root = (current_app.config.get("APPLICATION_ROOT") or "/").rstrip("/")
    return f"{scheme}://{server}{root}{bp.url_prefix}"


def error_outcome(status: int, message: str):
    """The app's error handler uses this for any failure under /fhir/ (403, 404, 413, 500...)."""
    code = {401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported", 413: "too-costly", 429: "throttled"}.get(
        status, "exception"
    )
    return outcome(status, [issue(code, message)])


@bp.before_request
def authenticate():
    """A bearer token, not a browser session, says who is calling."""
    g.user = None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    session = get_session()
    user = api_tokens.user_for(session, token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        audit.record(
            session,
            "fhir_sign_in",
            outcome=AuditOutcome.refused,
            reason="missing bearer token"
            if not header
            else "unknown, expired or revoked bearer token, or its account locked or deactivated",
            detail=f"{request.method} {request.path}",
        )
        message = (
            "Send a bearer token issued to you (flask --app app issue-token)."
            if not header
            else "The bearer token is not valid: it is unknown, expired or revoked, or its account is locked or deactivated."
        )
        return outcome(401, [issue("login", message)], {"WWW-Authenticate": 'Bearer realm="OnePlan FHIR API"'})
    g.user = user
    return None


@bp.errorhandler(Problem)
def problem(error: Problem):
    """Undo whatever the request did; what it leaves is the refusal, in the audit trail, which the
    request commits like any other answer below 500."""
    session = get_session()
    session.rollback()
    audit.record(
        session, "fhir_create_service_request", user=g.user, outcome=AuditOutcome.refused, reason=error.issues[0]["diagnostics"][:500]
    )
    return outcome(error.status, error.issues)


@bp.get("/metadata")
def metadata():
    """The CapabilityStatement: what this server does."""
    statement = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "kind": "instance",
        "fhirVersion": "4.0.1",
        "date": "2026-11-22",
        "format": ["json"],
        "implementation": {"description": "OnePlan (prototype, synthetic data only)", "url": base_url()},
        "rest": [
            {
                "mode": "server",
                "security": {"description": "Bearer tokens issued to a user; the same access rules as the web pages."},
                "resource": [{"type": "ServiceRequest", "interaction": [{"code": "create"}, {"code": "read"}]}],
            }
        ],
    }
    return current_app.response_class(json.dumps(statement), mimetype=FHIR_JSON)


@bp.post("/ServiceRequest")
def create_service_request():
    guard.require("submit_referral")
    resource = service_request.parse(request.get_data(as_text=True), request.mimetype)
    session = get_session()
    result = intake.receive(session, service_request.command(session, resource, g.user), g.user)
    if result.referral is None:
        raise service_request.refused(result.errors)
    # The caller sent what they know; that the person already had an open referral is theirs to
    # learn only if the person shares with their agency.
    told = g.user.agency_id not in access.objected_agency_ids(session, result.referral.person_id)
    body = service_request.as_resource(session, result.referral, show_link=told)
    response = current_app.response_class(json.dumps(body), status=201, mimetype=FHIR_JSON)
    response.headers["Location"] = f"{base_url()}/ServiceRequest/{result.referral.id}"
    return response


@bp.get("/ServiceRequest/<int:referral_id>")
def read_service_request(referral_id: int):
    session = get_session()
    referral = session.get(Referral, referral_id)
    if referral is None:
        return error_outcome(404, f"There is no ServiceRequest {referral_id}.")
    guard.person_for(referral.person_id, "fhir_read_service_request", rule=access.triage_rule)
    return current_app.response_class(json.dumps(service_request.as_resource(session, referral)), mimetype=FHIR_JSON)
