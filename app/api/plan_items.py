"""A Goal or a Task created over FHIR: read into the same AddItem command as the plan's forms, so the
plan's rules hold either way (required words, lengths, real dates, an owner in the care team).
A new Task is always *requested* of its owning agency, which is told, as on the page."""

import json
from typing import Any

from fhir.resources.R4B.goal import Goal
from fhir.resources.R4B.task import Task
from pydantic import ValidationError
from sqlmodel import Session

from app.api import resources
from app.api.responses import FHIR_JSON, issue
from app.api.service_request import Problem
from app.care_plan.commands import AddItem
from models import PlanItemType

GOAL_STATUS_FROM = {theirs: ours.value for ours, theirs in resources.GOAL_STATUS.items()}
# Where each of the item form's fields comes from in the resource (for OperationOutcome.issue.expression).
EXPRESSIONS = {
    "goal": "Goal.description.text",
    "target_on": "Goal.target.dueDate",
    "status": "Goal.lifecycleStatus",
    "description": "Task.description",
    "start_on": "Task.restriction.period.start",
    "due_on": "Task.restriction.period.end",
    "owner_agency_id": "Task.owner",
    "frequency": "Task.note",
}


def _read(body: str, mimetype: str, kind: str) -> tuple[dict[str, Any], Any]:
    if mimetype not in (FHIR_JSON, "application/json"):
        raise Problem(415, "not-supported", f"Send the {kind} as JSON (Content-Type: application/fhir+json).")
    try:
        data = json.loads(body or "null")
    except (ValueError, RecursionError):
        raise Problem(400, "structure", "The body is not valid JSON.") from None
    if not isinstance(data, dict) or data.get("resourceType") != kind:
        raise Problem(400, "structure", f"The body must be a {kind} resource.", "resourceType")
    try:
        model = (Goal if kind == "Goal" else Task).model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        raise Problem(422, "value", f"The {kind} is not valid FHIR: {'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None
    return data, model


def patient_id(data: dict[str, Any], element: str) -> int:
    """The person the resource is for (`subject` of a Goal, `for` of a Task): Patient/<id>."""
    reference = ((data.get(element) or {}).get("reference") or "").removeprefix("Patient/")
    if not reference.isdigit():
        kind = data["resourceType"]
        raise Problem(422, "required", f"{kind}.{element} must refer to the person: Patient/<id>.", f"{kind}.{element}")
    return int(reference)


def goal_command(body: str, mimetype: str) -> tuple[int, AddItem]:
    data, _ = _read(body, mimetype, "Goal")
    status = data.get("lifecycleStatus")
    if status not in GOAL_STATUS_FROM:
        raise Problem(
            422,
            "code-invalid",
            f"lifecycleStatus {status!r}: a goal in the plan is one of {', '.join(GOAL_STATUS_FROM)}.",
            "Goal.lifecycleStatus",
        )
    targets = [t.get("dueDate") for t in data.get("target") or [] if t.get("dueDate")]
    answers = {"goal": (data.get("description") or {}).get("text") or "", "status": GOAL_STATUS_FROM[status]}
    if targets:
        answers["target_on"] = targets[0]
    return patient_id(data, "subject"), AddItem(PlanItemType.goal, answers)


def task_command(session: Session, body: str, mimetype: str) -> tuple[int, AddItem]:
    data, task = _read(body, mimetype, "Task")
    if data.get("status") != "requested" or data.get("intent") != "order":
        raise Problem(
            422, "business-rule", "A new Task is an action requested of an agency: status requested, intent order.", "Task.status"
        )
    owner = resources.agency_by_reference(session, task.owner)
    period = (data.get("restriction") or {}).get("period") or {}
    answers = {"description": data.get("description") or ""}
    for key, element in (("start_on", "start"), ("due_on", "end")):
        if period.get(element):
            answers[key] = str(period[element])[:10]
    return patient_id(data, "for"), AddItem(PlanItemType.action, answers, owner_agency_id=owner.id if owner else None)


def refused(errors: dict[str, str]) -> Problem:
    """The plan's errors (by form field) as a 422 naming each element."""
    return Problem(
        422,
        "invariant",
        "; ".join(errors.values()),
        more=[issue("invariant", message, EXPRESSIONS.get(name)) for name, message in errors.items()],
    )
