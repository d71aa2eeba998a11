"""The person's sharing decisions as Consent, and who has looked at their record as AuditEvent.

Consent: the decision to share with the care team (permit or deny), and each objection to one
agency (deny, naming it; inactive once withdrawn). AuditEvent: the person's access log, as the
page shows it to the key worker and the network lead (who, which agency, what, when, why)."""

from typing import Any

from sqlmodel import Session, col, func, select

from app.api.resources import instant, organization_ref, ref, with_meta
from app.trust import audit_log
from models import Agency, AuditEvent, AuditOutcome, Consent, ConsentObjection, Person, User

SCOPE = {
    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy", "display": "Privacy Consent"}]
}
CATEGORY = {"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}]}
POLICY = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN", "display": "opt-in"}]}
OBJECTION_POLICY = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTOUT", "display": "opt-out"}]}
RECIPIENT = {
    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP", "display": "information recipient"}]
}
AUDIT_ACTION_SYSTEM = "https://oneplan.example.nhs.uk/fhir/CodeSystem/audit-action"
REST = {"system": "http://terminology.hl7.org/CodeSystem/audit-event-type", "code": "rest", "display": "RESTful Operation"}
# AuditEvent.outcome: 0 success, 4 minor failure (a refusal: nothing was shown or changed).
OUTCOME = {AuditOutcome.allowed: "0", AuditOutcome.refused: "4"}


def consents(session: Session, person: Person) -> list[dict[str, Any]]:
    found = []
    decision = session.exec(select(Consent).where(Consent.person_id == person.id)).first()
    if decision is not None and decision.shares_with_care_team is not None:
        body = {
            "resourceType": "Consent",
            "id": f"sharing-{decision.id}",
            "status": "active",
            "scope": SCOPE,
            "category": [CATEGORY],
            "patient": ref("Patient", person.id),
            "dateTime": instant(decision.recorded_at),
            "policyRule": POLICY,
            "provision": {
                "type": "permit" if decision.shares_with_care_team else "deny",
                "actor": [{"role": RECIPIENT, "reference": ref("CareTeam", person.id)}],
            },
        }
        found.append(with_meta(body, decision.version, decision.recorded_at))
    objections = session.exec(
        select(ConsentObjection, Agency)
        .join(Agency, col(Agency.id) == ConsentObjection.agency_id)
        .where(ConsentObjection.person_id == person.id)
        .order_by(col(ConsentObjection.id))
    ).all()
    for objection, agency in objections:
        changed = objection.withdrawn_at or objection.recorded_at
        body = {
            "resourceType": "Consent",
            "id": f"objection-{objection.id}",
            "status": "inactive" if objection.withdrawn_at else "active",
            "scope": SCOPE,
            "category": [CATEGORY],
            "patient": ref("Patient", person.id),
            "dateTime": instant(objection.recorded_at),
            "policyRule": OBJECTION_POLICY,
            "provision": {"type": "deny", "actor": [{"role": RECIPIENT, "reference": organization_ref(agency)}]},
        }
        found.append(with_meta(body, 2 if objection.withdrawn_at else 1, changed))
    return found


def audit_events(session: Session, person: Person, offset: int, count: int) -> tuple[int, list[dict[str, Any]]]:
    """The person's access log, newest first, a page at a time (two queries)."""
    where = AuditEvent.person_id == person.id
    total = session.exec(select(func.count()).select_from(AuditEvent).where(where)).one()
    rows = session.exec(
        select(AuditEvent, User.full_name, Agency)
        .outerjoin(User, col(User.id) == AuditEvent.user_id)
        .outerjoin(Agency, col(Agency.id) == AuditEvent.agency_id)
        .where(where)
        .order_by(col(AuditEvent.seq).desc())
        .offset(offset)
        .limit(count)
    ).all()
    return total, [_audit_event(event, full_name, agency) for event, full_name, agency in rows]


def _audit_event(event: AuditEvent, full_name: Any, agency: Any) -> dict[str, Any]:
    entry = audit_log.Entry(event, full_name, agency.name if agency else None)
    who: dict[str, Any] = ref("Practitioner", event.user_id, entry.who) if event.user_id else {"display": entry.who}
    agent: dict[str, Any] = {"who": who, "requestor": True}
    if event.client_address:
        agent["network"] = {"address": event.client_address, "type": "2"}
    body: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": str(event.id),
        "type": REST,
        "subtype": [{"system": AUDIT_ACTION_SYSTEM, "code": event.action, "display": audit_log.action_label(event.action)}],
        "recorded": instant(event.at),
        "outcome": OUTCOME.get(event.outcome, "4"),
        "agent": [agent],
        "source": {"observer": {"display": "OnePlan"}},
        "entity": [{"what": ref("Patient", event.person_id)}],
    }
    if entry.why:
        body["outcomeDesc"] = entry.why
    if agency is not None:
        body["agent"].append({"who": organization_ref(agency), "requestor": False})
    return with_meta(body, 1, event.at)  # an audit event never changes
