"""A person whose NHS number is not known, over FHIR: a Patient with no nhs-number identifier (FHIR
allows no empty list), their referral's subject by reference only, and no identifier search finds them.

A referral for them is a ServiceRequest whose subject is a contained Patient without an NHS-number
identifier: its details are checked as a new record's, then matched as the intake form matches them;
the one likely record is theirs (with or without a number), two are a 422, none makes a new record
without a number."""

from datetime import date

import pytest
from sqlmodel import func, select

from models import AuditEvent, AuditOutcome, Person, Referral
from tests import factories
from tests.api.fhir_client import FhirClient, body, issues
from tests.api.test_fhir import token_for
from tests.factories import World

NHS = "https://fhir.nhs.uk/Id/nhs-number"


@pytest.fixture
def world(db):
    return World(db)


def referral_for(patient, **overrides):
    """A ward's referral for the person described by a contained Patient (#p1)."""
    resource = {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "priority": "urgent",
        "contained": [{"resourceType": "Patient", "id": "p1", **patient}],
        "subject": {"reference": "#p1"},
        "requester": {"display": "Sister Ann Hale, Ward 12"},
        "reasonCode": [{"text": "Ready to leave; needs a package of care at home"}],
    }
    resource.update(overrides)
    return resource


def described(practice, given="Grace", family="Okafor", born="1938-06-01", postcode="WF2 7AA", **more):
    """A Patient with no NHS-number identifier: name, birth date, address and GP practice."""
    return {
        "name": [{"family": family, "given": [given]}],
        "birthDate": born,
        "address": [{"line": ["4 Mill Lane"], "city": "Wakefield", "postalCode": postcode}],
        "generalPractitioner": [{"display": practice.name}],
        **more,
    }


def count(db, model):
    return db.exec(select(func.count()).select_from(model)).one()


def test_a_patient_without_an_nhs_number_reads_without_the_identifier(client, db, world):
    unknown = factories.person(
        db, world.practice, given_name="Grace", family_name="Okafor", date_of_birth=date(1938, 6, 1), nhs_known=False
    )
    factories.team_member(db, unknown, world.nursing, world.nurse, key_worker=True)
    nurse = FhirClient(client, token_for(db, world.nurse))
    patient = body(nurse.get(f"/fhir/Patient/{unknown.id}"))
    assert patient["resourceType"] == "Patient" and "identifier" not in patient
    assert patient["name"][0]["family"] == "Okafor" and patient["birthDate"] == "1938-06-01"
    known = body(nurse.get(f"/fhir/Patient/{world.person.id}"))
    assert known["identifier"] == [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": world.person.nhs_number}]
    everything = nurse.get(f"/fhir/Patient/{unknown.id}/$everything")
    assert everything.status_code == 200
    found = body(nurse.get(f"/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|{factories.valid_nhs_number(424242)}"))
    assert found["total"] == 0


def test_a_referral_without_an_nhs_number_makes_a_record_without_one_and_reads_back_without_it(client, db, world):
    nurse = FhirClient(client, token_for(db, world.nurse))
    people_before = count(db, Person)
    sent = nurse.post("/fhir/ServiceRequest", referral_for(described(world.practice)))
    assert sent.status_code == 201, sent.get_data(as_text=True)
    person = db.exec(select(Person).where(Person.family_name == "Okafor")).one()
    assert person.nhs_number is None and person.gp_practice_id == world.practice.id and person.postcode == "WF2 7AA"
    assert count(db, Person) == people_before + 1
    referral = db.exec(select(Referral)).one()
    assert referral.person_id == person.id and referral.received_via == "FHIR API"
    assert body(sent)["subject"] == {"reference": f"Patient/{person.id}"}
    read = nurse.get(f"/fhir/ServiceRequest/{referral.id}")  # the sender reads it back
    assert read.status_code == 200 and body(read)["subject"] == {"reference": f"Patient/{person.id}"}
    made = db.exec(select(AuditEvent).where(AuditEvent.action == "create_person")).one()
    assert made.person_id == person.id and made.user_id == world.nurse.id
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "match_people")).one().detail == "0 candidates"


