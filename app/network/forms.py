"""The network pages' forms turned into commands: the one place their fields are read."""

from datetime import date
from typing import Any, Optional

from app.care_plan import forms as plan_forms
from app.network.discharge import RecordDischarge
from app.network.hubs import ReferToHub, RespondToReferral
from app.network.mdt import AddToAgenda, RecordAttendee, RecordOutcome, ScheduleMeeting
from app.network.palliative import SaveEntry
from app.web import fields
from models import AnticipatoryMedicines, DelayReason, PalliativeStage, PlanItemType

NO_ACTION, NEW_ACTION = "no", "yes"


def schedule(form: Any) -> tuple[ScheduleMeeting, dict[str, str]]:
    problems: dict[str, str] = {}
    held_on = fields.date_parts(form, "held_on", "the date of the meeting", problems, required=True)
    return ScheduleMeeting(held_on, (form.get("place") or "").strip() or None), problems


def add_to_agenda(form: Any) -> AddToAgenda:
    return AddToAgenda((form.get("question") or "").strip() or None)


def attendee(form: Any) -> RecordAttendee:
    return RecordAttendee(fields.record_id(form.get("agency_id")), (form.get("name") or "").strip() or None)


def outcome(form: Any, today: Optional[date] = None) -> tuple[RecordOutcome, dict[str, str]]:
    """The decision, and a new plan action when "add an action" was chosen."""
    problems: dict[str, str] = {}
    action = None
    if form.get("add_action") == NEW_ACTION:
        action, problems = plan_forms.new_item(form, PlanItemType.action, today)
    elif form.get("add_action") not in (None, "", NO_ACTION):
        problems["add_action"] = "Choose whether the meeting asked for a new action"
    return RecordOutcome((form.get("decision") or "").strip() or None, fields.seen_version(form), action), problems


def discharge(form: Any, today: Optional[date] = None) -> tuple[RecordDischarge, dict[str, str]]:
    problems: dict[str, str] = {}
    reason = fields.choice(form, "delay_reason", DelayReason, "Select what is holding the person in hospital", problems, required=False)
    home_on = fields.date_parts(form, "home_on", "the date the person got home", problems, past=True, today=today)
    gates = tuple(fields.record_ids(form.getlist("gate")))
    return RecordDischarge(reason, (form.get("delay_note") or "").strip() or None, home_on, gates, fields.seen_version(form)), problems


def refer_to_hub(form: Any) -> ReferToHub:
    return ReferToHub(fields.record_id(form.get("hub_agency_id")), (form.get("reason") or "").strip() or None)


def hub_response(form: Any) -> RespondToReferral:
    return RespondToReferral(form.get("response") or "", (form.get("note") or "").strip() or None, fields.seen_version(form))


def palliative_entry(form: Any) -> tuple[SaveEntry, dict[str, str]]:
    problems: dict[str, str] = {}
    stage = fields.choice(form, "stage", PalliativeStage, "Select the stage", problems)
    medicines = fields.choice(
        form, "anticipatory_medicines", AnticipatoryMedicines, "Select whether the anticipatory medicines are in the home", problems
    )
    return SaveEntry(stage, medicines, (form.get("medicines_note") or "").strip() or None, fields.seen_version(form)), problems


def out_of_hours(form: Any, reasons: dict[str, str]) -> tuple[str, str, dict[str, str]]:
    """The NHS number asked for and the reason chosen (its words), with what is wrong with them."""
    problems: dict[str, str] = {}
    number = "".join((form.get("nhs_number") or "").split())
    if not (number.isascii() and number.isdigit() and len(number) == 10):
        problems["nhs_number"] = "Enter the person's 10-digit NHS number"
    reason = form.get("reason") or ""
    if reason not in reasons:
        problems["reason"] = "Select why you are reading the crisis summary"
    return number, reasons.get(reason, ""), problems
