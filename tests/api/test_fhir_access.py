"""Every FHIR route x every kind of user x two people: one in the nurse's care team, one outside it
(in another network, cared for by social care). Whoever the rules let open the record gets it;
everyone else a 403 OperationOutcome (401 signed out), an audited refusal, and nothing of the
person in the answer. A search for a person one may not open finds nobody. Break-glass opens
nothing through the API."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from app.assessment import service
from app.care_plan import commands
from app.care_plan.commands import AddItem
from app.front_door import clocks
from models import AccessGrant, AgencyKind, AuditEvent, AuditOutcome, PlanItemType, Referral, ReferralStatus, Urgency
from tests import factories
from tests.api.fhir_client import FhirClient, body, issues
from tests.api.test_fhir import token_for
from tests.assessment.test_assessment_pages import BARTHEL_LOW
from tests.conftest import FIGURES
from tests.factories import World, care_plan

NHS = "https://fhir.nhs.uk/Id/nhs-number"
ROLES = ("coordinator", "nurse", "outsider", "lead", "otherlead", "admin", "signed-out")
USERS = {
    "coordinator": "coordinator",
    "nurse": "nurse",
    "outsider": "outsider",
    "lead": "lead",
    "otherlead": "other_lead",
    "admin": "admin",
}

# Each FHIR route (endpoint, method) and its address for one person's records.
ROUTES = {
    ("fhir.read_patient", "GET"): "/fhir/Patient/{person}",
    ("fhir.search_patient", "GET"): "/fhir/Patient?identifier=" + NHS + "|{nhs}",
    ("fhir.read_care_team", "GET"): "/fhir/CareTeam/{person}",
    ("fhir.search_care_team", "GET"): "/fhir/CareTeam?patient={person}",
    ("fhir.read_care_plan", "GET"): "/fhir/CarePlan/{plan}",
    ("fhir.search_care_plan", "GET"): "/fhir/CarePlan?patient=Patient/{person}",
    ("fhir.care_plan_history", "GET"): "/fhir/CarePlan/{plan}/_history",
    ("fhir.read_care_plan_version", "GET"): "/fhir/CarePlan/{plan}/_history/{version}",
    ("fhir.read_goal", "GET"): "/fhir/Goal/{goal}",
    ("fhir.goal_history", "GET"): "/fhir/Goal/{goal}/_history",
    ("fhir.read_goal_version", "GET"): "/fhir/Goal/{goal}/_history/1",
    ("fhir.search_goal", "GET"): "/fhir/Goal?patient={person}",
    ("fhir.read_task", "GET"): "/fhir/Task/{task}",
    ("fhir.task_history", "GET"): "/fhir/Task/{task}/_history",
    ("fhir.read_task_version", "GET"): "/fhir/Task/{task}/_history/1",
    ("fhir.search_task", "GET"): "/fhir/Task?patient={person}",
    ("fhir.update_task", "PUT"): "/fhir/Task/{task}",
    ("fhir.create_goal", "POST"): "/fhir/Goal",
    ("fhir.create_task", "POST"): "/fhir/Task",
    ("fhir.read_service_request", "GET"): "/fhir/ServiceRequest/{referral}",
    ("fhir.create_service_request", "POST"): "/fhir/ServiceRequest",
    ("fhir.read_observation", "GET"): "/fhir/Observation/{person}-barthel",
    ("fhir.search_observation", "GET"): "/fhir/Observation?patient={person}",
    ("fhir.patient_everything", "GET"): "/fhir/Patient/{person}/$everything",
    ("fhir.search_consent", "GET"): "/fhir/Consent?patient={person}",
    ("fhir.search_audit_event", "GET"): "/fhir/AuditEvent?patient={person}",
    ("fhir.search_questionnaire_response", "GET"): "/fhir/QuestionnaireResponse?patient={person}",
    ("fhir.read_questionnaire", "GET"): "/fhir/Questionnaire/single-assessment",
    ("fhir.read_practitioner", "GET"): "/fhir/Practitioner/{key_worker}",
    ("fhir.read_practitioner_role", "GET"): "/fhir/PractitionerRole/{key_worker}",
    ("fhir.read_organization", "GET"): "/fhir/Organization/{agency}",
    ("fhir.search_organization", "GET"): "/fhir/Organization?name=North",
}
DIRECTORY = {
    ("fhir.read_organization", "GET"),
    ("fhir.search_organization", "GET"),
    ("fhir.read_practitioner", "GET"),
    ("fhir.read_practitioner_role", "GET"),
    ("fhir.read_questionnaire", "GET"),
}
WRITES = {("fhir.update_task", "PUT"), ("fhir.create_goal", "POST"), ("fhir.create_task", "POST")}


def _closed_referral(db, person):
    now = datetime.now(UTC)
    referral = Referral(
        person_id=person.id,
        source="gp",
        referrer_name="Dr Rao",
        reason="Falls",
        requested_urgency=Urgency.urgent,
        urgency=Urgency.urgent,
        status=ReferralStatus.closed,
        received_at=now,
        due_by=clocks.due_by(now, Urgency.urgent),
        closed_at=now,
    )
    db.add(referral)
    db.commit()
    return referral


def scored_assessment(db, person, by):
    """The person's assessment with a complete Barthel Index (10 of 20), saved as the page saves it."""
    assessment = service.open_assessment(db, person, by)
    result = service.save_section(db, assessment, service.SaveSection("physical", BARTHEL_LOW, 0), by)
    assert result.ok, result.errors
    db.commit()
    return assessment


