"""The rest of the record over FHIR: scored tools as coded Observations, staff as Practitioner and
PractitionerRole (the care team refers to them), and Patient/$everything for the care team."""

import pytest

from tests import factories
from tests.api.fhir_client import FhirClient, body
from tests.api.test_fhir import token_for
from tests.api.test_fhir_access import scored_assessment
from tests.factories import World


@pytest.fixture
def world(db):
    world = World(db)
    scored_assessment(db, world.person, world.nurse)
    return world


@pytest.fixture
def nurse(client, db, world):
    return FhirClient(client, token_for(db, world.nurse))


def test_a_complete_barthel_index_is_an_observation_with_its_snomed_code_and_score(nurse, world):
    found = body(nurse.get(f"/fhir/Observation?patient={world.person.id}&code=http://snomed.info/sct|273302005"))
    assert found["total"] == 1
    barthel = found["entry"][0]["resource"]
    assert barthel["valueInteger"] == 10 and barthel["status"] == "final"
    assert barthel["code"]["coding"][0]["code"] == "273302005"
    assert body(nurse.get(f"/fhir/Observation?patient={world.person.id}&code=http://loinc.org|44261-6"))["total"] == 0  # no PHQ-9 yet
    read = nurse.get(f"/fhir/Observation/{barthel['id']}")
    assert read.status_code == 200 and read.headers["ETag"] == f'W/"{barthel["meta"]["versionId"]}"'


def test_the_care_team_names_its_practitioners_and_they_can_be_read(nurse, world):
    team = body(nurse.get(f"/fhir/CareTeam/{world.person.id}"))
    member = team["participant"][0]["member"]
    assert member["reference"] == f"Practitioner/{world.nurse.id}"
    practitioner = body(nurse.get(f"/fhir/{member['reference']}"))
    assert practitioner["name"][0]["text"] == world.nurse.full_name
    role = body(nurse.get(f"/fhir/PractitionerRole/{world.nurse.id}"))
    assert role["organization"]["reference"] == f"Organization/{world.nursing.id}"
    assert role["code"][0]["coding"][0]["code"] == world.nurse.profession.value
    assert nurse.get("/fhir/Practitioner/999999").status_code == 404


def test_everything_gives_the_whole_record_to_the_care_team_only(client, db, nurse, world):
    factories.care_plan(db, world.person, world.nurse)
    everything = body(nurse.get(f"/fhir/Patient/{world.person.id}/$everything"))
    kinds = [entry["resource"]["resourceType"] for entry in everything["entry"]]
    assert kinds[:3] == ["Patient", "CareTeam", "CarePlan"] and "Observation" in kinds
    assert everything["total"] == len(kinds)
    outsider = FhirClient(client, token_for(db, world.outsider))
    assert outsider.get(f"/fhir/Patient/{world.person.id}/$everything").status_code == 403


def test_the_care_team_adds_a_goal_and_a_task_through_the_plans_own_commands(nurse, db, world):
    from sqlmodel import select

    from models import AuditEvent, CarePlanAction, Notification

    goal = nurse.post(
        "/fhir/Goal",
        {
            "resourceType": "Goal",
            "lifecycleStatus": "proposed",
            "description": {"text": "Get back to the allotment"},
            "subject": {"reference": f"Patient/{world.person.id}"},
            "target": [{"dueDate": "2027-05-01"}],
        },
    )
    assert goal.status_code == 201, goal.get_data(as_text=True)
    assert body(nurse.get(goal.headers["Location"].split("localhost", 1)[-1]))["description"]["text"] == "Get back to the allotment"
    world.practice.ods_code = "B87001"
    db.add(world.practice)
    db.commit()
    factories.team_member(db, world.person, world.practice, role="GP")
    task = nurse.post(
        "/fhir/Task",
        {
            "resourceType": "Task",
            "status": "requested",
            "intent": "order",
            "description": "Medication review",
            "for": {"reference": f"Patient/{world.person.id}"},
            "owner": {"identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "B87001"}},
            "restriction": {"period": {"end": "2027-01-31"}},
        },
    )
    assert task.status_code == 201, task.get_data(as_text=True)
    created = body(task)
    assert created["status"] == "requested" and created["owner"]["reference"] == f"Organization/{world.practice.id}"
    action = db.get(CarePlanAction, int(created["id"]))
    assert action.owner_agency_id == world.practice.id and str(action.due_on) == "2027-01-31"
    assert db.exec(select(Notification).where(Notification.agency_id == world.practice.id)).first()  # the practice is asked
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "edit_care_plan", AuditEvent.user_id == world.nurse.id)).all()


def test_a_task_for_an_agency_outside_the_care_team_is_refused_naming_the_owner(nurse, world):
    response = nurse.post(
        "/fhir/Task",
        {
            "resourceType": "Task",
            "status": "requested",
            "intent": "order",
            "description": "Assess for a care package",
            "for": {"reference": f"Patient/{world.person.id}"},
            "owner": {"reference": f"Organization/{world.social_care.id}"},
        },
    )
    assert response.status_code == 422
    assert any(found.get("expression") == ["Task.owner"] for found in body(response)["issue"])


def test_sharing_decisions_and_objections_are_consents(nurse, db, world):
    from models import ConsentObjection

    db.add(ConsentObjection(person_id=world.person.id, agency_id=world.social_care.id, recorded_by_id=world.nurse.id))
    db.commit()
    found = body(nurse.get(f"/fhir/Consent?patient={world.person.id}"))
    [objection] = [entry["resource"] for entry in found["entry"]]
    assert objection["status"] == "active" and objection["provision"]["type"] == "deny"
    assert objection["provision"]["actor"][0]["reference"]["reference"] == f"Organization/{world.social_care.id}"


def test_the_key_worker_sees_who_has_looked_including_reads_through_the_api(client, db, nurse, world):
    FhirClient(client, token_for(db, world.lead)).get(f"/fhir/Patient/{world.person.id}")
    found = body(nurse.get(f"/fhir/AuditEvent?patient={world.person.id}&_count=5"))
    assert found["total"] >= 2 and len(found["entry"]) <= 5
    codes = [entry["resource"]["subtype"][0]["code"] for entry in found["entry"]]
    assert "fhir_read_patient" in codes
    outsider = FhirClient(client, token_for(db, world.outsider))
    assert outsider.get(f"/fhir/AuditEvent?patient={world.person.id}").status_code == 403


def test_the_assessment_is_a_questionnaire_response_answering_the_generated_questionnaire(nurse, world):
    questionnaire = body(nurse.get("/fhir/Questionnaire/single-assessment"))
    groups = {group["linkId"]: group for group in questionnaire["item"]}
    bowels = next(item for item in groups["physical"]["item"] if item["linkId"] == "physical.barthel_bowels")
    assert bowels["type"] == "choice" and any(o["valueCoding"]["code"] == "continent" for o in bowels["answerOption"])
    found = body(nurse.get(f"/fhir/QuestionnaireResponse?patient={world.person.id}"))
    answered = found["entry"][0]["resource"]
    assert answered["status"] == "in-progress"
    assert answered["questionnaire"].split("|")[0].endswith("/fhir/Questionnaire/single-assessment")
    physical = next(group for group in answered["item"] if group["linkId"] == "physical")
    answer = next(item for item in physical["item"] if item["linkId"] == "physical.barthel_bowels")["answer"][0]
    assert answer["valueCoding"]["code"] == "continent"
    assert nurse.get("/fhir/Questionnaire/another").status_code == 404
