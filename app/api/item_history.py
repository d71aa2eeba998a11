"""The versions of one goal or action (a FHIR Goal or Task), from the plan's revisions.

Every change to a goal or action raises its own version by one and keeps a revision of the plan
with the item's values after it, so the item's versions are its revisions in order: the newest is
the item as it is now (read from its row, so a vread of the current version says exactly what a
read says), and each older revision is the version one less than the one after it. One query,
whatever the length of the history. An item made without a revision (seeded data) has only its
current version. Nothing here writes."""

from collections.abc import Callable
from datetime import date
from typing import Any, Optional, TypeVar

from sqlmodel import Session, col, select

from app.care_plan.read_model import item_form
from models import ActionStatus, CarePlanAction, CarePlanGoal, CarePlanRevision, GoalStatus, PlanItemType

Item = TypeVar("Item", CarePlanGoal, CarePlanAction)
STATUSES: dict[PlanItemType, Any] = {PlanItemType.goal: GoalStatus, PlanItemType.action: ActionStatus}


def versions(session: Session, row: Item, render: Callable[[Item, dict[str, Any]], dict[str, Any]]) -> list[dict[str, Any]]:
    """Every version of the goal or action as a resource, newest first. `render` makes the resource
    from the item as it stood and that version's values (its revision's, or {} for the current one)."""
    item_type = PlanItemType.goal if isinstance(row, CarePlanGoal) else PlanItemType.action
    revisions = session.exec(
        select(CarePlanRevision)
        .where(
            CarePlanRevision.care_plan_id == row.care_plan_id,
            CarePlanRevision.item_type == item_type,
            CarePlanRevision.item_key == str(row.id),
        )
        .order_by(col(CarePlanRevision.plan_version).desc())
    ).all()
    found = [render(row, {})]
    for back, revision in enumerate(revisions[1:], start=1):
        version = row.version - back
        if version < 1:
            break
        found.append(render(_as_it_stood(row, item_type, revision, version), revision.values))
    return found


def version(found: list[dict[str, Any]], version_id: int) -> Optional[dict[str, Any]]:
    return next((resource for resource in found if resource["meta"]["versionId"] == str(version_id)), None)


def _as_it_stood(row: Item, item_type: PlanItemType, revision: CarePlanRevision, version: int) -> Item:
    """A copy of the item (never added to the session) with its form's values as the revision kept them."""
    past = type(row)(**row.model_dump())
    for question in item_form(item_type).questions:
        if question.key not in revision.values:
            continue
        value = revision.values[question.key]
        current = getattr(row, question.key)
        if value is not None and (isinstance(current, date) or question.key.endswith("_on")):
            value = date.fromisoformat(value)
        elif question.key == "status" and value is not None:
            value = STATUSES[item_type](value)
        setattr(past, question.key, value)
    if isinstance(past, CarePlanAction):
        if revision.values.get("status"):
            past.status = ActionStatus(revision.values["status"])
        past.status_reason = revision.values.get("status_reason")
    past.version, past.updated_at = version, revision.saved_at
    return past
