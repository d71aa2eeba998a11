"""The care plan's forms turned into commands (app/care_plan/forms.py): the web layer reads each form
once, into the same command any other way in would build, with the problems of what it could not read."""

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from app.care_plan import forms, handshake
from app.care_plan.care_team import AddToTeam
from app.care_plan.commands import AddItem, AdoptNeeds, EditItem, MarkSeen, MoveAction, SavePart
from models import PlanItemType


def test_an_action_form_gives_the_command_built_from_values():
    form = MultiDict(
        {
            "description": " Morning call ",
            "frequency": "Daily",
            "due_on-day": "1",
            "due_on-month": "3",
            "due_on-year": "2027",
            "need_id": "12",
            "owner_agency_id": "7",
            "owner_user_id": "",
        }
    )
    command, problems = forms.new_item(form, PlanItemType.action)
    assert problems == {}
    assert command == AddItem(
        PlanItemType.action,
        {"description": "Morning call", "frequency": "Daily", "start_on": None, "due_on": "2027-03-01"},
        need_id=12,
        owner_agency_id=7,
        owner_user_id=None,
    )


def test_ids_that_name_nothing_are_problems_not_silently_dropped():
    form = MultiDict({"description": "Visit", "need_id": "twelve", "owner_agency_id": "9" * 40, "owner_user_id": "-3"})
    command, problems = forms.new_item(form, PlanItemType.action)
    assert set(problems) == {"need_id", "owner_agency_id", "owner_user_id"}
    assert command.need_id is None and command.owner_agency_id is None and command.owner_user_id is None


def test_a_date_that_cannot_be_read_is_a_problem_by_its_first_box():
    form = MultiDict({"goal": "Walk", "status": "proposed", "target_on-day": "40", "target_on-month": "1", "target_on-year": "2027"})
    command, problems = forms.new_item(form, PlanItemType.goal)
    assert "must be a real date" in problems["target_on-day"] and command.answers["target_on"] is None


def test_a_change_carries_the_version_seen_and_a_missing_version_is_a_400(app):
    command, problems = forms.changed_item(MultiDict({"goal": "Walk", "status": "active", "version": "3"}), PlanItemType.goal, 5)
    assert not problems and command == EditItem(PlanItemType.goal, 5, {"goal": "Walk", "target_on": None, "status": "active"}, 3)
    part, _ = forms.part(MultiDict({"what_matters": "My cat", "version": "0"}), "about_me", today=date(2026, 1, 1))
    assert isinstance(part, SavePart) and part.seen_version == 0 and part.answers["what_matters"] == "My cat"
    with pytest.raises(BadRequest):
        forms.mark_seen(MultiDict({"version": "latest"}))
    assert forms.mark_seen(MultiDict({"version": "41"})) == MarkSeen(41)


def test_moves_suggestions_and_the_care_team(app):
    assert forms.move(MultiDict({"transition": "decline", "reason": "Busy", "version": "2"}), 8) == MoveAction(
        8, handshake.Transition.decline, "Busy", 2
    )
    with pytest.raises(BadRequest):
        forms.move(MultiDict({"transition": "approve", "version": "2"}), 8)
    chosen = MultiDict([("suggestion", "4"), ("suggestion", "x"), ("suggestion", "4"), ("need-4", "Help to stop falling")])
    assert forms.adopt(chosen) == AdoptNeeds(((4, "Help to stop falling"),))
    assert forms.add_to_team(MultiDict({"agency_id": "DROP TABLE", "role": "OT"})) == AddToTeam(None, "OT")