def test_sent_again_it_finds_the_record_it_made_and_joins_its_open_referral(client, db, world):
    nurse = FhirClient(client, token_for(db, world.nurse))
    assert nurse.post("/fhir/ServiceRequest", referral_for(described(world.practice))).status_code == 201
    people = count(db, Person)
    again = nurse.post("/fhir/ServiceRequest", referral_for(described(world.practice, given="grace", postcode="wf27aa")))
    assert again.status_code == 201, again.get_data(as_text=True)
    assert count(db, Person) == people  # found, not duplicated
    first, second = db.exec(select(Referral).order_by(Referral.id)).all()
    assert second.person_id == first.person_id and second.linked_to_id == first.id


def test_an_existing_record_without_a_number_is_found_by_name_birth_date_and_postcode(client, db, world):
    unknown = factories.person(
        db, world.practice, given_name="Grace", family_name="Okafor", date_of_birth=date(1938, 6, 1), postcode="WF2 7AA", nhs_known=False
    )
    nurse = FhirClient(client, token_for(db, world.nurse))
    people = count(db, Person)
    sent = nurse.post("/fhir/ServiceRequest", referral_for(described(world.practice, family="Okafur")))  # a typo in the name
    assert sent.status_code == 201, sent.get_data(as_text=True)
    assert count(db, Person) == people
    assert db.exec(select(Referral)).one().person_id == unknown.id
    assert body(sent)["subject"] == {"reference": f"Patient/{unknown.id}"}


def test_a_record_with_a_number_is_found_when_the_referrer_does_not_know_it(client, db, world):
    nurse = FhirClient(client, token_for(db, world.nurse))
    people = count(db, Person)
    ada = described(world.practice, given="Ada", family="Lovelace", born="1941-03-12", postcode="WF1 2AB")
    sent = nurse.post("/fhir/ServiceRequest", referral_for(ada))
    assert sent.status_code == 201, sent.get_data(as_text=True)
    assert count(db, Person) == people and db.exec(select(Referral)).one().person_id == world.person.id
    assert body(sent)["subject"]["identifier"] == {"system": NHS, "value": world.person.nhs_number}


def test_a_twin_at_the_same_address_is_not_taken_for_the_person(client, db, world):
    twin = factories.person(db, world.practice, given_name="Augusta", family_name="Lovelace", date_of_birth=date(1941, 3, 12))
    nurse = FhirClient(client, token_for(db, world.nurse))
    ada = described(world.practice, given="Ada", family="Lovelace", born="1941-03-12", postcode="WF1 2AB")
    assert nurse.post("/fhir/ServiceRequest", referral_for(ada)).status_code == 201
    assert db.exec(select(Referral)).one().person_id == world.person.id != twin.id
    augustus = described(world.practice, given="Augustus", family="Hollins", born="1941-03-12", postcode="WF1 2AB")
    assert nurse.post("/fhir/ServiceRequest", referral_for(augustus)).status_code == 201  # only a possible match: a new record
    assert db.exec(select(Person).where(Person.family_name == "Hollins")).one().nhs_number is None


def test_two_likely_records_are_a_422_that_changes_nothing(client, db, world):
    for _ in range(2):
        factories.person(db, world.practice, given_name="Grace", family_name="Okafor", date_of_birth=date(1938, 6, 1), postcode="WF2 7AA")
    nurse = FhirClient(client, token_for(db, world.nurse))
    people = count(db, Person)
    sent = nurse.post("/fhir/ServiceRequest", referral_for(described(world.practice)))
    assert sent.status_code == 422
    problem = issues(sent)[0]
    assert problem["code"] == "multiple-matches" and problem["expression"] == ["ServiceRequest.subject"]
    assert "give the NHS number" in problem["diagnostics"] and "Okafor" not in problem["diagnostics"]
    assert count(db, Person) == people and count(db, Referral) == 0
    refusal = db.exec(select(AuditEvent).where(AuditEvent.action == "fhir_create_service_request")).one()
    assert refusal.outcome is AuditOutcome.refused


