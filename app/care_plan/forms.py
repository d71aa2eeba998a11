"""The care plan's and care team's forms turned into commands: the one place their fields are read.

A form whose fields cannot all be read gives its command (with what could be read) and the
problems, by field id; the command checks everything else, as it does for any other way in.
Forms whose fields are all ids, versions or free text give just their command.
"""

from collections.abc import Mapping
from datetime import date
from typing import Any, Optional

from flask import abort

from app.care_plan import handshake, read_model
from app.care_plan.care_team import AddToTeam
from app.care_plan.commands import (
    NEED_NOT_IN_PLAN,
    OWNER_NOT_IN_TEAM,
    AddItem,
    AdoptNeeds,
    EditItem,
    MarkSeen,
    MoveAction,
    RemoveContact,
    SavePart,
)
from app.care_plan.identity import RecordNHSNumber
from app.forms.answers import read_section
from app.web import fields
from models import PlanItemType

WORKLIST = "worklist"  # a move made from the worklist is answered with the worklist's row


def part(form: Any, part_key: str, today: Optional[date] = None) -> tuple[SavePart, dict[str, str]]:
    answers, problems = read_section(read_model.parts().section(part_key), form, today=today)
    return SavePart(part_key, answers, fields.seen_version(form)), problems


def new_item(form: Any, item_type: PlanItemType, today: Optional[date] = None) -> tuple[AddItem, dict[str, str]]:
    answers, problems = read_section(read_model.item_form(item_type), form, today=today)
    need_id = _optional_id(form, "need_id", NEED_NOT_IN_PLAN, problems) if item_type in (PlanItemType.goal, PlanItemType.action) else None
    agency_id, user_id = _owner(form, problems) if item_type is PlanItemType.action else (None, None)
    return AddItem(item_type, answers, need_id, agency_id, user_id), problems


def changed_item(form: Any, item_type: PlanItemType, item_id: int, today: Optional[date] = None) -> tuple[EditItem, dict[str, str]]:
    answers, problems = read_section(read_model.item_form(item_type), form, today=today)
    agency_id, user_id = _owner(form, problems) if item_type is PlanItemType.action else (None, None)
    return EditItem(item_type, item_id, answers, fields.seen_version(form), agency_id, user_id), problems


def _owner(form: Any, problems: dict[str, str]) -> tuple[Optional[int], Optional[int]]:
    agency_id = _optional_id(form, "owner_agency_id", OWNER_NOT_IN_TEAM, problems)
    user_id = _optional_id(form, "owner_user_id", "Select a practitioner who works for the agency you chose, or no one", problems)
    return agency_id, user_id


def _optional_id(form: Any, name: str, message: str, problems: dict[str, str]) -> Optional[int]:
    """A chosen record's id, or None if nothing was chosen; a problem if what was sent names nothing."""
    raw = (form.get(name) or "").strip()
    if not raw:
        return None
    value = fields.record_id(raw)
    if value is None:
        problems[name] = message
    return value


def move(form: Any, action_id: int) -> MoveAction:
    """A 400 if the form does not say which move to make."""
    transition = handshake.parse(form.get("transition", ""))
    if transition is None:
        abort(400, "Choose what to do with the action.")
    return MoveAction(action_id, transition, form.get("reason"), fields.seen_version(form))


def move_asked(args: Mapping[str, Any]) -> Optional[handshake.Transition]:
    """The move whose reason form is asked for, from the query string."""
    return handshake.parse(args.get("transition", ""))


def from_worklist(values: Mapping[str, Any]) -> bool:
    """Whether a move (or its reason form) came from the worklist rather than the plan."""
    return values.get("from") == WORKLIST


def remove_contact(form: Any, contact_id: int) -> RemoveContact:
    return RemoveContact(contact_id, fields.seen_version(form))


def adopt(form: Any) -> AdoptNeeds:
    """The ticked suggestions, each with the words typed for it."""
    chosen = fields.record_ids(form.getlist("suggestion"))
    return AdoptNeeds(tuple((suggestion_id, form.get(f"need-{suggestion_id}") or "") for suggestion_id in chosen))


def mark_seen(form: Any) -> MarkSeen:
    return MarkSeen(fields.seen_version(form))


def add_to_team(form: Any) -> AddToTeam:
    return AddToTeam(fields.record_id(form.get("agency_id")), form.get("role"))


def record_nhs_number(form: Any) -> RecordNHSNumber:
    return RecordNHSNumber(form.get("nhs_number"))


def need_asked(args: Mapping[str, Any]) -> Optional[int]:
    """The need a new goal or action is asked for under (the query string), if any."""
    return fields.record_id(args.get("need_id"))
