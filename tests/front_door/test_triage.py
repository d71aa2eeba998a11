"""Triage as commands: decisions checked without a form, saved only at the version seen (one
Conflict type otherwise), closing, and the triage form and queue filters read in the web layer."""

from datetime import UTC, datetime

import pytest
from werkzeug.datastructures import MultiDict

from app.front_door import clocks, forms, triage
from models import Referral, ReferralSource, ReferralStatus, TriageDecision, Urgency
from tests.factories import World


@pytest.fixture
def world(db):
    world = World(db)
    world.nurse.network_id = world.network.id
    db.add(world.nurse)
    db.commit()
    return world


@pytest.fixture
def referral(db, world):
    now = datetime.now(UTC)
    row = Referral(
        person_id=world.person.id,
        source=ReferralSource.gp,
        referrer_name="Dr Rao",
        reason="Falls",
        requested_urgency=Urgency.routine,
        urgency=Urgency.routine,
        status=ReferralStatus.received,
        received_at=now,
        due_by=clocks.due_by(now, Urgency.routine),
    )
    db.add(row)
    db.commit()
    return row


def accept(world, **overrides):
    values = dict(urgency=Urgency.urgent, decision=TriageDecision.accept, network_id=world.network.id, key_worker_id=world.nurse.id)
    values.update(overrides)
    return triage.TriageReferral(**values)


def test_a_decision_is_checked_by_triage_itself_by_command_field(db, world, referral):
    assert triage.check(db, referral, triage.TriageReferral(decision_note="x" * 2001)) == {
        "urgency": "Select the urgency you have decided",
        "decision_note": "A note must be 2000 characters or fewer",
        "decision": "Select what happens to this referral",
    }
    assert triage.check(db, referral, accept(world, network_id=None, key_worker_id=world.coordinator.id)) == {
        "network_id": "Select the network",
        "key_worker_id": "Select a key worker",
    }
    redirect = triage.TriageReferral(urgency=Urgency.urgent, decision=TriageDecision.redirect, redirect_network_id=world.network.id)
    assert triage.check(db, referral, redirect) == {
        "redirect_network_id": "Select a different network from the person's own",
        "redirect_reason": "Enter the reason for redirecting",
    }


def test_accepting_saves_at_the_version_seen_and_allocates(db, world, referral):
    result = triage.decide(db, referral, accept(world), world.coordinator, seen_version=1)
    assert result.ok and result.item is referral
    db.commit()
    db.expire_all()
    saved = db.get(Referral, referral.id)
    assert (saved.status, saved.urgency, saved.version, saved.key_worker_id) == (ReferralStatus.accepted, Urgency.urgent, 2, world.nurse.id)


def test_a_stale_decision_is_a_conflict_saying_who_changed_it_and_what_it_is_now(db, world, referral):
    assert triage.decide(db, referral, accept(world), world.coordinator, seen_version=1).ok
    db.commit()
    decline = triage.TriageReferral(urgency=Urgency.routine, decision=TriageDecision.decline, decline_reason="Not for us")
    result = triage.decide(db, referral, decline, world.nurse, seen_version=1)
    assert not result.ok and result.conflict is not None
    assert result.conflict.writer.id == world.coordinator.id and result.conflict.agency.id == world.spa.id
    assert result.conflict.theirs == {"status": ReferralStatus.accepted} and result.conflict.version == 2
    assert result.conflict.yours["decision"] is TriageDecision.decline and result.conflict.yours["decline_reason"] == "Not for us"
    db.commit()
    db.expire_all()
    assert db.get(Referral, referral.id).decline_reason is None


def test_closing_needs_a_decision_first_and_happens_once(db, world, referral):
    assert triage.close(db, referral, world.coordinator, seen_version=1).conflict is not None
    assert triage.decide(db, referral, accept(world), world.coordinator, seen_version=1).ok
    closed = triage.close(db, referral, world.coordinator, seen_version=2)
    assert closed.ok and closed.item.status is ReferralStatus.closed and closed.item.version == 3
    assert triage.close(db, referral, world.coordinator, seen_version=3).conflict is not None


# --- The triage form and the queue's filters, read in the web layer ------------------------


def test_the_triage_form_is_read_into_the_command():
    command, unread = forms.triage_referral(
        MultiDict(
            {
                "version": "1",
                "urgency": "two_day",
                "decision": "redirect",
                "redirect_network_id": "4",
                "redirect_reason": " Moved ",
                "network_id": "abc",
                "decision_note": "",
            }
        )
    )
    assert unread == {}
    assert command == triage.TriageReferral(
        urgency=Urgency.two_day, decision=TriageDecision.redirect, redirect_network_id=4, redirect_reason="Moved"
    )


def test_the_queue_filters_ignore_what_they_do_not_know():
    filters = forms.queue_filters(MultiDict({"status": "nonsense", "urgency": "'; DROP TABLE referral;--", "source": "gp", "network": "3"}))
    assert filters == triage.QueueFilters("awaiting", None, ReferralSource.gp, 3)
    assert forms.queue_filters(MultiDict({"status": "closed", "network": "99999999999"})).status == "closed"
    assert forms.queue_filters(MultiDict({"network": "99999999999"})).network_id is None
