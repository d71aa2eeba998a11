"""The person's sharing decisions: recorded by the care team, an objection enforced by the
access rules (403, audited) and shown to the key worker on the record."""

import pytest
from sqlmodel import select

from app.trust import access
from models import AuditEvent, AuditOutcome, Consent, ConsentObjection
from tests.factories import World


@pytest.fixture
def world(db):
    return World(db)


def _record(auth, world, version=0, **fields):
    data = {"version": str(version), "shares_with_care_team": "yes", **fields}
    return auth.post(f"/people/{world.person.id}/consent", data)


def test_the_care_team_records_the_persons_sharing_decisions(client, auth, db, world):
    auth.sign_in("nurse")
    assert client.get(f"/people/{world.person.id}/consent/edit").status_code == 200
    response = _record(
        auth,
        world,
        shares_with_care_team="yes",
        object_to=str(world.social_care.id),
        carer_name="Grace Hopper",
        carer_relationship="Daughter",
        carer_contact="07700 900123",
    )
    assert response.status_code == 302
    consent = db.exec(select(Consent)).one()
    assert consent.shares_with_care_team is True and consent.carer_name == "Grace Hopper" and consent.recorded_by_id == world.nurse.id
    objection = db.exec(select(ConsentObjection)).one()
    assert objection.agency_id == world.social_care.id and objection.withdrawn_at is None
    page = client.get(f"/people/{world.person.id}/consent").get_data(as_text=True)
    assert "Grace Hopper (Daughter), 07700 900123" in page and "Adult Social Care" in page
    event = db.exec(select(AuditEvent).where(AuditEvent.record_type == "consent")).one()
    assert event.person_id == world.person.id and "objection added: yes" in event.reason


def test_an_objecting_agency_is_refused_and_audited(client, auth, db, world):
    from tests import factories

    factories.team_member(db, world.person, world.social_care, world.outsider)
    auth.sign_in("outsider")
    assert client.get(f"/people/{world.person.id}").status_code == 200
    auth.sign_out()
    auth.sign_in("nurse")
    _record(auth, world, object_to=str(world.social_care.id))
    auth.sign_out()
    auth.sign_in("outsider")
    response = client.get(f"/people/{world.person.id}")
    assert response.status_code == 403
    assert "objected to sharing their record with your agency" in response.get_data(as_text=True)
    refused = db.exec(select(AuditEvent).where(AuditEvent.outcome == AuditOutcome.refused)).all()
    assert refused[-1].username == "outsider" and "objected" in refused[-1].reason
    assert not access.decide(db, world.outsider, world.person).allowed


def test_the_key_worker_sees_the_objection_on_the_record(client, auth, db, world):
    from tests import factories

    factories.team_member(db, world.person, world.social_care)
    auth.sign_in("nurse")
    _record(auth, world, object_to=str(world.social_care.id))
    page = client.get(f"/people/{world.person.id}").get_data(as_text=True)
    assert "The person objects to sharing their record" in page
    assert "Adult Social Care (in the care team: they can no longer open this record)" in page
    assert f"/people/{world.person.id}/consent" in page


def test_a_withdrawn_objection_is_kept_and_the_agency_can_open_the_record_again(client, auth, db, world):
    auth.sign_in("nurse")
    _record(auth, world, object_to=str(world.social_care.id))
    objection = db.exec(select(ConsentObjection)).one()
    response = _record(auth, world, version=1)  # the objection is not ticked to keep: withdrawn
    assert response.status_code == 302
    db.refresh(objection)
    assert objection.withdrawn_at is not None and objection.withdrawn_by_id == world.nurse.id
    from tests import factories

    factories.team_member(db, world.person, world.social_care)
    assert access.decide(db, world.outsider, world.person).allowed


def test_a_kept_objection_stands(client, auth, db, world):
    auth.sign_in("nurse")
    _record(auth, world, object_to=str(world.social_care.id))
    objection = db.exec(select(ConsentObjection)).one()
    _record(auth, world, version=1, keep_objection=str(objection.id))
    db.refresh(objection)
    assert objection.withdrawn_at is None


def test_bad_answers_get_messages_and_nothing_is_saved(client, auth, db, world):
    auth.sign_in("nurse")
    response = auth.post(
        f"/people/{world.person.id}/consent",
        {
            "version": "0",
            "shares_with_care_team": "perhaps",
            "object_to": "999999",
            "carer_contact": "x" * 121,
            "carer_relationship": "Son",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "There is a problem" in page
    assert "Select whether the person agrees" in page and "Select an agency from the list" in page
    assert "120 characters or fewer" in page and "Enter the carer&#39;s name" in page
    assert db.exec(select(Consent)).all() == []


def test_nobody_records_an_objection_to_their_own_agency(client, auth, db, world):
    auth.sign_in("nurse")
    response = _record(auth, world, object_to=str(world.nursing.id))
    assert response.status_code == 400 and "your own agency" in response.get_data(as_text=True)


def test_a_stale_save_is_refused_and_shows_the_latest(client, auth, db, world):
    auth.sign_in("nurse")
    _record(auth, world, carer_name="First Carer")
    response = _record(auth, world, version=0, carer_name="Second Carer")
    assert response.status_code == 409 and "Someone else changed these decisions" in response.get_data(as_text=True)
    assert db.exec(select(Consent)).one().carer_name == "First Carer"


def test_the_network_lead_reads_but_does_not_record_consent(client, auth, world):
    auth.sign_in("lead")
    assert client.get(f"/people/{world.person.id}/consent").status_code == 200
    assert client.get(f"/people/{world.person.id}/consent/edit").status_code == 403
    assert _record(auth, world).status_code == 403


def test_an_agency_that_cannot_be_read_saves_nothing_even_when_the_rest_is_right(client, auth, db, world):
    auth.sign_in("nurse")
    response = _record(auth, world, object_to="not-an-id", carer_name="Grace Hopper")
    assert response.status_code == 400 and "Select an agency from the list" in response.get_data(as_text=True)
    assert db.exec(select(Consent)).all() == []
