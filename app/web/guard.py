"""The web layer's door to the access rules (app/trust/access.py): the signed-in user, the request's
session, and what a page needs to know afterwards (may this user change the record? is it being
read under break-glass?). A refusal raises AccessRefused, which app/web/errors.py turns into a
403 page and an audit event. Views never check roles themselves."""

from collections.abc import Callable
from typing import Optional

from flask import abort, g
from sqlmodel import Session

from app.transaction import get_session
from app.trust import access
from models import Network, Person, User

RecordRule = Callable[[Session, User, Person], access.Decision]


def person_for(person_id: int, purpose: str, *, write: bool = False, rule: RecordRule = access.decide) -> Person:
    """The person whose record this request opens for `purpose` (or, with write=True, changes),
    audited; a 404 if there is no such person, a 403 if the rules say no. Pages viewed under
    break-glass are marked (`g.break_glass`)."""
    session = get_session()
    person = access.person_with_facts(session, g.user, person_id)
    if person is None:
        abort(404, "There is no person with that record number.")
    try:
        decision = access.open_record(session, g.user, person, purpose, write=write, rule=rule)
    finally:
        session.info.pop(access.RECORD_FACTS, None)  # read for this decision only
    behind = decision if rule is access.decide else access.decision_behind_triage(decision) if rule is access.triage_rule else None
    if behind is not None:
        g.record_decision = (person.id, behind)
    if decision.grant is not None:
        g.break_glass = decision.grant
    return person


def record_decision(person: Person) -> access.Decision:
    """The record rule's decision for the user and this person: the one this request already made
    when it opened the record, or a fresh one."""
    remembered: Optional[tuple[int, access.Decision]] = g.get("record_decision")
    if remembered is not None and remembered[0] == person.id:
        return remembered[1]
    return access.decide(get_session(), g.user, person)


def may_change(person: Person) -> bool:
    """Whether the user may change this person's record (the record rule's decision, made once a request)."""
    return access.may_change(record_decision(person))


def require(capability: str) -> None:
    """A 403 (audited) unless the signed-in user's role carries the capability."""
    access.require(g.user, capability)


def allowed(capability: str) -> bool:
    return access.allowed(g.get("user"), capability)


def network_for(network_id: int, purpose: str) -> Network:
    """The network, if the signed-in user leads it; a 404 if there is none, a 403 (audited) if they do not."""
    access.require(g.user, "view_network")
    network = get_session().get(Network, network_id)
    if network is None:
        abort(404, "There is no such network.")
    access.check_network(g.user, network, purpose)
    return network


def break_glass_candidate(person_id: int) -> tuple[Person, access.Decision]:
    """The person and the rules' decision, for someone asking to break glass (a 403 if they may not)."""
    person = get_session().get(Person, person_id)
    if person is None:
        abort(404, "There is no person with that record number.")
    return person, access.break_glass_candidate(get_session(), g.user, person)
