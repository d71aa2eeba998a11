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
