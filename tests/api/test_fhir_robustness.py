"""The FHIR API under hostile bodies and hostile headers: a body nested deep enough to exhaust
the parser is a 400 OperationOutcome, not a 500."""

import json

import pytest
from sqlmodel import select

from models import AuditEvent, AuditOutcome, Referral
from tests.api.test_fhir import issues, post, service_request, token_for, world  # noqa: F401  (shared fixtures and helpers)


@pytest.mark.parametrize("depth", [65, 2_000, 200_000])
@pytest.mark.parametrize("where", ["body", "field"])
def test_deeply_nested_json_is_a_400_operation_outcome_and_an_audited_refusal(client, db, world, depth, where):  # noqa: F811
    token = token_for(db, world.nurse)
    nested = "[" * depth + "]" * depth
    if where == "body":
        body = nested
    else:
        body = json.dumps(service_request(world.person.nhs_number))[:-1] + f', "note": {nested}}}'
    response = post(client, token, body)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert "nests deeper than 64 levels" in issues(response)[0]["diagnostics"]
    assert db.exec(select(Referral)).all() == []
    refused = db.exec(select(AuditEvent).where(AuditEvent.outcome == AuditOutcome.refused)).all()
    assert [event.action for event in refused] == ["fhir_create_service_request"]


def test_location_and_the_capability_statement_use_the_configured_base_url_not_the_host_header(app, client, db, world):  # noqa: F811
    app.config["FHIR_BASE_URL"] = "https://oneplan.example.nhs.uk/fhir/"
    token = token_for(db, world.nurse)
    response = client.post(
        "/fhir/ServiceRequest",
        data=json.dumps(service_request(world.person.nhs_number)),
        headers={"Authorization": f"Bearer {token}", "Host": "evil.example", "X-Forwarded-Host": "evil.example"},
        content_type="application/fhir+json",
    )
    assert response.status_code == 201
    referral = db.exec(select(Referral)).one()
    assert response.headers["Location"] == f"https://oneplan.example.nhs.uk/fhir/ServiceRequest/{referral.id}"
    metadata = client.get("/fhir/metadata", headers={"Authorization": f"Bearer {token}", "Host": "evil.example"})
    assert metadata.get_json(force=True)["implementation"]["url"] == "https://oneplan.example.nhs.uk/fhir"


def test_without_a_configured_base_url_it_is_built_from_the_server_name_never_the_host_header(app, client, db, world):  # noqa: F811
    token = token_for(db, world.nurse)
    headers = {"Authorization": f"Bearer {token}", "Host": "evil.example"}
    body = json.dumps(service_request(world.person.nhs_number))
    response = client.post("/fhir/ServiceRequest", data=body, headers=headers, content_type="application/fhir+json")
    assert response.status_code == 201 and "evil.example" not in response.headers["Location"]
    assert response.headers["Location"].startswith("http://127.0.0.1:5000/fhir/ServiceRequest/")
    assert "evil.example" not in client.get("/fhir/metadata", headers=headers).get_data(as_text=True)


def test_every_fhir_answer_is_never_cached(client, db, world):  # noqa: F811
    token = token_for(db, world.nurse)
    created = post(client, token, service_request(world.person.nhs_number))
    answers = [
        created,
        client.get(created.headers["Location"].split("5000", 1)[1], headers={"Authorization": f"Bearer {token}"}),
        client.get("/fhir/metadata", headers={"Authorization": f"Bearer {token}"}),
        client.get("/fhir/ServiceRequest/999999", headers={"Authorization": f"Bearer {token}"}),
        post(client, None, service_request(world.person.nhs_number)),
        post(client, token, "{"),
    ]
    for response in answers:
        assert response.headers.get("Cache-Control") == "no-store", (response.status_code, response.headers)
