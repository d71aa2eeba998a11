"""A GP system, written against the HTTP API only: it finds a person by NHS number, reads their
CarePlan, CareTeam, Goals and Tasks, accepts a Task for its practice with If-Match (412 when stale,
428 without), reads the plan's _history, and sends a referral twice with If-None-Exist, making one."""

import json

import pytest
from sqlmodel import func, select

from app.care_plan import commands
from app.care_plan.commands import AddItem
from models import ActionStatus, AuditEvent, CarePlanAction, Person, PlanItemType, Profession, Referral
from tests import factories
from tests.api.fhir_client import FhirClient, body, issues
from tests.api.test_fhir import service_request, token_for
from tests.factories import World, care_plan

NHS = "https://fhir.nhs.uk/Id/nhs-number"


@pytest.fixture
def world(db):
    world = World(db)
    world.practice.ods_code = "B87001"
    db.add(world.practice)
    world.gp = factories.user(db, world.practice, profession=Profession.gp, username="gp")
    factories.team_member(db, world.person, world.practice, world.gp, role="GP")
    world.plan = care_plan(db, world.person, world.nurse)

    def add(item_type, answers, owner=None):
        command = AddItem(item_type, answers, owner_agency_id=owner)
        return commands.add_item(db, world.plan, world.person, command, world.nurse).item

    world.goal = add(PlanItemType.goal, {"goal": "Walk to the shop on my own", "status": "active", "target_on": "2027-03-01"})
    world.review = add(PlanItemType.action, {"description": "Medication review", "due_on": "2027-01-15"}, world.practice.id)
    world.visit = add(PlanItemType.action, {"description": "Home visit", "frequency": "Weekly"}, world.practice.id)
    world.nursing_task = add(PlanItemType.action, {"description": "Dress the leg ulcer"}, world.nursing.id)
    db.commit()
    return world


@pytest.fixture
def gp(client, db, world):
    return FhirClient(client, token_for(db, world.gp))


def test_the_gp_system_follows_the_plan_and_accepts_its_task(gp, db, world):
    # Find the person by NHS number.
    found = body(gp.get(f"/fhir/Patient?identifier={NHS}|{world.person.nhs_number}"))
    assert found["type"] == "searchset" and found["total"] == 1
    patient = found["entry"][0]["resource"]
    assert patient["identifier"][0] == {"system": NHS, "value": world.person.nhs_number}
    assert patient["meta"]["profile"] == ["https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"]
    patient_id = patient["id"]

    # The plan, the team, the goals and the tasks.
    plans = body(gp.get(f"/fhir/CarePlan?patient=Patient/{patient_id}"))
    assert plans["total"] == 1
    plan = plans["entry"][0]["resource"]
    read = gp.get(f"/fhir/CarePlan/{plan['id']}")
    assert read.headers["ETag"] == f'W/"{plan["meta"]["versionId"]}"'
    assert {a["reference"]["reference"] for a in plan["activity"]} == {
        f"Task/{world.review.id}",
        f"Task/{world.visit.id}",
        f"Task/{world.nursing_task.id}",
    }
    assert plan["goal"] == [{"reference": f"Goal/{world.goal.id}"}]
    team = body(gp.get(f"/fhir/CareTeam?patient={patient_id}"))["entry"][0]["resource"]
    key_worker = next(p for p in team["participant"] if any(r.get("coding") for r in p["role"]))
    assert key_worker["onBehalfOf"]["display"] == world.nursing.name
    goals = body(gp.get(f"/fhir/Goal?patient={patient_id}"))
    assert goals["entry"][0]["resource"]["target"] == [{"dueDate": "2027-03-01"}]
    ours = body(gp.get(f"/fhir/Task?patient={patient_id}&owner=Organization/{world.practice.id}&status=requested"))
    assert ours["total"] == 2
    assert {t["resource"]["owner"]["identifier"]["value"] for t in ours["entry"]} == {"B87001"}

    # Accept the medication review, with the version read.
    task = gp.get(f"/fhir/Task/{world.review.id}")
    etag = task.headers["ETag"]
    accepted = {**body(task), "status": "accepted"}
    assert gp.put(f"/fhir/Task/{world.review.id}", accepted).status_code == 428
    response = gp.put(f"/fhir/Task/{world.review.id}", accepted, headers={"If-Match": etag})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert body(response)["status"] == "accepted" and response.headers["ETag"] != etag
    db.expire_all()
    assert db.get(CarePlanAction, world.review.id).status is ActionStatus.accepted

    # A second write with the old version is stale, and changes nothing.
    started = {**accepted, "status": "in-progress"}
    stale = gp.put(f"/fhir/Task/{world.review.id}", started, headers={"If-Match": etag})
    assert stale.status_code == 412 and issues(stale)[0]["code"] == "conflict"
    db.expire_all()
    assert db.get(CarePlanAction, world.review.id).status is ActionStatus.accepted

    # The plan's history: each change a version, the oldest read as it stood.
    history = body(gp.get(f"/fhir/CarePlan/{plan['id']}/_history"))
    assert history["type"] == "history"
    versions = [int(e["resource"]["meta"]["versionId"]) for e in history["entry"]]
    assert versions == sorted(versions, reverse=True) and history["total"] == len(versions) == 5
    oldest = body(gp.get(f"/fhir/CarePlan/{plan['id']}/_history/{versions[-1]}"))
    assert oldest["goal"] == [{"reference": f"Goal/{world.goal.id}"}] and "activity" not in oldest
    assert gp.get(f"/fhir/CarePlan/{plan['id']}/_history/999").status_code == 404

    # A referral, sent twice (a retry), is one referral.
    sent = service_request(
        world.person.nhs_number, identifier=[{"system": "https://gp.example/referrals", "value": "R-42"}], priority="routine"
    )
    condition = {"If-None-Exist": "identifier=https://gp.example/referrals|R-42"}
    first = gp.post("/fhir/ServiceRequest", sent, headers=condition)
    second = gp.post("/fhir/ServiceRequest", sent, headers=condition)
    assert (first.status_code, second.status_code) == (201, 200)
    assert body(first)["id"] == body(second)["id"]
    assert db.exec(select(func.count()).select_from(Referral)).one() == 1