@pytest.mark.parametrize(
    "changes, expression, words",
    [
        ({"birthDate": None}, "Patient.birthDate", "date of birth"),
        ({"address": [{"line": ["4 Mill Lane"], "city": "Wakefield", "postalCode": "WF1"}]}, "Patient.address.postalCode", "real postcode"),
        ({"name": [{"family": "Okafor"}]}, "Patient.name", "given name"),
        ({"generalPractitioner": None}, "Patient.generalPractitioner", "GP practice"),
        ({"identifier": [{"system": NHS}]}, "Patient.identifier.value", "leave the identifier out"),
        ({"identifier": [{"system": NHS, "value": "9990002038"}]}, "Patient.identifier.value", "check digit"),
        (
            {"identifier": [{"system": NHS, "value": "9990000018"}, {"system": NHS, "value": "9990000026"}]},
            "Patient.identifier",
            "one NHS number",
        ),
    ],
)
def test_a_patient_without_a_number_with_bad_details_is_refused_naming_the_field(client, db, world, changes, expression, words):
    # The details match Ada's record by name and birth date: bad ones are refused all the same.
    ada = described(world.practice, given="Ada", family="Lovelace", born="1941-03-12", postcode="WF1 2AB")
    patient = {key: value for key, value in {**ada, **changes}.items() if value is not None}
    nurse = FhirClient(client, token_for(db, world.nurse))
    people = count(db, Person)
    sent = nurse.post("/fhir/ServiceRequest", referral_for(patient))
    assert sent.status_code == 422, sent.get_data(as_text=True)
    found = issues(sent)
    assert any(words in issue["diagnostics"] for issue in found), found
    assert any(expression in issue.get("expression", []) for issue in found), found
    assert count(db, Person) == people and count(db, Referral) == 0


@pytest.mark.parametrize(
    "subject, expression, words",
    [
        ({"display": "Grace Okafor"}, "ServiceRequest.subject.identifier", "when it is not known, by a contained Patient"),
        ({"identifier": {"system": NHS}}, "ServiceRequest.subject.identifier.value", "leave the identifier out"),
        (
            {"reference": "#p1", "identifier": {"system": NHS, "value": "9990000018"}},
            "ServiceRequest.subject.identifier",
            "different NHS numbers",
        ),
    ],
)
def test_a_subject_that_names_no_one_clearly_is_refused(client, db, world, subject, expression, words):
    patient = described(world.practice, identifier=[{"system": NHS, "value": world.person.nhs_number}])
    nurse = FhirClient(client, token_for(db, world.nurse))
    sent = nurse.post("/fhir/ServiceRequest", referral_for(patient, subject=subject))
    assert sent.status_code == 422, sent.get_data(as_text=True)
    problem = issues(sent)[0]
    assert words in problem["diagnostics"] and problem["expression"] == [expression]
    assert count(db, Referral) == 0


def test_the_number_given_on_the_subject_names_a_contained_patient_without_one(client, db, world):
    nurse = FhirClient(client, token_for(db, world.nurse))
    subject = {"reference": "#p1", "identifier": {"system": NHS, "value": world.person.nhs_number}}
    sent = nurse.post("/fhir/ServiceRequest", referral_for(described(world.practice), subject=subject))
    assert sent.status_code == 201, sent.get_data(as_text=True)
    assert db.exec(select(Referral)).one().person_id == world.person.id


def test_its_referral_reads_by_the_same_rules_as_any_other(client, db, world):
    nurse = FhirClient(client, token_for(db, world.nurse))
    sent = nurse.post("/fhir/ServiceRequest", referral_for(described(world.practice)))
    assert sent.status_code == 201, sent.get_data(as_text=True)
    path = f"/fhir/ServiceRequest/{body(sent)['id']}"
    coordinator = FhirClient(client, token_for(db, world.coordinator)).get(path)  # the SPA, while it is open
    assert coordinator.status_code == 200 and "identifier" not in body(coordinator)["subject"]
    outsider = FhirClient(client, token_for(db, world.outsider)).get(path)  # neither sender nor in the team
    assert outsider.status_code == 403
    refusal = db.exec(select(AuditEvent).where(AuditEvent.outcome == AuditOutcome.refused)).one()
    assert refusal.user_id == world.outsider.id and refusal.action == "fhir_read_service_request"
