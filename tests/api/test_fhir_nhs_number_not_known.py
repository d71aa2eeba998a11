"""A person whose NHS number is not known, over FHIR: a Patient with no nhs-number identifier (FHIR
allows no empty list), their referral's subject by reference only, and no identifier search finds them."""

from datetime import date

from tests import factories
from tests.api.fhir_client import FhirClient, body
from tests.api.test_fhir import token_for
from tests.factories import World


def test_a_patient_without_an_nhs_number_reads_without_the_identifier(client, db):
    world = World(db)
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