def test_declining_a_task_needs_a_reason_and_gives_it_back_as_status_reason(gp, db, world):
    task = gp.get(f"/fhir/Task/{world.visit.id}")
    declined = {**body(task), "status": "rejected"}
    no_reason = gp.put(f"/fhir/Task/{world.visit.id}", declined, headers={"If-Match": task.headers["ETag"]})
    assert no_reason.status_code == 422 and issues(no_reason)[0]["expression"] == ["Task.statusReason"]
    declined["statusReason"] = {"text": "We do not do home visits on Fridays"}
    response = gp.put(f"/fhir/Task/{world.visit.id}", declined, headers={"If-Match": task.headers["ETag"]})
    assert response.status_code == 200
    assert body(response)["statusReason"] == {"text": "We do not do home visits on Fridays"}
    db.expire_all()
    assert db.get(CarePlanAction, world.visit.id).status is ActionStatus.declined


def test_a_task_of_another_agency_cannot_be_accepted_and_the_refusal_is_audited(gp, db, world):
    task = gp.get(f"/fhir/Task/{world.nursing_task.id}")
    response = gp.put(
        f"/fhir/Task/{world.nursing_task.id}", {**body(task), "status": "accepted"}, headers={"If-Match": task.headers["ETag"]}
    )
    assert response.status_code == 403 and issues(response)[0]["code"] == "forbidden"
    db.expire_all()
    assert db.get(CarePlanAction, world.nursing_task.id).status is ActionStatus.requested
    assert db.exec(select(AuditEvent).where(AuditEvent.user_id == world.gp.id, AuditEvent.action == "edit_care_plan")).all()


def test_a_move_the_handshake_does_not_allow_is_a_409(gp, db, world):
    task = gp.get(f"/fhir/Task/{world.visit.id}")
    response = gp.put(f"/fhir/Task/{world.visit.id}", {**body(task), "status": "completed"}, headers={"If-Match": task.headers["ETag"]})
    assert response.status_code == 409
    db.expire_all()
    assert db.get(CarePlanAction, world.visit.id).status is ActionStatus.requested


def test_searches_page_by_count_with_total_and_next(gp, db, world):
    first = body(gp.get(f"/fhir/Task?patient={world.person.id}&_count=2"))
    assert first["total"] == 3 and len(first["entry"]) == 2
    following = next(link["url"] for link in first["link"] if link["relation"] == "next")
    second = body(gp.get(following.split("/fhir", 1)[1].join(["/fhir", ""])))
    assert len(second["entry"]) == 1 and not any(link["relation"] == "next" for link in second["link"])
    ids = {e["resource"]["id"] for e in first["entry"] + second["entry"]}
    assert len(ids) == 3


