"""The care plan's repeated addresses, made from a kept pattern, are url_for's to the character."""

import pytest
from flask import url_for

from app.web.addresses import address

ASKED = [
    ("care_plan.edit_item", {"person_id": 12, "kind": "actions", "item_id": 3456}),
    ("care_plan.edit_item", {"person_id": 7, "kind": "goals", "item_id": 7}),
    ("care_plan.new_item", {"person_id": 12, "kind": "goals", "need_id": None}),
    ("care_plan.new_item", {"person_id": 12, "kind": "goals", "need_id": 99}),
    ("care_plan.new_item", {"person_id": 12, "kind": "actions", "need_id": 0}),
    ("care_plan.move_action", {"person_id": 1, "action_id": 22}),
    ("care_plan.move_form", {"person_id": 1, "action_id": 22, "transition": "decline", "from": "plan"}),
    ("care_plan.move_form", {"person_id": 1, "action_id": 22, "transition": "cancel", "from": "worklist"}),
    ("care_plan.remove_contact", {"person_id": 31, "contact_id": 4}),
    ("care_plan.save_part", {"person_id": 31, "part_key": "about_me"}),
    ("care_plan.edit_part", {"person_id": 31, "part_key": "a part & more"}),
    ("assessment.show", {"person_id": 5}),
]


@pytest.mark.parametrize("script_root", ["", "/oneplan"])
def test_each_address_is_url_fors_the_first_time_and_every_time_after(app, script_root):
    with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": script_root}):
        for _ in range(3):
            for endpoint, values in ASKED:
                assert address(endpoint, **values) == url_for(endpoint, **values), (endpoint, values)


def test_an_address_with_other_ids_in_it_is_made_with_those_ids(app):
    with app.test_request_context("/"):
        assert address("care_plan.move_action", person_id=1, action_id=2) == "/people/1/care-plan/actions/2/status"
        assert address("care_plan.move_action", person_id=2, action_id=1) == "/people/2/care-plan/actions/1/status"
        assert address("care_plan.move_action", person_id=11, action_id=11) == "/people/11/care-plan/actions/11/status"


def test_what_cannot_be_an_id_is_left_to_url_for(app):
    with app.test_request_context("/"):
        assert address("care_plan.new_item", person_id=3, kind="goals", need_id=True) == url_for(
            "care_plan.new_item", person_id=3, kind="goals", need_id=True
        )
        assert address("care_plan.show", person_id=3, _anchor="plan") == url_for("care_plan.show", person_id=3, _anchor="plan")
