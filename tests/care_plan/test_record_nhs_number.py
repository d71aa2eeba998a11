"""Recording the NHS number of a person who had none, once a trace has found it: by the care team
or the single point of access, from a link beside "Not known" on their record; checked as the
referral form checks it, never a number on another record, once only, audited and told to the key
worker."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from app.care_plan import identity
from app.trust import access
from models import AccessGrant, AuditEvent, AuditOutcome, ConsentObjection, Notification, Person
from tests import factories
from tests.api.fhir_client import FhirClient, body
from tests.api.test_fhir import token_for
from tests.factories import World

LINK = "Record the NHS number"


@pytest.fixture
def world(db):
    world = World(db)
    world.colleague = factories.user(db, world.nursing, username="colleague")  # the key worker's colleague: in the care team
    world.unknown = factories.person(
        db, world.practice, given_name="Grace", family_name="Okafor", date_of_birth=date(1938, 6, 1), nhs_known=False
    )
    factories.team_member(db, world.unknown, world.nursing, world.nurse, key_worker=True)
    db.commit()
    return world


def _open_referral(db, person: Person) -> None:
    factories.open_referral(db, person)


def _broke_glass(db, user, person: Person) -> None:
    now = datetime.now(UTC)
    db.add(
        AccessGrant(
            user_id=user.id,
            agency_id=user.agency_id,
            person_id=person.id,
            reason_code="urgent_care",
            reason_text="Seen at night",
            granted_at=now,
            expires_at=now + timedelta(minutes=30),
        )
    )
    db.commit()


def test_the_rule_opens_it_to_the_care_team_and_the_spa_at_triage_only(db, world):
    def allowed(user) -> bool:
        return access.nhs_number_rule(db, user, world.unknown).allowed

    assert allowed(world.nurse) and allowed(world.colleague)
    assert not allowed(world.lead) and not allowed(world.admin) and not allowed(world.outsider) and not allowed(world.coordinator)
    _broke_glass(db, world.outsider, world.unknown)
    _broke_glass(db, world.coordinator, world.unknown)
    assert access.decide(db, world.outsider, world.unknown).allowed and not allowed(world.outsider)  # reads, never records
    assert not allowed(world.coordinator)
    _open_referral(db, world.unknown)
    assert allowed(world.coordinator)
    db.add(ConsentObjection(person_id=world.unknown.id, agency_id=world.spa.id))
    db.commit()
    assert not allowed(world.coordinator)


def _number(db, person: Person):
    db.expire_all()
    return db.get(Person, person.id).nhs_number


def _recorded_events(db) -> list[AuditEvent]:
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == "nhs_number_recorded")))


def test_the_care_team_records_the_number_and_the_record_shows_it(client, auth, db, world):
    auth.sign_in("colleague")
    summary = client.get(f"/people/{world.unknown.id}").get_data(as_text=True)
    assert "Not known" in summary and LINK in summary and f"/people/{world.unknown.id}/nhs-number" in summary
    page = client.get(f"/people/{world.unknown.id}/nhs-number")
    assert page.status_code == 200
    assert 'inputmode="numeric"' in page.get_data(as_text=True) and 'name="csrf_token"' in page.get_data(as_text=True)
    number = factories.valid_nhs_number(4242)
    typed = f"{number[:3]} {number[3:6]} {number[6:]}"
    response = auth.post(f"/people/{world.unknown.id}/nhs-number", {"nhs_number": typed})
    assert response.status_code == 302 and response.headers["Location"].startswith(f"/people/{world.unknown.id}")
    assert _number(db, world.unknown) == number
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert typed in shown and "NHS number recorded" in shown and LINK not in shown


def test_it_is_audited_with_the_last_four_digits_and_told_to_the_key_worker(auth, db, world):
    auth.sign_in("colleague")
    number = factories.valid_nhs_number(4243)
    assert auth.post(f"/people/{world.unknown.id}/nhs-number", {"nhs_number": number}).status_code == 302
    [event] = _recorded_events(db)
    assert event.username == "colleague" and event.person_id == world.unknown.id and event.record_type == "person"
    assert event.detail == f"ending {number[-4:]}" and number not in (event.reason or "")
    [told] = db.exec(select(Notification).where(Notification.kind == "nhs_number_recorded")).all()
    assert told.user_id == world.nurse.id and told.person_id == world.unknown.id and number not in told.message


def test_the_key_worker_recording_it_is_not_told_of_it(auth, db, world):
    auth.sign_in("nurse")
    assert auth.post(f"/people/{world.unknown.id}/nhs-number", {"nhs_number": factories.valid_nhs_number(4244)}).status_code == 302
    assert db.exec(select(Notification).where(Notification.kind == "nhs_number_recorded")).all() == []


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter an NHS number"),
        ("999 ABC 4567", "NHS number must only include numbers"),
        ("999 123 456", "NHS number must be 10 digits"),
        ("9991234568", "Enter a valid NHS number (the check digit does not match)"),
    ],
)
def test_it_rejects_bad_input_beside_the_field_and_changes_nothing(auth, db, world, typed, message):
    if typed == "9991234568":
        assert not identity.nhs_number.is_valid(typed)
    auth.sign_in("colleague")
    response = auth.post(f"/people/{world.unknown.id}/nhs-number", {"nhs_number": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "nhsuk-error-summary" in page and 'href="#nhs_number"' in page
    assert 'id="nhs_number-error"' in page and page.count(message) == 2  # in the summary, and beside the field
    assert _number(db, world.unknown) is None and _recorded_events(db) == []


def test_a_number_on_another_record_is_refused_without_naming_them(auth, db, world):
    auth.sign_in("colleague")
    response = auth.post(f"/people/{world.unknown.id}/nhs-number", {"nhs_number": world.person.nhs_number})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and page.count(identity.ON_ANOTHER_RECORD) == 2
    assert "Lovelace" not in page and "LOVELACE" not in page
    assert _number(db, world.unknown) is None and _recorded_events(db) == []


@pytest.mark.parametrize("username", ["outsider", "lead", "admin"])
def test_it_is_refused_outside_the_care_team_and_the_refusal_audited(client, auth, db, world, username):
    auth.sign_in(username)
    for response in (
        client.get(f"/people/{world.unknown.id}/nhs-number"),
        auth.post(f"/people/{world.unknown.id}/nhs-number", {"nhs_number": factories.valid_nhs_number(4245)}),
    ):
        assert response.status_code == 403 and "Okafor" not in response.get_data(as_text=True)
    refused = db.exec(select(AuditEvent).where(AuditEvent.action == "record_nhs_number", AuditEvent.outcome == AuditOutcome.refused)).all()
    assert [(e.username, e.person_id) for e in refused] == [(username, world.unknown.id)] * 2
    assert _number(db, world.unknown) is None


def test_the_network_lead_reads_the_record_without_the_link(client, auth, world):
    auth.sign_in("lead")
    summary = client.get(f"/people/{world.unknown.id}")
    assert summary.status_code == 200 and "Not known" in summary.get_data(as_text=True) and LINK not in summary.get_data(as_text=True)


def test_the_single_point_of_access_records_it_while_a_referral_is_open(client, auth, db, world):
    auth.sign_in("coordinator")
    assert client.get(f"/people/{world.unknown.id}/nhs-number").status_code == 403
    _open_referral(db, world.unknown)
    assert LINK in client.get(f"/people/{world.unknown.id}").get_data(as_text=True)
    number = factories.valid_nhs_number(4246)
    assert auth.post(f"/people/{world.unknown.id}/nhs-number", {"nhs_number": number}).status_code == 302
    assert _number(db, world.unknown) == number


def test_a_known_number_is_not_changed_here_and_the_link_is_hidden(client, auth, db, world):
    auth.sign_in("nurse")
    summary = client.get(f"/people/{world.person.id}").get_data(as_text=True)
    assert LINK not in summary and "Not known" not in summary
    page = client.get(f"/people/{world.person.id}/nhs-number")
    assert page.status_code == 200 and identity.ALREADY_RECORDED in page.get_data(as_text=True)
    assert 'name="nhs_number"' not in page.get_data(as_text=True)
    before = world.person.nhs_number
    response = auth.post(f"/people/{world.person.id}/nhs-number", {"nhs_number": factories.valid_nhs_number(4247)})
    assert response.status_code == 409 and identity.ALREADY_RECORDED in response.get_data(as_text=True)
    assert _number(db, world.person) == before and _recorded_events(db) == []


def test_of_two_recordings_from_open_forms_the_second_is_told_it_is_recorded(client, auth, db, world):
    auth.sign_in("colleague")
    assert client.get(f"/people/{world.unknown.id}/nhs-number").status_code == 200
    first = factories.valid_nhs_number(4248)
    assert identity.record_nhs_number(db, db.get(Person, world.unknown.id), identity.RecordNHSNumber(first), world.nurse).ok
    db.commit()
    response = auth.post(f"/people/{world.unknown.id}/nhs-number", {"nhs_number": factories.valid_nhs_number(4249)})
    assert response.status_code == 409 and identity.ALREADY_RECORDED in response.get_data(as_text=True)
    assert _number(db, world.unknown) == first and len(_recorded_events(db)) == 1


def test_two_sessions_recording_at_once_only_one_wins(app, db, world):
    engine = app.extensions["oneplan_engine"]
    numbers = [factories.valid_nhs_number(4250), factories.valid_nhs_number(4251)]
    with Session(engine) as first, Session(engine) as second:
        people = [first.get(Person, world.unknown.id), second.get(Person, world.unknown.id)]
        assert people[0].nhs_number is None and people[1].nhs_number is None  # both opened the record before either saved
        won = identity.record_nhs_number(first, people[0], identity.RecordNHSNumber(numbers[0]), world.nurse)
        first.commit()
        lost = identity.record_nhs_number(second, people[1], identity.RecordNHSNumber(numbers[1]), world.colleague)
        second.commit()
    assert won.ok and lost.refused == identity.ALREADY_RECORDED
    assert _number(db, world.unknown) == numbers[0] and len(_recorded_events(db)) == 1


def test_a_writer_waiting_on_the_first_loses_once_it_commits(app, db, world, is_postgres):
    """On PostgreSQL the second UPDATE waits for the first transaction's row lock, then finds the
    number no longer empty: it writes nothing."""
    if not is_postgres:
        pytest.skip("SQLite takes one writer at a time: the sessions test above covers it")
    engine = app.extensions["oneplan_engine"]
    numbers = [factories.valid_nhs_number(4252), factories.valid_nhs_number(4253)]
    results = {}
    with Session(engine) as first, Session(engine) as second:
        people = [first.get(Person, world.unknown.id), second.get(Person, world.unknown.id)]
        results["first"] = identity.record_nhs_number(first, people[0], identity.RecordNHSNumber(numbers[0]), world.nurse)

        def record_second():
            results["second"] = identity.record_nhs_number(second, people[1], identity.RecordNHSNumber(numbers[1]), world.colleague)
            second.commit()

        waiting = threading.Thread(target=record_second)
        waiting.start()
        waiting.join(timeout=0.5)
        assert waiting.is_alive()  # held by the first transaction's row lock
        first.commit()
        waiting.join(timeout=10)
    assert results["first"].ok and results["second"].refused == identity.ALREADY_RECORDED
    assert _number(db, world.unknown) == numbers[0] and len(_recorded_events(db)) == 1


def test_the_fhir_patient_then_carries_the_identifier(client, auth, db, world):
    auth.sign_in("colleague")
    number = factories.valid_nhs_number(4254)
    assert auth.post(f"/people/{world.unknown.id}/nhs-number", {"nhs_number": number}).status_code == 302
    patient = body(FhirClient(client, token_for(db, world.nurse)).get(f"/fhir/Patient/{world.unknown.id}"))
    assert patient["identifier"] == [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": number}]