def test_a_referral_keeps_its_coded_data_and_a_gp_practice_given_by_ods_code(gp, db, world):
    sent = service_request(
        "9434765919",
        meta={"profile": ["https://fhir.hl7.org.uk/StructureDefinition/UKCore-ServiceRequest"]},
        identifier=[{"system": "https://gp.example/referrals", "value": "R-7"}],
        code={"coding": [{"system": "http://snomed.info/sct", "code": "306206005", "display": "Referral to service"}]},
        reasonCode=[{"coding": [{"system": "http://snomed.info/sct", "code": "56307009", "display": "Falls"}]}],
        performer=[{"identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "RXF"}}],
        requester={"display": "Dr Ruth Okoye", "identifier": {"system": "https://fhir.hl7.org.uk/Id/gmc-number", "value": "C1234567"}},
        locationCode=[{"text": "Ward 4"}],
        contained=[
            {
                "resourceType": "Patient",
                "id": "p",
                "identifier": [{"system": NHS, "value": "9434765919"}],
                "name": [{"family": "Hopper", "given": ["Grace"]}],
                "birthDate": "1936-12-09",
                "address": [{"line": ["1 Quay Street"], "city": "Wakefield", "postalCode": "WF1 1AA"}],
                "generalPractitioner": [{"identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "B87001"}}],
            }
        ],
        subject={"reference": "#p"},
    )
    created = gp.post("/fhir/ServiceRequest", sent)
    assert created.status_code == 201, created.get_data(as_text=True)
    read = body(gp.get(created.headers["Location"].split("localhost", 1)[-1]))
    for element in ("identifier", "code", "reasonCode", "performer", "requester", "locationCode"):
        assert read[element] == sent[element], element
    assert "https://fhir.hl7.org.uk/StructureDefinition/UKCore-ServiceRequest" in read["meta"]["profile"]
    person = db.exec(select(Person).where(Person.nhs_number == "9434765919")).one()
    assert person.gp_practice_id == world.practice.id
    # The sender reads back its referral, and nothing else of a record it is not in the care team of.
    assert gp.get(f"/fhir/{read['subject']['reference']}").status_code == 403


def test_the_plan_its_history_and_its_tasks_are_read_in_a_fixed_number_of_queries(gp, db, world, count_queries):
    addresses = (
        f"/fhir/CarePlan/{world.plan.id}",
        f"/fhir/CarePlan/{world.plan.id}/_history",
        f"/fhir/Task?patient={world.person.id}",
        f"/fhir/Goal?patient={world.person.id}",
        f"/fhir/Patient/{world.person.id}/$everything",
    )

    def counts():
        found = []
        for address in addresses:
            with count_queries() as counted:
                assert gp.get(address).status_code == 200, address
            # The per-address rate limit's own bookkeeping (a new window clears old ones) is not the read's.
            found.append(sum("attempt_count" not in statement for statement in counted.statements))
        return found

    small = counts()
    for n in range(6):
        command = AddItem(
            PlanItemType.action, {"description": f"Visit {n}"}, owner_agency_id=world.nursing.id if n % 2 else world.practice.id
        )
        commands.add_item(db, world.plan, world.person, command, world.nurse)
        commands.add_item(db, world.plan, world.person, AddItem(PlanItemType.goal, {"goal": f"Goal {n}", "status": "active"}), world.nurse)
    db.commit()
    assert counts() == small


def test_a_put_that_changes_the_actions_terms_is_refused_and_changes_nothing(gp, db, world):
    task = gp.get(f"/fhir/Task/{world.review.id}")
    edited = {**body(task), "status": "accepted", "description": "Something else entirely"}
    response = gp.put(f"/fhir/Task/{world.review.id}", edited, headers={"If-Match": task.headers["ETag"]})
    assert response.status_code == 422 and issues(response)[0]["expression"] == ["Task.description"]
    db.expire_all()
    action = db.get(CarePlanAction, world.review.id)
    assert action.status is ActionStatus.requested and action.description == "Medication review"


@pytest.mark.parametrize(
    "condition, words",
    [
        ("identifier=https://gp.example/referrals|R-99", "does not carry"),
        ("name=Ada", "one search parameter"),
        ("identifier=R-42", "with both"),
    ],
)
def test_a_conditional_create_whose_condition_cannot_find_it_again_is_refused(gp, db, world, condition, words):
    sent = service_request(world.person.nhs_number, identifier=[{"system": "https://gp.example/referrals", "value": "R-42"}])
    response = gp.post("/fhir/ServiceRequest", sent, headers={"If-None-Exist": condition})
    assert response.status_code == 400 and words in issues(response)[0]["diagnostics"]
    assert db.exec(select(func.count()).select_from(Referral)).one() == 0


def test_the_practice_lists_what_is_asked_of_it_across_people_and_nobody_elses(gp, db, world):
    from models import ConsentObjection

    other = factories.person(db, world.practice, given_name="Grace", family_name="Hopper")
    factories.team_member(db, other, world.practice, world.gp, key_worker=True, role="GP")
    plan = care_plan(db, other, world.gp)
    commands.add_item(
        db, plan, other, AddItem(PlanItemType.action, {"description": "Blood test"}, owner_agency_id=world.practice.id), world.gp
    )
    db.commit()
    worklist = body(gp.get(f"/fhir/Task?owner=Organization/{world.practice.id}&status=requested"))
    assert {entry["resource"]["description"] for entry in worklist["entry"]} == {"Medication review", "Home visit", "Blood test"}
    refused = gp.get(f"/fhir/Task?owner=Organization/{world.nursing.id}")
    assert refused.status_code == 403 and issues(refused)[0]["code"] == "forbidden"
    db.add(ConsentObjection(person_id=other.id, agency_id=world.practice.id, recorded_by_id=world.nurse.id))
    db.commit()
    worklist = body(gp.get(f"/fhir/Task?owner=Organization/{world.practice.id}"))
    assert {entry["resource"]["description"] for entry in worklist["entry"]} == {"Medication review", "Home visit"}
    assert "Hopper" not in json.dumps(worklist)
