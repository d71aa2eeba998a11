"""Break-glass as commands, without HTTP: a grant for a stated reason and a short time, audited, and
the network lead's review of it."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from app.trust import access, break_glass
from models import AccessGrant, AuditEvent
from tests.factories import World

REASON = {"reason_code": "urgent_care", "reason_text": "Called to a fall at home; the team cannot be reached tonight."}


@pytest.fixture
def world(db):
    return World(db)


def test_the_decision_names_break_glass_as_its_basis(db, world):
    assert break_glass.grant(db, world.outsider, world.person, break_glass.BreakGlass(**REASON), 60).ok
    db.commit()
    decision = access.decide(db, world.outsider, world.person)
    assert decision.allowed and decision.basis == "break glass" and decision.grant is not None
    assert not access.may_change(decision)


@pytest.mark.parametrize(
    "command, errors",
    [
        (
            break_glass.BreakGlass("", None),
            {"reason_code": "Select why you need to see this record", "reason_text": "Enter why you need to see this record now"},
        ),
        (
            break_glass.BreakGlass("made_up", "short"),
            {
                "reason_code": "Select why you need to see this record",
                "reason_text": "Explain why you need to see this record now, in 10 characters or more",
            },
        ),
        (
            break_glass.BreakGlass("other", "x" * 501),
            {"reason_text": "Why you need to see this record now must be 500 characters or fewer"},
        ),
    ],
)
def test_the_break_glass_command_is_checked_without_any_form(db, world, command, errors):
    result = break_glass.grant(db, world.outsider, world.person, command, 60)
    assert result.errors == errors and result.item is None
    db.commit()
    assert db.exec(select(AccessGrant)).all() == [] and db.exec(select(AuditEvent)).all() == []


def test_the_break_glass_command_refuses_who_may_never_break_glass(db, world):
    with pytest.raises(access.AccessRefused):
        break_glass.grant(db, world.admin, world.person, break_glass.BreakGlass(**REASON), 60)
    assert break_glass.grant(db, world.nurse, world.person, break_glass.BreakGlass(**REASON), 60).refused
    db.commit()
    assert db.exec(select(AccessGrant)).all() == []


def test_a_review_is_recorded_once_and_the_second_is_refused_in_words(db, world):
    grant = break_glass.grant(db, world.outsider, world.person, break_glass.BreakGlass(**REASON), 60).item
    first = break_glass.review(db, break_glass.ReviewBreakGlass(grant.id, True, "Needed."), world.lead)
    second = break_glass.review(db, break_glass.ReviewBreakGlass(grant.id, True, "again"), world.lead)
    assert first.ok and first.item.reviewed_by_id == world.lead.id
    assert second.refused == "Someone else had already reviewed that break-glass access."
    db.commit()
    db.refresh(grant)
    assert grant.review_note == "Needed."
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "review_break_glass")).all()) == 1


def test_the_review_command_checks_the_note_and_the_leads_network(db, world):
    grant = break_glass.grant(db, world.outsider, world.person, break_glass.BreakGlass(**REASON), 60).item
    too_long = break_glass.review(db, break_glass.ReviewBreakGlass(grant.id, True, "x" * 501), world.lead)
    assert too_long.errors == {"note": "The review note must be 500 characters or fewer"}
    elsewhere = break_glass.review(db, break_glass.ReviewBreakGlass(grant.id, True, None), world.other_lead)
    assert elsewhere.forbidden
    db.commit()
    db.refresh(grant)
    assert grant.reviewed_at is None


# --- Limits, grants and reviews --------------------------------------------------------------


def test_the_limits_are_as_written():
    assert (break_glass.REASON_TEXT_MIN, break_glass.REASON_TEXT_MAX, break_glass.REVIEW_NOTE_MAX, break_glass.REVIEWS_SHOWN) == (
        10,
        500,
        500,
        100,
    )


@pytest.mark.parametrize(
    "text, errors",
    [
        ("x" * 9, {"reason_text": "Explain why you need to see this record now, in 10 characters or more"}),
        ("x" * 10, {}),
        ("x" * 500, {}),
        ("   ", {"reason_text": "Enter why you need to see this record now"}),
    ],
)
def test_an_explanation_is_10_to_500_characters(text, errors):
    assert break_glass.check(break_glass.BreakGlass("covering", text)) == errors


@pytest.mark.parametrize("code", ["urgent_care", "safeguarding", "unplanned_contact", "covering", "other"])
def test_every_listed_reason_is_accepted(code):
    assert break_glass.check(break_glass.BreakGlass(code, "Called by the family")) == {}


def test_a_grant_lasts_the_minutes_given_from_now_and_is_audited_with_the_users_words(db, world):
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    result = break_glass.grant(db, world.outsider, world.person, break_glass.BreakGlass(**REASON), 45, now)
    db.commit()
    row = db.get(AccessGrant, result.item.id)
    assert (row.user_id, row.agency_id, row.person_id, row.reason_code, row.reason_text) == (
        world.outsider.id,
        world.social_care.id,
        world.person.id,
        "urgent_care",
        REASON["reason_text"],
    )
    assert (row.granted_at.replace(tzinfo=UTC), row.expires_at.replace(tzinfo=UTC)) == (now, now + timedelta(minutes=45))
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "break_glass")).one()
    assert (event.user_id, event.person_id, event.record_type, event.record_id, event.reason, event.detail) == (
        world.outsider.id,
        world.person.id,
        "access_grant",
        str(row.id),
        "break glass: Giving urgent or emergency care",
        REASON["reason_text"],
    )


def test_someone_who_can_already_open_the_record_is_told_so(db, world):
    assert break_glass.grant(db, world.nurse, world.person, break_glass.BreakGlass(**REASON), 60).refused == break_glass.ALREADY_OPEN
    assert break_glass.ALREADY_OPEN == "You can already open this record: it needs no break-glass access."


def _viewed(db, user, person, at, reason="break glass: Giving urgent or emergency care", action="view_person"):
    from app.trust import audit

    event = audit.record(db, action, user=user, person_id=person.id, reason=reason)
    event.at = at
    db.commit()


def test_the_review_list_counts_the_pages_each_grant_was_used_to_view(db, world):
    from tests import factories

    now = datetime.now(UTC).replace(microsecond=0)
    granted = break_glass.grant(db, world.outsider, world.person, break_glass.BreakGlass(**REASON), 60, now).item
    db.commit()
    other_person = factories.person(db, world.practice)
    for at in (now, now + timedelta(minutes=5), now + timedelta(minutes=60)):
        _viewed(db, world.outsider, world.person, at)  # counted: within the grant, on break glass
    _viewed(db, world.outsider, world.person, now - timedelta(minutes=1))
    _viewed(db, world.outsider, world.person, now + timedelta(minutes=61))
    _viewed(db, world.outsider, world.person, now + timedelta(minutes=6), reason="care team")
    _viewed(db, world.outsider, other_person, now + timedelta(minutes=7))
    _viewed(db, world.coordinator, world.person, now + timedelta(minutes=8))
    _viewed(db, world.outsider, world.person, now + timedelta(minutes=9), action="break_glass")
    (review,) = break_glass.reviews(db, world.lead)
    assert (review.grant.id, review.user.id, review.agency.id, review.person.id, review.reviewer) == (
        granted.id,
        world.outsider.id,
        world.social_care.id,
        world.person.id,
        None,
    )
    assert review.pages_viewed == 3 and review.reason == "Giving urgent or emergency care"


def test_the_review_list_is_the_leads_own_network_oldest_first_then_reviewed_newest_first(db, world):
    from tests import factories

    start = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    elsewhere = factories.person(db, factories.agency(db, network=world.other_network))
    grants = [
        break_glass.grant(db, world.outsider, world.person, break_glass.BreakGlass(**REASON), 1, start + timedelta(hours=h)).item
        for h in (2, 0, 1)
    ]
    break_glass.grant(db, world.outsider, elsewhere, break_glass.BreakGlass(**REASON), 1, start)
    db.commit()
    assert [r.grant.id for r in break_glass.reviews(db, world.lead)] == [grants[1].id, grants[2].id, grants[0].id]
    assert [r.grant.id for r in break_glass.reviews(db, world.lead, limit=2)] == [grants[1].id, grants[2].id]
    for grant, minutes in ((grants[0], 10), (grants[1], 30), (grants[2], 20)):
        break_glass.review(db, break_glass.ReviewBreakGlass(grant.id, True, None), world.lead, start + timedelta(days=1, minutes=minutes))
    db.commit()
    reviewed = break_glass.reviews(db, world.lead, reviewed=True)
    assert [r.grant.id for r in reviewed] == [grants[1].id, grants[2].id, grants[0].id]
    assert reviewed[0].reviewer.id == world.lead.id and break_glass.reviews(db, world.lead) == []
    assert [r.person.id for r in break_glass.reviews(db, world.other_lead)] == [elsewhere.id]


def test_a_grant_with_a_reason_no_longer_listed_shows_its_code(db, world):
    row = AccessGrant(
        user_id=world.outsider.id,
        agency_id=world.social_care.id,
        person_id=world.person.id,
        reason_code="retired",
        reason_text="Called by the family",
        expires_at=datetime.now(UTC),
    )
    db.add(row)
    db.commit()
    assert break_glass.reviews(db, world.lead)[0].reason == "retired"


def test_a_review_is_dated_signed_and_audited_with_the_note(db, world):
    grant = break_glass.grant(db, world.outsider, world.person, break_glass.BreakGlass(**REASON), 60).item
    when = datetime(2026, 6, 2, 9, 0, tzinfo=UTC)
    result = break_glass.review(db, break_glass.ReviewBreakGlass(grant.id, True, "Appropriate."), world.lead, when)
    db.commit()
    row = db.get(AccessGrant, grant.id)
    assert (row.reviewed_at.replace(tzinfo=UTC), row.reviewed_by_id, row.review_note) == (when, world.lead.id, "Appropriate.")
    assert result.item.id == grant.id and result.item.reviewed_by_id == world.lead.id
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "review_break_glass")).one()
    assert (event.user_id, event.person_id, event.record_type, event.record_id, event.detail) == (
        world.lead.id,
        world.person.id,
        "access_grant",
        str(grant.id),
        "Appropriate.",
    )


def test_a_lead_reviews_only_grants_in_their_own_network(db, world):
    from tests import factories

    grant = break_glass.grant(db, world.outsider, world.person, break_glass.BreakGlass(**REASON), 60).item
    no_practice = factories.person(db)
    elsewhere = break_glass.grant(db, world.outsider, no_practice, break_glass.BreakGlass(**REASON), 60).item
    lead_without_network = factories.user(db, world.practice, role=world.lead.role)
    db.commit()
    assert break_glass.grant_for_review(db, world.lead, grant.id).id == grant.id
    assert break_glass.grant_for_review(db, world.other_lead, grant.id) is None
    assert break_glass.grant_for_review(db, lead_without_network, grant.id) is None
    assert break_glass.grant_for_review(db, lead_without_network, elsewhere.id) is None  # no network on either side is no match
    assert break_glass.grant_for_review(db, world.lead, elsewhere.id) is None
    assert break_glass.grant_for_review(db, world.lead, 999999) is None
    refused = break_glass.review(db, break_glass.ReviewBreakGlass(999999, True, None), world.lead)
    assert refused.forbidden == "There is no break-glass access with that number in your network."


def test_the_review_list_names_the_agency_the_user_broke_glass_from(db, world):
    break_glass.grant(db, world.outsider, world.person, break_glass.BreakGlass(**REASON), 60)
    db.commit()
    world.outsider.agency_id = world.nursing.id  # moved to another agency since
    db.add(world.outsider)
    db.commit()
    (review,) = break_glass.reviews(db, world.lead)
    assert review.agency.id == world.social_care.id


# --- Whether the access was appropriate ---------------------------------------------------------


def test_a_review_outcome_is_said_in_these_words():
    assert break_glass.APPROPRIATE_LABELS == {True: "Appropriate", False: "Not appropriate"}
    assert [break_glass.outcome_label(a) for a in (True, False, None)] == ["Appropriate", "Not appropriate", "Not recorded"]


@pytest.mark.parametrize(
    "appropriate, note, errors",
    [
        (None, None, {"appropriate": "Select whether the access was appropriate"}),
        (None, "A note", {"appropriate": "Select whether the access was appropriate"}),
        (True, None, {}),
        (True, "", {}),
        (False, None, {"note": "Enter why the access was not appropriate"}),
        (False, "", {"note": "Enter why the access was not appropriate"}),
        (False, "Read more than the visit needed.", {}),
        (False, "x" * 500, {}),
        (False, "x" * 501, {"note": "The review note must be 500 characters or fewer"}),
        (
            None,
            "x" * 501,
            {"appropriate": "Select whether the access was appropriate", "note": "The review note must be 500 characters or fewer"},
        ),
    ],
)
def test_a_review_needs_a_finding_and_a_note_saying_why_when_the_access_was_not_appropriate(appropriate, note, errors):
    assert break_glass.check_review(break_glass.ReviewBreakGlass(1, appropriate, note)) == errors


@pytest.mark.parametrize("appropriate, reason", [(True, "Reviewed: appropriate"), (False, "Reviewed: not appropriate")])
def test_the_finding_is_stored_and_audited_in_words(db, world, appropriate, reason):
    grant = break_glass.grant(db, world.outsider, world.person, break_glass.BreakGlass(**REASON), 60).item
    result = break_glass.review(db, break_glass.ReviewBreakGlass(grant.id, appropriate, "Checked with the team."), world.lead)
    db.commit()
    assert result.ok
    assert db.get(AccessGrant, grant.id).review_appropriate is appropriate
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "review_break_glass")).one()
    assert (event.reason, event.detail) == (reason, "Checked with the team.")


def test_a_review_without_a_finding_is_refused_and_changes_nothing(db, world):
    grant = break_glass.grant(db, world.outsider, world.person, break_glass.BreakGlass(**REASON), 60).item
    result = break_glass.review(db, break_glass.ReviewBreakGlass(grant.id, None, None), world.lead)
    assert result.errors == {"appropriate": "Select whether the access was appropriate"}
    db.commit()
    assert db.get(AccessGrant, grant.id).reviewed_at is None
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "review_break_glass")).all() == []


def test_a_lead_whose_agency_the_person_objected_to_neither_lists_nor_reviews_their_grants(db, world):
    from models import ConsentObjection

    grant = break_glass.grant(db, world.outsider, world.person, break_glass.BreakGlass(**REASON), 60).item
    db.add(ConsentObjection(person_id=world.person.id, agency_id=world.nursing.id))  # another agency: no difference
    db.commit()
    assert break_glass.grant_for_review(db, world.lead, grant.id).id == grant.id
    db.add(ConsentObjection(person_id=world.person.id, agency_id=world.lead.agency_id))
    db.commit()
    assert break_glass.grant_for_review(db, world.lead, grant.id) is None
    assert break_glass.reviews(db, world.lead) == []
    assert (
        break_glass.review(db, break_glass.ReviewBreakGlass(grant.id, True, None), world.lead).forbidden == break_glass.NOT_IN_YOUR_NETWORK
    )
