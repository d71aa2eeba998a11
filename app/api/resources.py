"""OnePlan's records as FHIR R4 resources: the person as Patient, an agency as Organization, the
care team as CareTeam, the shared plan as CarePlan, its goals as Goal and its actions as Task.

Each resource carries `meta.versionId` and `meta.lastUpdated`: a record OnePlan versions (the plan,
its goals and actions, a referral) gives its own version number; one it does not (a person, an
agency, a care team) gives a digest of what the resource says, so the version moves whenever the
resource changes. UK Core profiles are declared where UK Core has one for the resource.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Optional

from sqlmodel import Session, col, select

from app.care_plan import care_team, read_model
from app.forms.answers import answer_text
from models import (
    ActionStatus,
    Agency,
    AgencyKind,
    CarePlan,
    CarePlanAction,
    CarePlanGoal,
    CarePlanNeed,
    CarePlanPart,
    CarePlanRevision,
    CareTeamMember,
    GoalStatus,
    Person,
    PlanItemType,
    User,
)

UK_CORE = "https://fhir.hl7.org.uk/StructureDefinition/"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
AGENCY_KIND_SYSTEM = "https://oneplan.example.nhs.uk/fhir/CodeSystem/agency-kind"
PROFILES = {
    "Patient": UK_CORE + "UKCore-Patient",
    "Practitioner": UK_CORE + "UKCore-Practitioner",
    "PractitionerRole": UK_CORE + "UKCore-PractitionerRole",
    "Observation": UK_CORE + "UKCore-Observation",
    "Organization": UK_CORE + "UKCore-Organization",
    "ServiceRequest": UK_CORE + "UKCore-ServiceRequest",
    "CarePlan": UK_CORE + "UKCore-CarePlan",
    "Task": UK_CORE + "UKCore-Task",
    "Consent": UK_CORE + "UKCore-Consent",
    "QuestionnaireResponse": UK_CORE + "UKCore-QuestionnaireResponse",
}

# The action handshake as Task.status (app/care_plan/handshake.py): requested -> accepted or
# rejected (declined) -> in-progress -> completed, or cancelled.
TASK_STATUS = {
    ActionStatus.requested: "requested",
    ActionStatus.accepted: "accepted",
    ActionStatus.declined: "rejected",
    ActionStatus.in_progress: "in-progress",
    ActionStatus.done: "completed",
    ActionStatus.cancelled: "cancelled",
}
GOAL_STATUS = {
    GoalStatus.proposed: "proposed",
    GoalStatus.active: "active",
    GoalStatus.achieved: "completed",
    GoalStatus.no_longer_wanted: "cancelled",
}
CARE_TEAM_ROLE_SYSTEM = "https://oneplan.example.nhs.uk/fhir/CodeSystem/care-team-role"


def instant(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def digest(body: dict[str, Any]) -> str:
    """A version for a record OnePlan does not number: what the resource says, hashed."""
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]


def with_meta(body: dict[str, Any], version: object, updated: Optional[datetime]) -> dict[str, Any]:
    meta: dict[str, Any] = {"versionId": str(version)}
    if updated is not None:
        meta["lastUpdated"] = instant(updated)
    profile = PROFILES.get(body["resourceType"])
    if profile:
        meta["profile"] = [profile]
    return {
        "resourceType": body["resourceType"],
        "id": body["id"],
        "meta": meta,
        **{k: v for k, v in body.items() if k not in ("resourceType", "id")},
    }


def ref(resource_type: str, row_id: object, display: Optional[str] = None) -> dict[str, Any]:
    found: dict[str, Any] = {"reference": f"{resource_type}/{row_id}"}
    if display:
        found["display"] = display
    return found


# --- Patient and Organization -----------------------------------------------------------------


def patient(session: Session, person: Person) -> dict[str, Any]:
    """The person: NHS number (no identifier when it is not known), name, birth date, address, phone,
    GP practice."""
    body: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(person.id),
        "identifier": [{"system": NHS_NUMBER_SYSTEM, "value": person.nhs_number}],
        "name": [{"use": "official", "family": person.family_name, "given": [person.given_name]}],
        "birthDate": person.date_of_birth.isoformat(),
        "address": [
            {
                "use": "home",
                "line": [line for line in (person.address_line_1, person.address_line_2) if line],
                "city": person.town,
                "postalCode": person.postcode,
            }
        ],
    }
    if not person.nhs_number:
        del body["identifier"]  # FHIR allows no empty list
    if person.phone:
        body["telecom"] = [{"system": "phone", "value": person.phone, "use": "home"}]
    if person.gp_practice_id is not None:
        practice = session.get(Agency, person.gp_practice_id)
        body["generalPractitioner"] = [organization_ref(practice)] if practice else []
    return with_meta(body, digest(body), person.created_at)


def organization_ref(agency: Agency) -> dict[str, Any]:
    found = ref("Organization", agency.id, agency.name)
    if agency.ods_code:
        found["identifier"] = {"system": ODS_SYSTEM, "value": agency.ods_code}
    return found


def organization(agency: Agency) -> dict[str, Any]:
    """An agency: its ODS code, name, kind and phone. The directory keeps no change time, so it has
    a version (a digest) but no lastUpdated."""
    body: dict[str, Any] = {"resourceType": "Organization", "id": str(agency.id), "active": True}
    if agency.ods_code:
        body["identifier"] = [{"system": ODS_SYSTEM, "value": agency.ods_code}]
    body["type"] = [{"coding": [{"system": AGENCY_KIND_SYSTEM, "code": agency.kind.value, "display": agency.kind.label}]}]
    body["name"] = agency.name
    if agency.phone:
        body["telecom"] = [{"system": "phone", "value": agency.phone, "use": "work"}]
    return with_meta(body, digest(body), None)


def agency_by_reference(session: Session, reference: Any) -> Optional[Agency]:
    """The agency a FHIR Reference names: by ODS identifier, `Organization/<id>`, or exact name."""
    if reference is None:
        return None
    identifier = getattr(reference, "identifier", None)
    if identifier is not None and identifier.system == ODS_SYSTEM and identifier.value:
        return session.exec(select(Agency).where(Agency.ods_code == identifier.value.strip().upper())).first()
    text = getattr(reference, "reference", None) or ""
    if text.startswith("Organization/") and text.split("/", 1)[1].isdigit():
        return session.get(Agency, int(text.split("/", 1)[1]))
    if getattr(reference, "display", None):
        return session.exec(select(Agency).where(Agency.name == reference.display)).first()
    return None


def gp_practice(session: Session, reference: Any) -> Optional[Agency]:
    found = agency_by_reference(session, reference)
    return found if found is not None and found.kind is AgencyKind.gp_practice else None


# --- The care team ------------------------------------------------------------------------------


def care_team_resource(session: Session, person: Person) -> dict[str, Any]:
    """The person's current care team (one per person, its id the person's): each agency, the named
    practitioner where there is one, their role, and the key worker."""
    assert person.id is not None
    members = care_team.current_members(session, person.id)
    joined = session.exec(
        select(CareTeamMember.joined_at)
        .where(CareTeamMember.person_id == person.id)
        .order_by(col(CareTeamMember.joined_at).desc())
        .limit(1)
    ).first()
    left = session.exec(
        select(CareTeamMember.left_at)
        .where(CareTeamMember.person_id == person.id, col(CareTeamMember.left_at).is_not(None))
        .order_by(col(CareTeamMember.left_at).desc())
        .limit(1)
    ).first()
    participants = []
    for member in members:
        roles: list[dict[str, Any]] = [{"text": member.role}]
        if member.is_key_worker:
            roles.append({"coding": [{"system": CARE_TEAM_ROLE_SYSTEM, "code": "key-worker", "display": "Key worker"}]})
        participant: dict[str, Any] = {"role": roles}
        if member.user is not None:
            participant["member"] = ref("Practitioner", member.user.id, member.user.full_name)
            participant["onBehalfOf"] = organization_ref(member.agency)
        else:
            participant["member"] = organization_ref(member.agency)
        participants.append(participant)
    body: dict[str, Any] = {
        "resourceType": "CareTeam",
        "id": str(person.id),
        "status": "active",
        "name": f"Care team for {person.full_name}",
        "subject": ref("Patient", person.id),
        "participant": participants,
    }
    updated = max((moment for moment in (joined, left) if moment is not None), default=None)
    return with_meta(body, digest(body), updated)


# --- Goals and actions --------------------------------------------------------------------------


def goal(goal_row: CarePlanGoal, plan: CarePlan) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resourceType": "Goal",
        "id": str(goal_row.id),
        "lifecycleStatus": GOAL_STATUS[goal_row.status],
        "description": {"text": goal_row.goal},
        "subject": ref("Patient", plan.person_id),
        "startDate": goal_row.created_at.date().isoformat(),
    }
    if goal_row.status is GoalStatus.achieved:
        body["achievementStatus"] = {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/goal-achievement", "code": "achieved", "display": "Achieved"}]
        }
    if goal_row.target_on:
        body["target"] = [{"dueDate": goal_row.target_on.isoformat()}]
    return with_meta(body, goal_row.version, goal_row.updated_at)


def task(action: CarePlanAction, owner: Optional[Agency]) -> dict[str, Any]:
    """An action as a Task: the handshake as its status, the owning agency as its owner, a decline's
    (or cancellation's) reason as statusReason."""
    body: dict[str, Any] = {
        "resourceType": "Task",
        "id": str(action.id),
        "basedOn": [ref("CarePlan", action.care_plan_id)],
        "status": TASK_STATUS[action.status],
        "intent": "order",
        "description": action.description,
        "for": ref("Patient", action.person_id),
        "authoredOn": instant(action.created_at),
        "lastModified": instant(action.updated_at),
    }
    if action.status_reason and action.status in (ActionStatus.declined, ActionStatus.cancelled):
        body["statusReason"] = {"text": action.status_reason}
    if owner is not None:
        body["owner"] = organization_ref(owner)
    if action.start_on or action.due_on:
        period: dict[str, str] = {}
        if action.start_on:
            period["start"] = action.start_on.isoformat()
        if action.due_on:
            period["end"] = action.due_on.isoformat()
        body["restriction"] = {"period": period}
    if action.frequency:
        body["note"] = [{"text": f"How often: {action.frequency}"}]
    return with_meta(body, action.version, action.updated_at)


# --- The care plan, now or as it stood at a version ------------------------------------------------


@dataclass
class PlanState:
    """What the plan said at one version: its parts' answers, and its needs, goals and actions (each
    item's answers by id). The current plan is read from its rows; an earlier one from its revisions."""

    version: int
    updated: Optional[datetime]
    parts: dict[str, dict[str, Any]] = field(default_factory=dict)
    needs: dict[int, dict[str, Any]] = field(default_factory=dict)
    goals: dict[int, dict[str, Any]] = field(default_factory=dict)
    actions: dict[int, dict[str, Any]] = field(default_factory=dict)


def current_state(session: Session, plan: CarePlan) -> PlanState:
    state = PlanState(plan.version, plan.updated_at or plan.opened_at)
    for part in session.exec(select(CarePlanPart).where(CarePlanPart.care_plan_id == plan.id)):
        state.parts[part.part_key] = part.answers
    for need in session.exec(select(CarePlanNeed).where(CarePlanNeed.care_plan_id == plan.id).order_by(col(CarePlanNeed.id))):
        assert need.id is not None
        state.needs[need.id] = read_model.snapshot(PlanItemType.need, need)
    for goal_row in session.exec(select(CarePlanGoal).where(CarePlanGoal.care_plan_id == plan.id).order_by(col(CarePlanGoal.id))):
        assert goal_row.id is not None
        state.goals[goal_row.id] = read_model.snapshot(PlanItemType.goal, goal_row)
    for action in session.exec(select(CarePlanAction).where(CarePlanAction.care_plan_id == plan.id).order_by(col(CarePlanAction.id))):
        assert action.id is not None
        state.actions[action.id] = read_model.snapshot(PlanItemType.action, action)
    return state


def _apply(state: PlanState, revision: CarePlanRevision) -> None:
    kind = PlanItemType(revision.item_type)
    if kind is PlanItemType.part:
        state.parts[revision.item_key] = revision.values
    elif kind is PlanItemType.need:
        state.needs[int(revision.item_key)] = revision.values
    elif kind is PlanItemType.goal:
        state.goals[int(revision.item_key)] = revision.values
    elif kind is PlanItemType.action:
        state.actions[int(revision.item_key)] = revision.values
    state.version, state.updated = revision.plan_version, revision.saved_at


def _revisions(session: Session, plan: CarePlan, up_to: int) -> list[CarePlanRevision]:
    return list(
        session.exec(
            select(CarePlanRevision)
            .where(CarePlanRevision.care_plan_id == plan.id, col(CarePlanRevision.plan_version) <= up_to)
            .order_by(col(CarePlanRevision.plan_version))
        )
    )


def state_at(session: Session, plan: CarePlan, version: int) -> Optional[PlanState]:
    """The plan as it stood after the change that made `version`, from its revisions (each part and
    item as its latest revision up to then); None if no change made that version (one query)."""
    revisions = _revisions(session, plan, version)
    if not revisions or revisions[-1].plan_version != version:
        return None
    state = PlanState(0, None)
    for revision in revisions:
        _apply(state, revision)
    return state


def history(session: Session, plan: CarePlan, newest: int) -> tuple[int, list[PlanState]]:
    """How many versions changes made, and the newest `newest` of them (newest first), each as the
    plan stood then: one read of the revisions, whatever the length of the history."""
    state, states = PlanState(0, None), []
    for revision in _revisions(session, plan, plan.version):
        _apply(state, revision)
        states.append(PlanState(state.version, state.updated, dict(state.parts), dict(state.needs), dict(state.goals), dict(state.actions)))
    return len(states), states[::-1][:newest]


def _description(state: PlanState) -> str:
    """The plan's own parts (about me, contingency and crisis plan, advance care, agreement and review)
    as people read them."""
    lines = []
    for section in read_model.parts().sections:
        answers = state.parts.get(section.key) or {}
        said = [(q.label, answer_text(q, answers.get(q.key))) for q in section.questions]
        said = [(label, text) for label, text in said if text]
        if said:
            lines.append(f"{section.title}: " + "; ".join(f"{label}: {text}" for label, text in said))
    return "\n".join(lines) or "Nothing has been written in the plan's own parts yet."


def author(session: Session, person: Person) -> Optional[Agency]:
    """Who leads the plan: the key worker's agency."""
    assert person.id is not None
    key_worker = next((m for m in care_team.current_members(session, person.id) if m.is_key_worker), None)
    return key_worker.agency if key_worker else None


def care_plan(session: Session, plan: CarePlan, person: Person, state: PlanState, lead: Optional[Agency] = None) -> dict[str, Any]:
    """The shared plan: its parts as the description, its needs as contained Conditions it addresses,
    its goals, its actions as Task activities, the review date, the key worker's agency as author,
    and the care team."""
    contained: list[dict[str, Any]] = [
        {
            "resourceType": "Condition",
            "id": f"need-{need_id}",
            "clinicalStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                        "code": "active" if values.get("status") == "active" else "resolved",
                    }
                ]
            },
            "code": {"text": values.get("need") or "A need"},
            "subject": ref("Patient", person.id),
            **({"note": [{"text": values["detail"]}]} if values.get("detail") else {}),
        }
        for need_id, values in state.needs.items()
    ]
    body: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": str(plan.id),
        "status": "active",
        "intent": "plan",
        "title": f"Shared care plan for {person.full_name}",
        "description": _description(state),
        "subject": ref("Patient", person.id),
        "period": {"start": instant(plan.opened_at)},
        "created": instant(plan.opened_at),
        "careTeam": [ref("CareTeam", person.id)],
    }
    if contained:
        body["contained"] = contained
        body["addresses"] = [{"reference": f"#{need['id']}", "display": need["code"]["text"]} for need in contained]
    if state.goals:
        body["goal"] = [ref("Goal", goal_id) for goal_id in state.goals]
    if state.actions:
        body["activity"] = [{"reference": ref("Task", action_id, values.get("description"))} for action_id, values in state.actions.items()]
    review = (state.parts.get(read_model.AGREEMENT) or {}).get("review_due_on")
    if review:
        body["note"] = [{"text": f"Review due on {review}"}]
    lead = lead or author(session, person)
    if lead is not None:
        body["author"] = organization_ref(lead)
    return with_meta(body, state.version, state.updated)


# --- Staff ------------------------------------------------------------------------------------------

PROFESSION_SYSTEM = "https://oneplan.example.nhs.uk/fhir/CodeSystem/profession"


def practitioner(user: User) -> dict[str, Any]:
    """A member of staff: their name, and whether their account is active. The directory keeps no
    change time, so no lastUpdated."""
    body: dict[str, Any] = {
        "resourceType": "Practitioner",
        "id": str(user.id),
        "active": user.is_active,
        "name": [{"text": user.full_name}],
    }
    return with_meta(body, digest(body), None)


def practitioner_role(user: User, agency: Agency) -> dict[str, Any]:
    """What the member of staff is, and for which agency: their profession at their agency."""
    body: dict[str, Any] = {
        "resourceType": "PractitionerRole",
        "id": str(user.id),
        "active": user.is_active,
        "practitioner": ref("Practitioner", user.id, user.full_name),
        "organization": organization_ref(agency),
        "code": [{"coding": [{"system": PROFESSION_SYSTEM, "code": user.profession.value, "display": user.profession.label}]}],
    }
    return with_meta(body, digest(body), None)