def _records(db, person, key_worker, agency):
    scored_assessment(db, person, key_worker)
    plan = care_plan(db, person, key_worker)
    goal = commands.add_item(db, plan, person, AddItem(PlanItemType.goal, {"goal": "Walk", "status": "active"}), key_worker).item
    task = commands.add_item(
        db, plan, person, AddItem(PlanItemType.action, {"description": "Visit"}, owner_agency_id=agency.id), key_worker
    ).item
    db.commit()
    db.refresh(plan)
    referral = _closed_referral(db, person)
    return {
        "person": person.id,
        "nhs": person.nhs_number,
        "plan": plan.id,
        "version": plan.version,
        "goal": goal.id,
        "task": task.id,
        "referral": referral.id,
        "agency": agency.id,
        "key_worker": key_worker.id,
    }


@pytest.fixture
def world(db):
    world = World(db)
    other_practice = factories.agency(db, AgencyKind.gp_practice, world.other_network, name="Southgate Surgery")
    world.stranger = factories.person(db, other_practice, given_name="Grace", family_name="Hopper")
    factories.team_member(db, world.stranger, world.social_care, world.outsider, key_worker=True, role="Social work")
    world.records = {
        "in team": _records(db, world.person, world.nurse, world.nursing),
        "outside": _records(db, world.stranger, world.outsider, world.social_care),
    }
    # Who may open each person's record: the care team, and the lead of the person's network.
    world.allowed = {"in team": {"nurse", "lead"}, "outside": {"outsider", "otherlead"}}
    world.writers = {"in team": {"nurse"}, "outside": {"outsider"}}
    world.words = {"in team": ("Lovelace", world.person.nhs_number), "outside": ("Hopper", world.stranger.nhs_number)}
    return world


def _refusals(db) -> int:
    return db.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.outcome == AuditOutcome.refused)).one()


def _answer(response) -> str:
    """What the answer tells: a Bundle's links only echo the caller's own query (an NHS number it sent)."""
    found = json.loads(response.get_data(as_text=True))
    if found.get("resourceType") == "Bundle":
        found.pop("link", None)
    return json.dumps(found)


def _call(fhir: FhirClient, route, url: str, records: dict):
    if route == ("fhir.update_task", "PUT"):
        # The Task as it is (no change), with its current version: only who may write passes.
        return fhir.put(
            url,
            {"resourceType": "Task", "id": str(records["task"]), "status": "requested", "intent": "order"},
            headers={"If-Match": 'W/"1"'},
        )
    if route == ("fhir.create_goal", "POST"):
        goal = {
            "resourceType": "Goal",
            "lifecycleStatus": "active",
            "description": {"text": "Walk"},
            "subject": {"reference": f"Patient/{records['person']}"},
        }
        return fhir.post(url, goal)
    if route == ("fhir.create_task", "POST"):
        task = {
            "resourceType": "Task",
            "status": "requested",
            "intent": "order",
            "description": "Visit",
            "for": {"reference": f"Patient/{records['person']}"},
            "owner": {"reference": f"Organization/{records['agency']}"},
        }
        return fhir.post(url, task)
    if route == ("fhir.create_service_request", "POST"):
        from tests.api.test_fhir import service_request

        return fhir.post(url, service_request(records["nhs"]))
    return fhir.get(url)


