"""The action handshake: an action assigned to an agency is *requested* until that agency accepts
it (it becomes theirs) or declines it with a reason (the key worker is told). After that it is in
progress, done or cancelled.

    requested --accept--> accepted --start--> in progress --complete--> done
    requested --decline (reason)--> declined
    accepted --complete--> done
    requested, accepted, in progress or declined --cancel (reason)--> cancelled
    accepted or in progress --its terms changed by anyone but its agency--> requested

Only the owning agency answers a request and moves its own work on; the owning agency, the key
worker or whoever asked for the action may cancel it. Done and cancelled are final. A declined
action goes back to *requested* when the key worker gives it to another agency (an edit). What an
agency accepted is what it agreed to do: if anyone else changes any of it (what, how often, when,
who), the agency is asked again, rather than holding it to terms it never saw.
"""

import enum
from dataclasses import dataclass
from typing import Optional

from models import ActionStatus

S = ActionStatus


class Transition(enum.StrEnum):
    accept = "accept"
    decline = "decline"
    start = "start"
    complete = "complete"
    cancel = "cancel"

    @property
    def rule(self) -> "Rule":
        return RULES[self]

    @property
    def needs_reason(self) -> bool:
        """Declining and cancelling ask why first."""
        return RULES[self].needs_reason

    @property
    def button(self) -> str:
        """What the button (or link) that makes this move says."""
        return RULES[self].button


OWNER = "owner"
OWNER_KEY_WORKER_OR_REQUESTER = "owner, key worker or requester"


@dataclass(frozen=True)
class Rule:
    sources: frozenset[ActionStatus]
    target: ActionStatus
    by: str
    needs_reason: bool
    button: str  # what the button says
    done: str  # how the history says it


RULES: dict[Transition, Rule] = {
    Transition.accept: Rule(frozenset({S.requested}), S.accepted, OWNER, False, "Accept", "accepted"),
    Transition.decline: Rule(frozenset({S.requested}), S.declined, OWNER, True, "Decline", "declined"),
    Transition.start: Rule(frozenset({S.accepted}), S.in_progress, OWNER, False, "Start", "started"),
    Transition.complete: Rule(frozenset({S.accepted, S.in_progress}), S.done, OWNER, False, "Mark as done", "marked as done"),
    Transition.cancel: Rule(
        frozenset({S.requested, S.accepted, S.in_progress, S.declined}),
        S.cancelled,
        OWNER_KEY_WORKER_OR_REQUESTER,
        True,
        "Cancel",
        "cancelled",
    ),
}

FINAL = frozenset({S.done, S.cancelled})
AGREED = frozenset({S.accepted, S.in_progress})  # the owning agency has said yes to the action as it stood
REASON_MAX = 500


@dataclass(frozen=True)
class Actor:
    """What the user is to this action: its owning agency, the person's key worker, its requester."""

    is_owner: bool
    is_key_worker: bool = False
    is_requester: bool = False

    def may(self, rule: Rule) -> bool:
        if rule.by == OWNER:
            return self.is_owner
        return self.is_owner or self.is_key_worker or self.is_requester


def refusal(status: ActionStatus, transition: Transition, actor: Actor) -> Optional[str]:
    """Why this user cannot make this move now, in words for the page; None if they can."""
    rule = RULES[transition]
    if status not in rule.sources:
        return f"This action is {status.label.lower()}, so it cannot be {rule.done} now."
    if not actor.may(rule):
        if rule.by == OWNER:
            return "Only the agency the action is assigned to can do that."
        return "Only the agency the action is assigned to, the key worker or whoever asked for it can cancel it."
    return None


def asks_again(status: ActionStatus, terms_changed: bool, by_owner: bool) -> bool:
    """Whether an edit sends the action back to *requested*: its terms changed after its agency
    agreed to them, by someone outside that agency (an agency may change its own accepted work)."""
    return status in AGREED and terms_changed and not by_owner


def available(status: ActionStatus, actor: Actor) -> list[Transition]:
    """The moves this user can make on an action in this status, in the order the page offers them."""
    return [t for t in Transition if refusal(status, t, actor) is None]


def target(transition: Transition) -> ActionStatus:
    return RULES[transition].target


def parse(raw: str) -> Optional[Transition]:
    try:
        return Transition(raw)
    except ValueError:
        return None
