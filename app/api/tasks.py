"""A Task's status changed over FHIR: the action handshake (app/care_plan/handshake.py), through the
same MoveAction command as the plan's buttons, guarded by the version the caller saw (If-Match).

    requested -> accepted (accept) | rejected (decline, statusReason.text required)
    accepted -> in-progress (start) | completed (complete)
    in-progress -> completed (complete)
    requested, accepted, in-progress, rejected -> cancelled (cancel, statusReason.text required)
"""

import json
import re
from typing import Optional

from fhir.resources.R4B.task import Task
from pydantic import ValidationError
from sqlmodel import Session

from app.api.resources import TASK_STATUS
from app.api.responses import FHIR_JSON
from app.api.service_request import Problem
from app.care_plan import commands, handshake
from app.trust import access
from models import CarePlan, CarePlanAction, Person, User

# The codes of http://hl7.org/fhir/task-status (a required binding).
TASK_STATUS_CODES = frozenset(
    {
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
    }
)
TRANSITION_TO = {
    "accepted": handshake.Transition.accept,
    "rejected": handshake.Transition.decline,
    "in-progress": handshake.Transition.start,
    "completed": handshake.Transition.complete,
    "cancelled": handshake.Transition.cancel,
}
WEAK_ETAG = re.compile(r'^(?:W/)?"([^"]+)"$')


def seen_version(if_match: Optional[str]) -> int:
    """The version the caller saw, from If-Match (W/"3"): a 428 without one, a 400 if unreadable."""
    if not if_match:
        raise Problem(
            428, "required", 'Send If-Match with the Task\'s ETag (W/"<versionId>") so a change made since you read it is not overwritten.'
        )
    found = WEAK_ETAG.match(if_match.strip())
    if not found or not found.group(1).isdigit():
        raise Problem(400, "invalid", f'If-Match {if_match!r} is not an ETag this server gave (W/"<versionId>").')
    return int(found.group(1))


def read_task(body: str, mimetype: str, action_id: int) -> Task:
    if mimetype not in (FHIR_JSON, "application/json"):
        raise Problem(415, "not-supported", "Send the Task as JSON (Content-Type: application/fhir+json).")
    try:
        data = json.loads(body or "null")
    except (ValueError, RecursionError):
        raise Problem(400, "structure", "The body is not valid JSON.") from None
    if not isinstance(data, dict) or data.get("resourceType") != "Task":
        raise Problem(400, "structure", "The body must be a Task resource.", "resourceType")
    if str(data.get("id")) != str(action_id):
        raise Problem(400, "invalid", f"The Task's id must be {action_id}, the id in the address.", "Task.id")
    if data.get("status") not in TASK_STATUS_CODES:
        raise Problem(
            422, "code-invalid", f"status {data.get('status')!r} is not a Task status (http://hl7.org/fhir/task-status).", "Task.status"
        )
    try:
        return Task.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        raise Problem(422, "value", f"The Task is not valid FHIR: {'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None


def _only_status_changes(sent: Task, action: CarePlanAction) -> None:
    """A PUT moves the handshake; it does not edit the action's terms, so a Task that says different
    terms is refused rather than half-applied (what, and whose, are changed on the plan)."""
    changed = []
    if sent.description is not None and sent.description != action.description:
        changed.append("Task.description")
    owner = sent.owner.reference if sent.owner is not None else None
    if owner is not None and owner != f"Organization/{action.owner_agency_id}":
        changed.append("Task.owner")
    if changed:
        raise Problem(
            422,
            "business-rule",
            "Only status and statusReason change by PUT: the action's terms are changed on the care plan.",
            changed[0],
        )


def move(
    session: Session, plan: CarePlan, person: Person, action: CarePlanAction, if_match: Optional[str], body: str, mimetype: str, user: User
) -> CarePlanAction:
    """Move the action to the status the Task asks for (the same status is no change), or a Problem:
    412 if the Task moved on since the caller read it, 409 if the handshake does not allow the move."""
    seen = seen_version(if_match)
    assert action.id is not None
    sent = read_task(body, mimetype, action.id)
    if seen != action.version:
        raise Problem(
            412,
            "conflict",
            f"Task {action.id} changed since you read it (it is at version {action.version}, you sent {seen}): read it again.",
            headers={"ETag": f'W/"{action.version}"'},
        )
    _only_status_changes(sent, action)
    if sent.status == TASK_STATUS[action.status]:
        return action
    transition = TRANSITION_TO.get(sent.status or "")
    if transition is None:
        raise Problem(409, "business-rule", f"A Task can be moved only to {', '.join(TRANSITION_TO)}, not {sent.status!r}.", "Task.status")
    reason = sent.statusReason.text if sent.statusReason is not None else None
    result = commands.move_action(session, plan, person, commands.MoveAction(action.id, transition, reason, seen), user)
    if result.forbidden:
        raise access.AccessRefused(
            "edit_care_plan", result.forbidden, person_id=person.id, record_type="care_plan_action", record_id=action.id
        )
    if result.errors:
        raise Problem(422, "required", next(iter(result.errors.values())), "Task.statusReason")
    if result.refused:
        raise Problem(409, "business-rule", result.refused, "Task.status")
    assert result.item is not None
    session.refresh(result.item)
    return result.item
