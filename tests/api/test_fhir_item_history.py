"""vread and _history for Goal and Task: each version of a goal or action as it stood, from the
plan's revisions, for whoever may read the plan, and declared in the CapabilityStatement."""

from app.care_plan import commands
from app.care_plan.commands import EditItem
from models import PlanItemType
from tests.api import test_gp_system
from tests.api.fhir_client import FhirClient, body, issues
from tests.api.test_fhir import token_for

world, gp = test_gp_system.world, test_gp_system.gp  # the GP system's district and its client


def test_a_goals_history_has_every_version_as_it_stood_newest_first(gp, db, world):
    result = commands.edit_item(
        db,
        world.plan,
        world.person,
        EditItem(PlanItemType.goal, world.goal.id, {"goal": "Walk to the park", "status": "achieved"}, seen_version=1),
        world.nurse,
    )
    assert result.ok, result.errors
    db.commit()
    history = body(gp.get(f"/fhir/Goal/{world.goal.id}/_history"))
    assert history["type"] == "history" and history["total"] == 2
    newest, oldest = (entry["resource"] for entry in history["entry"])
    assert (newest["meta"]["versionId"], newest["description"]["text"], newest["lifecycleStatus"]) == ("2", "Walk to the park", "completed")
    assert (oldest["meta"]["versionId"], oldest["description"]["text"]) == ("1", "Walk to the shop on my own")
    assert oldest["lifecycleStatus"] == "active" and oldest["target"] == [{"dueDate": "2027-03-01"}]
    first = gp.get(f"/fhir/Goal/{world.goal.id}/_history/1")
    assert first.status_code == 200 and first.headers["ETag"] == 'W/"1"' and body(first) == oldest
    assert body(gp.get(f"/fhir/Goal/{world.goal.id}/_history/2")) == body(gp.get(f"/fhir/Goal/{world.goal.id}"))
    missing = gp.get(f"/fhir/Goal/{world.goal.id}/_history/3")
    assert missing.status_code == 404 and issues(missing)[0]["code"] == "not-found"


def test_a_tasks_history_follows_the_handshake(gp, db, world):
    task = gp.get(f"/fhir/Task/{world.review.id}")
    accepted = gp.put(f"/fhir/Task/{world.review.id}", {**body(task), "status": "accepted"}, headers={"If-Match": task.headers["ETag"]})
    assert accepted.status_code == 200, accepted.get_data(as_text=True)
    history = body(gp.get(f"/fhir/Task/{world.review.id}/_history?_count=1"))
    assert history["total"] == 2 and [e["resource"]["status"] for e in history["entry"]] == ["accepted"]
    first = body(gp.get(f"/fhir/Task/{world.review.id}/_history/1"))
    assert first["status"] == "requested" and first["meta"]["versionId"] == "1"
    assert first["description"] == "Medication review" and first["owner"]["reference"] == f"Organization/{world.practice.id}"
    assert first["restriction"] == {"period": {"end": "2027-01-15"}}


def test_someone_outside_the_care_team_cannot_read_a_tasks_or_goals_history(client, db, world):
    outsider = FhirClient(client, token_for(db, world.outsider))
    for address in (
        f"/fhir/Task/{world.visit.id}/_history",
        f"/fhir/Task/{world.visit.id}/_history/1",
        f"/fhir/Goal/{world.goal.id}/_history",
        f"/fhir/Goal/{world.goal.id}/_history/1",
    ):
        refused = outsider.get(address)
        assert refused.status_code == 403 and issues(refused)[0]["code"] == "forbidden", address


def test_the_capability_statement_declares_vread_and_history_for_goal_and_task(client):
    statement = body(FhirClient(client, None).get("/fhir/metadata"))
    declared = {r["type"]: r for r in statement["rest"][0]["resource"]}
    for kind in ("Goal", "Task"):
        codes = {i["code"] for i in declared[kind]["interaction"]}
        assert {"vread", "history-instance"} <= codes and declared[kind]["readHistory"] is True, kind


def test_a_tasks_history_is_read_in_a_fixed_number_of_queries(gp, db, world, count_queries):
    def queries():
        with count_queries() as counted:
            assert gp.get(f"/fhir/Task/{world.visit.id}/_history").status_code == 200
        return sum("attempt_count" not in statement for statement in counted.statements)

    before = queries()
    for n in range(4):
        db.refresh(world.visit)
        command = EditItem(PlanItemType.action, world.visit.id, {"description": f"Home visit {n}"}, world.visit.version, world.practice.id)
        result = commands.edit_item(db, world.plan, world.person, command, world.nurse)
        assert result.ok, result.errors
        db.commit()
    assert queries() == before
    assert body(gp.get(f"/fhir/Task/{world.visit.id}/_history"))["total"] == 5
