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
    assert {S.done, S.cancelled} == handshake.FINAL
    for status in (S.done, S.cancelled):
        assert handshake.available(status, OWNER) == []
    for status in (S.requested, S.accepted, S.in_progress, S.declined):
        assert Transition.cancel in handshake.available(status, OWNER)


def test_only_declining_and_cancelling_need_a_reason():
    assert {t for t, rule in handshake.RULES.items() if rule.needs_reason} == {Transition.decline, Transition.cancel}


def test_unknown_moves_are_not_parsed():
    assert handshake.parse("accept") is Transition.accept
    assert handshake.parse("approve") is None and handshake.parse("") is None


# The handshake written out by hand: (from statuses, to status, who may, needs a reason, button, history word).
EXPECTED_RULES = {
    Transition.accept: ({S.requested}, S.accepted, "owner", False, "Accept", "accepted"),
    Transition.decline: ({S.requested}, S.declined, "owner", True, "Decline", "declined"),
    Transition.start: ({S.accepted}, S.in_progress, "owner", False, "Start", "started"),
    Transition.complete: ({S.accepted, S.in_progress}, S.done, "owner", False, "Mark as done", "marked as done"),
    Transition.cancel: (
        {S.requested, S.accepted, S.in_progress, S.declined},
        S.cancelled,
        "owner, key worker or requester",
        True,
        "Cancel",
        "cancelled",
    ),
}


@pytest.mark.parametrize("transition", list(EXPECTED_RULES))
def test_each_move_of_the_handshake_is_as_written(transition):
    sources, target, by, needs_reason, button, done = EXPECTED_RULES[transition]
    rule = handshake.RULES[transition]
    assert (set(rule.sources), rule.target, rule.by, rule.needs_reason, rule.button, rule.done) == EXPECTED_RULES[transition]
    assert transition.rule is rule
    assert (transition.needs_reason, transition.button) == (needs_reason, button)


def test_the_handshake_has_exactly_these_moves_in_this_order():
    assert list(Transition) == list(EXPECTED_RULES)
    assert set(handshake.RULES) == set(EXPECTED_RULES)
    assert [t.value for t in Transition] == ["accept", "decline", "start", "complete", "cancel"]


def test_a_reason_is_at_most_500_characters():
    assert handshake.REASON_MAX == 500


@pytest.mark.parametrize("actor", [KEY_WORKER, REQUESTER, Actor(is_owner=False, is_key_worker=True, is_requester=True)])
@pytest.mark.parametrize("status", list(S))
def test_the_key_worker_or_requester_never_moves_the_owners_work_on(actor, status):
    assert handshake.available(status, actor) == ([Transition.cancel] if status not in (S.done, S.cancelled) else [])
    for transition in (Transition.accept, Transition.decline, Transition.start, Transition.complete):
        assert not actor.may(handshake.RULES[transition])


def test_the_owner_may_make_every_move_and_others_only_cancel():
    for transition, rule in handshake.RULES.items():
        assert OWNER.may(rule)
        assert KEY_WORKER.may(rule) is (transition is Transition.cancel)
        assert REQUESTER.may(rule) is (transition is Transition.cancel)
        assert not STRANGER.may(rule)


def test_a_stranger_is_told_who_may_cancel():
    assert handshake.refusal(S.accepted, Transition.cancel, STRANGER) == (
        "Only the agency the action is assigned to, the key worker or whoever asked for it can cancel it."
    )
    assert handshake.refusal(S.accepted, Transition.start, KEY_WORKER) == "Only the agency the action is assigned to can do that."
    assert handshake.refusal(S.accepted, Transition.cancel, KEY_WORKER) is None


def test_the_wrong_status_is_said_before_who_may_move_it():
    assert handshake.refusal(S.done, Transition.cancel, STRANGER) == "This action is done, so it cannot be cancelled now."
    assert handshake.refusal(S.in_progress, Transition.start, OWNER) == "This action is in progress, so it cannot be started now."
