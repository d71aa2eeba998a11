"""Referrals in as FHIR ServiceRequest: bearer tokens, validation with OperationOutcome, and the
same intake as the form (one record per NHS number, open referrals joined)."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from app.trust import api_tokens
from models import ApiToken, AuditEvent, AuditOutcome, ConsentObjection, Person, Referral, ReferralSource, ReferralStatus, Urgency
from tests import factories
from tests.factories import World


@pytest.fixture
def world(db):
    return World(db)


def token_for(db, user, **kwargs):
    token = api_tokens.issue(db, user, "GP system", **kwargs)
    db.commit()
    return token


def service_request(nhs, **overrides):
    resource = {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "priority": "stat",
        "subject": {"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}},
        "requester": {"display": "Dr Ruth Okoye"},
        "reasonCode": [{"text": "Two falls this week; lives alone"}],
        "note": [{"text": "Daughter visits on Sundays"}],
    }
    resource.update(overrides)
    return resource


def post(client, token, body, content_type="application/fhir+json"):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/fhir/ServiceRequest", data=data, headers=headers, content_type=content_type)


def count(db, model):
    return db.exec(select(func.count()).select_from(model)).one()


def issues(response):
    body = response.get_json(force=True)
    assert body["resourceType"] == "OperationOutcome"
    assert response.mimetype == "application/fhir+json"
    return body["issue"]


def test_a_valid_service_request_joins_the_queue_for_the_existing_person(client, db, world):
    token = token_for(db, world.nurse)
    people_before = count(db, Person)
    response = post(client, token, service_request(world.person.nhs_number))
    assert response.status_code == 201, response.get_data(as_text=True)
    referral = db.exec(select(Referral)).one()
    assert referral.person_id == world.person.id and count(db, Person) == people_before
    assert referral.urgency is Urgency.urgent and referral.status is ReferralStatus.received
    assert referral.source is ReferralSource.community_health  # from the nurse's agency
    assert referral.reason == "Two falls this week; lives alone" and referral.received_via == "FHIR API"
    assert referral.referrer_name == "Dr Ruth Okoye" and referral.referrer_agency == world.nursing.name
    body = response.get_json(force=True)
    assert body["resourceType"] == "ServiceRequest" and body["id"] == str(referral.id)
    assert response.headers["Location"].endswith(f"/fhir/ServiceRequest/{referral.id}")
    created = db.exec(select(AuditEvent).where(AuditEvent.action == "create_referral")).one()
    assert created.user_id == world.nurse.id and created.person_id == world.person.id


def test_a_second_referral_joins_the_open_one(client, db, world):
    token = token_for(db, world.nurse)
    assert post(client, token, service_request(world.person.nhs_number)).status_code == 201
    second = post(client, token, service_request(world.person.nhs_number, priority="routine"))
    assert second.status_code == 201
    assert second.get_json(force=True)["basedOn"][0]["reference"].startswith("ServiceRequest/")
    assert db.exec(select(func.count()).select_from(Referral).where(Referral.linked_to_id.is_not(None))).one() == 1


def test_the_created_request_can_be_read_back_by_someone_allowed(client, db, world):
    token = token_for(db, world.nurse)
    location = post(client, token, service_request(world.person.nhs_number)).headers["Location"]
    path = location.split("localhost", 1)[-1]
    read = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert read.status_code == 200 and read.get_json(force=True)["priority"] == "stat"
    outsider = token_for(db, world.outsider)
    refused = client.get(path, headers={"Authorization": f"Bearer {outsider}"})
    assert refused.status_code == 403 and issues(refused)[0]["code"] == "forbidden"


@pytest.mark.parametrize("header", [None, "Bearer op_not-a-real-token", "Basic dXNlcjpwYXNz"])
def test_without_a_valid_token_it_is_401_with_an_operation_outcome(client, db, world, header):
    headers = {"Authorization": header} if header else {}
    response = client.post(
        "/fhir/ServiceRequest",
        data=json.dumps(service_request(world.person.nhs_number)),
        headers=headers,
        content_type="application/fhir+json",
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert issues(response)[0]["code"] == "login"
    assert count(db, Referral) == 0
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "fhir_sign_in", AuditEvent.outcome == AuditOutcome.refused)).one()


def test_revoked_and_expired_tokens_are_refused(client, db, world):
    revoked = token_for(db, world.nurse)
    row = db.exec(select(ApiToken)).one()
    row.revoked_at = datetime.now(UTC)
    db.add(row)
    db.commit()
    assert post(client, revoked, service_request(world.person.nhs_number)).status_code == 401
    expired = api_tokens.issue(db, world.nurse, "old", now=datetime.now(UTC) - timedelta(days=100), days=30)
    db.commit()
    assert post(client, expired, service_request(world.person.nhs_number)).status_code == 401


def test_a_session_cookie_is_not_a_credential_for_the_api(client, auth, db, world):
    auth.sign_in("nurse")
    response = client.post(
        "/fhir/ServiceRequest", data=json.dumps(service_request(world.person.nhs_number)), content_type="application/fhir+json"
    )
    assert response.status_code == 401


def test_a_user_whose_role_cannot_refer_gets_403_and_an_audit_row(client, db, world):
    token = token_for(db, world.admin)
    response = post(client, token, service_request(world.person.nhs_number))
    assert response.status_code == 403 and issues(response)[0]["code"] == "forbidden"
    assert count(db, Referral) == 0
    assert db.exec(select(AuditEvent).where(AuditEvent.user_id == world.admin.id, AuditEvent.outcome == AuditOutcome.refused)).first()


@pytest.mark.parametrize(
    "body, status, expression, words",
    [
        ("{not json", 400, None, "not valid JSON"),
        ("[]", 400, None, "JSON object"),
        (json.dumps({"resourceType": "Patient"}), 400, "resourceType", "Expected a ServiceRequest"),
        (json.dumps({"resourceType": "ServiceRequest", "status": "active", "intent": "order"}), 422, "ServiceRequest.subject", "subject"),
    ],
)
def test_malformed_bodies_are_refused_with_what_is_wrong(client, db, world, body, status, expression, words):
    token = token_for(db, world.nurse)
    response = post(client, token, body)
    assert response.status_code == status
    problem = issues(response)[0]
    assert words in problem["diagnostics"]
    if expression:
        assert problem["expression"][0] == expression
    assert count(db, Referral) == 0


@pytest.mark.parametrize(
    "overrides, expression, words",
    [
        ({"priority": "very"}, "ServiceRequest.priority", "is not in http://hl7.org/fhir/request-priority"),
        ({"status": "draft"}, "ServiceRequest.status", "Only an active referral"),
        (
            {"subject": {"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990002038"}}},
            "ServiceRequest.subject.identifier.value",
            "NHS number",
        ),
        ({"subject": {"identifier": {"system": "urn:local", "value": "123"}}}, "ServiceRequest.subject.identifier", "NHS number"),
        ({"reasonCode": []}, "ServiceRequest.reasonCode", "reason"),
        ({"requester": {"display": ""}}, None, "The ServiceRequest is not valid FHIR"),
        ({"requester": None}, "ServiceRequest.requester.display", "referrer"),
        ({"colour": "blue"}, "ServiceRequest.colour", "Extra inputs"),
        (
            {"category": [{"coding": [{"system": "https://oneplan.example.nhs.uk/fhir/CodeSystem/referral-source", "code": "pigeon"}]}]},
            "ServiceRequest.category",
            "Unknown referral source",
        ),
    ],
)
def test_invalid_content_gets_a_422_naming_the_field(client, db, world, overrides, expression, words):
    token = token_for(db, world.nurse)
    resource = service_request(world.person.nhs_number, **overrides)
    resource = {k: v for k, v in resource.items() if v is not None}
    response = post(client, token, resource)
    assert response.status_code == 422, response.get_data(as_text=True)
    found = issues(response)
    assert any(words in issue["diagnostics"] for issue in found), found
    if expression:
        assert any(expression in issue.get("expression", []) for issue in found), found
    assert count(db, Referral) == 0


def test_an_unknown_nhs_number_without_details_is_refused_not_lost(client, db, world):
    token = token_for(db, world.nurse)
    response = post(client, token, service_request(factories.valid_nhs_number(777)))
    assert response.status_code == 422
    assert "No record has NHS number" in issues(response)[0]["diagnostics"]


def test_an_unknown_nhs_number_with_a_contained_patient_creates_one_record(client, db, world):
    token = token_for(db, world.nurse)
    nhs = factories.valid_nhs_number(778)
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}],
        "name": [{"family": "Hopper", "given": ["Grace"]}],
        "birthDate": "1936-12-09",
        "address": [{"line": ["1 Mill Lane"], "city": "Wakefield", "postalCode": "WF2 7AA"}],
        "generalPractitioner": [{"display": world.practice.name}],
    }
    resource = service_request(nhs, contained=[patient], subject={"reference": "#p1"})
    first = post(client, token, resource)
    assert first.status_code == 201, first.get_data(as_text=True)
    assert post(client, token, resource).status_code == 201  # the same again: found, not duplicated
    people = db.exec(select(Person).where(Person.nhs_number == nhs)).all()
    assert len(people) == 1 and people[0].family_name == "Hopper" and people[0].gp_practice_id == world.practice.id


def test_a_wrong_content_type_is_415(client, db, world):
    token = token_for(db, world.nurse)
    response = post(client, token, json.dumps(service_request(world.person.nhs_number)), content_type="text/plain")
    assert response.status_code == 415 and issues(response)


def test_the_capability_statement_lists_service_request(client, db, world):
    token = token_for(db, world.nurse)
    body = client.get("/fhir/metadata", headers={"Authorization": f"Bearer {token}"}).get_json(force=True)
    assert body["resourceType"] == "CapabilityStatement"
    service_request = next(r for r in body["rest"][0]["resource"] if r["type"] == "ServiceRequest")
    assert [i["code"] for i in service_request["interaction"]] == ["create", "read"]
    assert "without an NHS-number identifier (the number is not known)" in service_request["documentation"]


def test_issue_token_prints_a_token_that_works(app, runner, client, db, world):
    result = runner.invoke(args=["issue-token", "nurse", "--label", "GP system", "--days", "7"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[0]
    assert token.startswith("op_")
    assert db.exec(select(ApiToken)).one().token_hash != token  # only the hash is kept
    assert post(client, token, service_request(world.person.nhs_number)).status_code == 201
    assert runner.invoke(args=["issue-token", "nobody", "--label", "x"]).exit_code != 0


# --- One intake, two ways in ----------------------------------------------------------------


def _contained_grace(nhs, practice_name):
    return {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}],
        "name": [{"family": "Hopper", "given": ["Grace"]}],
        "birthDate": "1936-12-09",
        "address": [{"line": ["1 Mill Lane"], "city": "Wakefield", "postalCode": "WF2 7AA"}],
        "generalPractitioner": [{"display": practice_name}],
    }


def _from_fhir(db, world, resource):
    from app.api import service_request

    parsed = service_request.parse(json.dumps(resource), service_request.FHIR_JSON)
    return service_request.command(db, parsed, world.nurse)


def _from_form(form):
    from werkzeug.datastructures import MultiDict

    from app.front_door import forms

    command, unread = forms.intake_referral(MultiDict(form))
    assert unread == {}
    return command


WEB_REFERRAL = {
    "action": "save",
    "source": "community_health",
    "referrer_name": "Dr Ruth Okoye",
    "referrer_agency": "North Community Nursing",
    "reason": "Two falls this week; lives alone",
    "presenting_needs": "Daughter visits on Sundays",
    "requested_urgency": "urgent",
}


def test_the_api_and_the_form_build_the_same_command_for_someone_with_a_record(db, world):
    from dataclasses import replace

    from_fhir = _from_fhir(db, world, service_request(world.person.nhs_number))
    from_form = _from_form({**WEB_REFERRAL, "person_choice": str(world.person.id)})
    assert (from_fhir.received_via, from_form.received_via) == ("FHIR API", "intake form")
    assert replace(from_fhir, received_via=from_form.received_via) == from_form


def test_the_api_and_the_form_build_the_same_command_for_a_new_record(db, world):
    from dataclasses import replace

    nhs = factories.valid_nhs_number(778)
    resource = service_request(nhs, contained=[_contained_grace(nhs, world.practice.name)], subject={"reference": "#p1"})
    from_fhir = _from_fhir(db, world, resource)
    from_form = _from_form(
        {
            **WEB_REFERRAL,
            "person_choice": "new",
            "nhs_number": nhs,
            "given_name": "Grace",
            "family_name": "Hopper",
            "dob-day": "9",
            "dob-month": "12",
            "dob-year": "1936",
            "address_line_1": "1 Mill Lane",
            "town": "Wakefield",
            "postcode": "WF2 7AA",
            "gp_practice_id": str(world.practice.id),
        }
    )
    assert replace(from_fhir, received_via=from_form.received_via) == from_form


def test_the_intakes_errors_name_the_fhir_field_and_the_refusal_is_audited(client, db, world):
    token = token_for(db, world.nurse)
    nhs = factories.valid_nhs_number(779)
    patient = {**_contained_grace(nhs, "No Such Surgery"), "birthDate": "2999-01-01"}
    response = post(client, token, service_request(nhs, contained=[patient], subject={"reference": "#p1"}))
    assert response.status_code == 422
    expressions = {issue["expression"][0]: issue["diagnostics"] for issue in issues(response) if "expression" in issue}
    assert expressions == {
        "Patient.birthDate": "The person's date of birth must be today or in the past",
        "Patient.generalPractitioner": "Select the person's GP practice",
    }
    refusal = db.exec(select(AuditEvent).where(AuditEvent.action == "fhir_create_service_request")).one()
    assert refusal.outcome is AuditOutcome.refused and refusal.user_id == world.nurse.id
    assert count(db, Person) == 1 and count(db, Referral) == 0


def test_a_birth_date_without_its_day_cannot_make_a_record(client, db, world):
    token = token_for(db, world.nurse)
    nhs = factories.valid_nhs_number(780)
    patient = {**_contained_grace(nhs, world.practice.name), "birthDate": "1936"}
    response = post(client, token, service_request(nhs, contained=[patient], subject={"reference": "#p1"}))
    assert response.status_code == 422
    assert issues(response)[0]["expression"] == ["Patient.birthDate"]
    assert count(db, Person) == 1


def test_filing_a_referral_opens_nothing_clinical_and_break_glass_is_reviewed(client, auth, db, world):
    """An SPA coordinator who files a referral sees what triage needs, not the assessment or plan."""
    factories.care_plan(db, world.person, world.nurse)
    token = token_for(db, world.coordinator)
    assert post(client, token, service_request(world.person.nhs_number)).status_code == 201
    referral = db.exec(select(Referral)).one()
    auth.sign_in("coordinator")
    for clinical in ("assessment", "care-plan", "care-plan/print", "care-plan/history", "assessment/history"):
        response = client.get(f"/people/{world.person.id}/{clinical}")
        assert response.status_code == 403, clinical
        assert f"/people/{world.person.id}/break-glass" in response.get_data(as_text=True), clinical
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "LOVELACE" in page or "Lovelace" in page
    assert "Started" in page and "Staff Member" in page  # a plan exists, and who leads it
    assert client.get(f"/fhir/ServiceRequest/{referral.id}", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    response = auth.post(f"/people/{world.person.id}/break-glass", {"reason_code": "other", "reason_text": "Triage needs the plan."})
    assert response.status_code == 302
    assert client.get(f"/people/{world.person.id}/care-plan").status_code == 200
    auth.sign_out()
    auth.sign_in("lead")
    assert "Triage needs the plan." in client.get("/break-glass-reviews").get_data(as_text=True)


def test_an_agency_the_person_objected_to_is_not_told_of_their_open_referral(client, db, world):
    token = token_for(db, world.coordinator)
    assert post(client, token, service_request(world.person.nhs_number)).status_code == 201
    db.add(ConsentObjection(person_id=world.person.id, agency_id=world.nursing.id, recorded_by_id=world.coordinator.id))
    db.commit()
    response = post(client, token_for(db, world.nurse), service_request(world.person.nhs_number, priority="routine"))
    assert response.status_code == 201
    assert "basedOn" not in response.get_json(force=True)
    assert db.exec(select(func.count()).select_from(Referral).where(Referral.linked_to_id.is_not(None))).one() == 1