def test_the_matrix_covers_every_fhir_route(app):
    served = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/fhir/") and rule.endpoint != "fhir.metadata"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served == set(ROUTES)


@pytest.mark.parametrize("role", ROLES)
def test_every_fhir_route_applies_the_access_rules_with_no_leaks(client, db, world, role):
    token = token_for(db, getattr(world, USERS[role])) if role != "signed-out" else None
    fhir = FhirClient(client, token)
    cells = 0
    for whose, records in world.records.items():
        others = [word for other, words in world.words.items() if other != whose for word in words]
        for route, template in ROUTES.items():
            url = template.format(**records)
            before = _refusals(db)
            response = _call(fhir, route, url, records)
            text = _answer(response)
            where = (role, whose, route, response.status_code)
            cells += 1
            assert not [word for word in others if word in text], where  # never the other person
            if role == "signed-out":
                assert response.status_code == 401 and issues(response)[0]["code"] == "login", where
                continue
            if route in DIRECTORY:
                assert response.status_code == 200, where
                continue
            if route == ("fhir.create_service_request", "POST"):
                assert response.status_code == (403 if role == "admin" else 201), where
                continue
            allowed = role in (world.writers if route in WRITES else world.allowed)[whose]
            if allowed:
                assert response.status_code == (201 if route[1] == "POST" else 200), (where, text[:300])
                assert _refusals(db) == before, where
                continue
            assert _refusals(db) > before, where
            assert not [word for word in world.words[whose] if word in text], where
            if route == ("fhir.search_patient", "GET"):
                assert response.status_code == 200 and body(response)["total"] == 0, where
            else:
                assert response.status_code == 403 and issues(response)[0]["code"] == "forbidden", where
    FIGURES[f"FHIR access matrix ({role})"] = f"{len(ROUTES)} routes x 2 people = {cells} cells, 0 leaks"


def test_break_glass_opens_nothing_through_the_api(client, db, world):
    now = datetime.now(UTC)
    db.add(
        AccessGrant(
            user_id=world.outsider.id,
            agency_id=world.social_care.id,
            person_id=world.person.id,
            reason_code="urgent_care",
            reason_text="Called at night",
            granted_at=now,
            expires_at=now + timedelta(minutes=30),
        )
    )
    db.commit()
    fhir = FhirClient(client, token_for(db, world.outsider))
    records = world.records["in team"]
    for route, template in ROUTES.items():
        if route in DIRECTORY or route == ("fhir.create_service_request", "POST"):
            continue
        response = _call(fhir, route, template.format(**records), records)
        text = _answer(response)
        assert "Lovelace" not in text and world.person.nhs_number not in text, route
        if route != ("fhir.search_patient", "GET"):
            assert response.status_code == 403, route
            if route != ("fhir.search_audit_event", "GET"):  # who has looked is never open to break-glass at all
                assert "never through the API" in issues(response)[0]["diagnostics"], route


def test_the_sender_reads_back_its_referral_until_the_person_objects(client, db, world):
    from models import ConsentObjection
    from tests.api.test_fhir import service_request

    fhir = FhirClient(client, token_for(db, world.outsider))
    created = fhir.post("/fhir/ServiceRequest", service_request(world.person.nhs_number))
    assert created.status_code == 201
    path = f"/fhir/ServiceRequest/{body(created)['id']}"
    assert fhir.get(path).status_code == 200
    assert fhir.get(f"/fhir/ServiceRequest/{world.records['in team']['referral']}").status_code == 403  # not what it sent
    db.add(ConsentObjection(person_id=world.person.id, agency_id=world.social_care.id, recorded_by_id=world.nurse.id))
    db.commit()
    assert fhir.get(path).status_code == 403


def test_every_read_of_a_persons_record_through_the_api_is_audited_against_that_person(client, db, world):
    fhir = FhirClient(client, token_for(db, world.nurse))
    records = world.records["in team"]
    reads = [route for route in ROUTES if route[1] == "GET" and route not in DIRECTORY]
    for route in reads:
        before = db.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.person_id == world.person.id)).one()
        assert _call(fhir, route, ROUTES[route].format(**records), records).status_code == 200, route
        after = db.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.person_id == world.person.id)).one()
        assert after > before, route
