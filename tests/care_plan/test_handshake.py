"""The action handshake's rules, without HTTP: who may make which move from which status."""

import pytest

from app.care_plan import handshake
from app.care_plan.handshake import Actor, Transition
from models import ActionStatus

S = ActionStatus
OWNER = Actor(is_owner=True)
KEY_WORKER = Actor(is_owner=False, is_key_worker=True)
REQUESTER = Actor(is_owner=False, is_requester=True)
STRANGER = Actor(is_owner=False)


@pytest.mark.parametrize(
    "status, expected",
    [
        (S.requested, [Transition.accept, Transition.decline, Transition.cancel]),
        (S.accepted, [Transition.start, Transition.complete, Transition.cancel]),
        (S.in_progress, [Transition.complete, Transition.cancel]),
        (S.declined, [Transition.cancel]),
        (S.done, []),
        (S.cancelled, []),
    ],
)
def test_the_owning_agency_can_make_these_moves_from_each_status(status, expected):
    assert handshake.available(status, OWNER) == expected


@pytest.mark.parametrize("actor", [KEY_WORKER, REQUESTER])
def test_the_key_worker_or_requester_can_only_cancel(actor):
    assert handshake.available(S.requested, actor) == [Transition.cancel]
    assert handshake.available(S.declined, actor) == [Transition.cancel]
    assert handshake.available(S.done, actor) == []


def test_anyone_else_can_make_no_move_and_is_told_why():
    assert all(handshake.available(status, STRANGER) == [] for status in S)
    assert handshake.refusal(S.requested, Transition.accept, STRANGER) == "Only the agency the action is assigned to can do that."
    assert "key worker" in handshake.refusal(S.requested, Transition.cancel, STRANGER)


def test_only_the_owner_answers_a_request_even_the_key_worker_cannot_accept_for_them():
    assert handshake.refusal(S.requested, Transition.accept, KEY_WORKER) is not None
    assert handshake.refusal(S.requested, Transition.decline, REQUESTER) is not None


@pytest.mark.parametrize(
    "transition, target",
    [
        (Transition.accept, S.accepted),
        (Transition.decline, S.declined),
        (Transition.start, S.in_progress),
        (Transition.complete, S.done),
        (Transition.cancel, S.cancelled),
    ],
)
def test_each_move_leads_to_its_status(transition, target):
    assert handshake.target(transition) is target


def test_a_move_from_the_wrong_status_says_where_the_action_stands():
    assert handshake.refusal(S.done, Transition.accept, OWNER) == "This action is done, so it cannot be accepted now."
    assert handshake.refusal(S.declined, Transition.complete, OWNER) == "This action is declined, so it cannot be marked as done now."


def test_done_and_cancelled_are_final_and_every_open_status_can_still_be_cancelled():
    for status in handshake.FINAL:
        assert handshake.available(status, OWNER) == []
    for status in (S.requested, S.accepted, S.in_progress, S.declined):
        assert Transition.cancel in handshake.available(status, OWNER)


def test_only_declining_and_cancelling_need_a_reason():
    assert {t for t, rule in handshake.RULES.items() if rule.needs_reason} == {Transition.decline, Transition.cancel}


def test_unknown_moves_are_not_parsed():
    assert handshake.parse("accept") is Transition.accept
    assert handshake.parse("approve") is None and handshake.parse("") is None
