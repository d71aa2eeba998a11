"""Break-glass: outside the rules a record opens only for a stated reason, for a short time,
read-only, marked on every page, audited, and reviewed by the network lead."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from app.trust import break_glass
from models import AccessGrant, AuditEvent, AuditOutcome, ConsentObjection
from tests.factories import World

REASON = {"reason_code": "urgent_care", "reason_text": "Called to a fall at home; the team cannot be reached tonight."}


@pytest.fixture
def world(db):
    return World(db)


def _break_glass(auth, world, data=REASON):
    return auth.post(f"/people/{world.person.id}/break-glass", data)


def test_a_refused_practitioner_is_offered_break_glass(client, auth, world):
    auth.sign_in("outsider")
    page = client.get(f"/people/{world.person.id}").get_data(as_text=True)
    assert "Get emergency access (break glass)" in page and f"/people/{world.person.id}/break-glass" in page


@pytest.mark.parametrize("username", ["admin", "otherlead"])
def test_administrators_and_network_leads_are_not_offered_break_glass(client, auth, world, username):
    auth.sign_in(username)
    response = client.get(f"/people/{world.person.id}")
    assert response.status_code == 403 and "break glass" not in response.get_data(as_text=True)


@pytest.mark.parametrize("username", ["admin", "otherlead"])
def test_administrators_and_network_leads_can_never_break_glass(client, auth, db, world, username):
    auth.sign_in(username)
    assert client.get(f"/people/{world.person.id}/break-glass").status_code == 403
    response = _break_glass(auth, world)
    assert response.status_code == 403
    assert db.exec(select(AccessGrant)).all() == []
    refused = db.exec(select(AuditEvent).where(AuditEvent.action == "break_glass")).all()
    assert len(refused) == 2 and all(e.outcome == AuditOutcome.refused for e in refused)


def test_the_form_needs_a_reason_from_the_list_and_an_explanation(client, auth, db, world):
    auth.sign_in("outsider")
    response = _break_glass(auth, world, {"reason_code": "", "reason_text": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "There is a problem" in page
    assert "Select why you need to see this record" in page and 'href="#reason_code"' in page
    assert "Enter why you need to see this record now" in page and 'href="#reason_text"' in page
    response = _break_glass(auth, world, {"reason_code": "made_up", "reason_text": "short"})
    assert response.status_code == 400 and "10 characters or more" in response.get_data(as_text=True)
    assert db.exec(select(AccessGrant)).all() == []
    assert client.get(f"/people/{world.person.id}").status_code == 403


def test_break_glass_opens_the_record_for_the_configured_time_marked_and_audited(client, auth, db, world, app):
    auth.sign_in("outsider")
    response = _break_glass(auth, world)
    assert response.status_code == 302 and response.headers["Location"] == f"/people/{world.person.id}"
    grant = db.exec(select(AccessGrant)).one()
    assert grant.user_id == world.outsider.id and grant.reason_code == "urgent_care"
    assert abs((grant.expires_at - grant.granted_at) - timedelta(minutes=app.config["BREAK_GLASS_MINUTES"])) < timedelta(seconds=1)
    for url in (f"/people/{world.person.id}", f"/people/{world.person.id}/assessment"):
        response = client.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert "You are reading this record with break-glass access" in page and "Giving urgent or emergency care" in page
    events = db.exec(select(AuditEvent).where(AuditEvent.user_id == world.outsider.id).order_by(AuditEvent.seq)).all()
    granted = next(e for e in events if e.action == "break_glass")
    assert granted.reason == "break glass: Giving urgent or emergency care" and granted.detail == REASON["reason_text"]
    views = [e for e in events if e.action in ("view_person", "view_assessment")]
    assert len(views) == 2 and all(e.reason.startswith("break glass:") and e.detail == REASON["reason_text"] for e in views)


def test_pages_of_other_records_are_not_marked(client, auth, db, world):
    from tests import factories

    mine = factories.person(db, world.practice, given_name="Own", family_name="Caseload")
    factories.team_member(db, mine, world.social_care, world.outsider, key_worker=True)
    auth.sign_in("outsider")
    _break_glass(auth, world)
    assert "break-glass access" not in client.get(f"/people/{mine.id}").get_data(as_text=True)


def test_break_glass_reads_but_never_changes_the_record(client, auth, world):
    auth.sign_in("outsider")
    _break_glass(auth, world)
    response = auth.post(f"/people/{world.person.id}/assessment")
    assert response.status_code == 403 and "you can read it" in response.get_data(as_text=True)


def test_access_ends_when_the_grant_expires(client, auth, db, world):
    auth.sign_in("outsider")
    _break_glass(auth, world)
    grant = db.exec(select(AccessGrant)).one()
    grant.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.add(grant)
    db.commit()
    assert client.get(f"/people/{world.person.id}").status_code == 403


def test_someone_who_already_has_access_is_sent_to_the_record(client, auth, db, world):
    auth.sign_in("nurse")
    response = client.get(f"/people/{world.person.id}/break-glass")
    assert response.status_code == 302 and response.headers["Location"] == f"/people/{world.person.id}"
    _break_glass(auth, world)
    assert db.exec(select(AccessGrant)).all() == []


def test_an_agency_the_person_objected_to_cannot_break_glass(client, auth, db, world):
    db.add(ConsentObjection(person_id=world.person.id, agency_id=world.social_care.id))
    db.commit()
    auth.sign_in("outsider")
    response = client.get(f"/people/{world.person.id}")
    assert response.status_code == 403 and "objected" in response.get_data(as_text=True)
    assert "break glass" not in response.get_data(as_text=True)
    assert _break_glass(auth, world).status_code == 403
    assert db.exec(select(AccessGrant)).all() == []


def test_the_network_lead_reviews_each_use_and_the_review_is_audited(client, auth, db, world):
    auth.sign_in("outsider")
    _break_glass(auth, world)
    client.get(f"/people/{world.person.id}")
    client.get(f"/people/{world.person.id}/assessment")
    auth.sign_out()
    auth.sign_in("lead")
    page = client.get("/break-glass-reviews").get_data(as_text=True)
    assert "LOVELACE, Ada" in page and "Called to a fall at home" in page and "Giving urgent or emergency care" in page
    assert break_glass.reviews(db, world.lead)[0].pages_viewed == 2
    grant = db.exec(select(AccessGrant)).one()
    response = auth.post(f"/break-glass-reviews/{grant.id}", {"appropriate": "yes", "review_note": "Spoke to the crew: needed."})
    assert response.status_code == 302
    db.refresh(grant)
    assert grant.reviewed_by_id == world.lead.id and grant.review_note == "Spoke to the crew: needed."
    assert "There is no break-glass access waiting for review" in client.get("/break-glass-reviews").get_data(as_text=True)
    assert "Spoke to the crew" in client.get("/break-glass-reviews?show=reviewed").get_data(as_text=True)
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "review_break_glass")).one()
    assert event.user_id == world.lead.id and event.record_id == str(grant.id)
    # Reviewing twice keeps the first review.
    auth.post(f"/break-glass-reviews/{grant.id}", {"appropriate": "no", "review_note": "again"})
    db.refresh(grant)
    assert grant.review_note == "Spoke to the crew: needed."


def test_a_lead_sees_and_reviews_only_their_own_networks_break_glass(client, auth, db, world):
    auth.sign_in("outsider")
    _break_glass(auth, world)
    auth.sign_out()
    auth.sign_in("otherlead")
    assert "LOVELACE" not in client.get("/break-glass-reviews").get_data(as_text=True)
    grant = db.exec(select(AccessGrant)).one()
    assert auth.post(f"/break-glass-reviews/{grant.id}", {}).status_code == 404
    db.refresh(grant)
    assert grant.reviewed_at is None


def test_a_review_note_that_is_too_long_gets_a_message(client, auth, db, world):
    auth.sign_in("outsider")
    _break_glass(auth, world)
    auth.sign_out()
    auth.sign_in("lead")
    grant = db.exec(select(AccessGrant)).one()
    response = auth.post(f"/break-glass-reviews/{grant.id}", {"appropriate": "yes", "review_note": "x" * 501})
    assert response.status_code == 400 and "500 characters or fewer" in response.get_data(as_text=True)
    db.refresh(grant)
    assert grant.reviewed_at is None


@pytest.mark.parametrize("username", ["nurse", "outsider", "coordinator", "admin"])
def test_only_network_leads_see_the_review_list(client, auth, world, username):
    auth.sign_in(username)
    assert client.get("/break-glass-reviews").status_code == 403


def _grant_to_review(auth, db, world):
    auth.sign_in("outsider")
    _break_glass(auth, world)
    auth.sign_out()
    auth.sign_in("lead")
    return db.exec(select(AccessGrant)).one()


def test_a_review_needs_a_choice_of_whether_the_access_was_appropriate(client, auth, db, world):
    grant = _grant_to_review(auth, db, world)
    response = auth.post(f"/break-glass-reviews/{grant.id}", {"review_note": "Looked fine."})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Select whether the access was appropriate" in page
    assert f'href="#appropriate-{grant.id}"' in page and f'id="appropriate-{grant.id}"' in page
    db.refresh(grant)
    assert grant.reviewed_at is None


def test_access_found_not_appropriate_needs_a_note_saying_why(client, auth, db, world):
    grant = _grant_to_review(auth, db, world)
    response = auth.post(f"/break-glass-reviews/{grant.id}", {"appropriate": "no", "review_note": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Enter why the access was not appropriate" in page
    assert f'href="#review_note-{grant.id}"' in page
    db.refresh(grant)
    assert grant.reviewed_at is None


def test_the_review_outcome_is_stored_and_shown_in_the_reviews_and_the_persons_access_log(client, auth, db, world):
    grant = _grant_to_review(auth, db, world)
    response = auth.post(f"/break-glass-reviews/{grant.id}", {"appropriate": "no", "review_note": "No urgent care was given."})
    assert response.status_code == 302
    db.refresh(grant)
    assert grant.review_appropriate is False and grant.review_note == "No urgent care was given."
    reviewed = client.get("/break-glass-reviews?show=reviewed").get_data(as_text=True)
    assert "Was the access appropriate?" in reviewed and "Not appropriate" in reviewed
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "review_break_glass")).one()
    assert event.reason == "Reviewed: not appropriate" and event.person_id == world.person.id
    auth.sign_out()
    auth.sign_in("nurse")
    log = client.get(f"/people/{world.person.id}/access-log").get_data(as_text=True)
    assert "Reviewed a break-glass access" in log and "Reviewed: not appropriate" in log


def test_access_found_appropriate_needs_no_note(client, auth, db, world):
    grant = _grant_to_review(auth, db, world)
    assert auth.post(f"/break-glass-reviews/{grant.id}", {"appropriate": "yes"}).status_code == 302
    db.refresh(grant)
    assert grant.review_appropriate is True and grant.review_note is None
    assert "Appropriate" in client.get("/break-glass-reviews?show=reviewed").get_data(as_text=True)
