"""Discovery and errors: the CapabilityStatement without a token, naming exactly what is served;
every error under /fhir an OperationOutcome (404, 405 with Allow, 406, 428, 412...)."""

import pytest

from app.api.capability import SERVED
from tests.api.fhir_client import FhirClient, body, issues
from tests.api.test_fhir import token_for
from tests.factories import World


@pytest.fixture
def world(db):
    return World(db)


@pytest.fixture
def gp(client, db, world):
    return FhirClient(client, token_for(db, world.nurse))


def test_metadata_needs_no_token_and_names_software_and_its_own_address(client):
    response = FhirClient(client, None).get("/fhir/metadata")
    assert response.status_code == 200
    statement = body(response)
    assert statement["software"]["name"] == "OnePlan"
    assert statement["implementation"]["url"].endswith("/fhir")
    assert statement["fhirVersion"] == "4.0.1"


def test_metadata_lists_exactly_the_interactions_the_routes_serve(app, client):
    statement = body(FhirClient(client, None).get("/fhir/metadata"))
    resources = statement["rest"][0]["resource"]
    declared = {(r["type"], i["code"]) for r in resources for i in r["interaction"]}
    declared |= {(r["type"], "$" + o["name"]) for r in resources for o in r.get("operation", [])}
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/fhir/") or rule.endpoint == "fhir.metadata":
            continue
        parts = rule.rule.split("/")[2:]
        kind = parts[0]
        if "POST" in rule.methods:
            served.add((kind, "create"))
        if "PUT" in rule.methods:
            served.add((kind, "update"))
        if "GET" in rule.methods:
            if parts[-1].startswith("$"):
                served.add((kind, parts[-1]))
            elif len(parts) == 1:
                served.add((kind, "search-type"))
            elif parts[-1] == "_history":
                served.add((kind, "history-instance"))
            elif "_history" in parts:
                served.add((kind, "vread"))
            else:
                served.add((kind, "read"))
    assert declared == served
    params = {(r["type"], p["name"]) for r in statement["rest"][0]["resource"] for p in r.get("searchParam", [])}
    assert params == {(kind, name) for kind, served_ in SERVED.items() for name, _, _ in served_.search}


@pytest.mark.parametrize("path", ["/fhir", "/fhir/", "/fhir/Banana/1", "/fhir/Patient/999999", "/fhir/Task/not-a-number"])
def test_an_unknown_address_is_a_404_operation_outcome(gp, path):
    response = gp.get(path)
    assert response.status_code == 404
    assert issues(response)[0]["code"] == "not-found"


def test_a_method_not_served_is_a_405_with_allow(gp):
    response = gp.request("DELETE", "/fhir/ServiceRequest/1")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"
    assert issues(response)[0]["code"] == "not-supported"
    assert "page's own buttons" not in issues(response)[0]["diagnostics"]


@pytest.mark.parametrize("headers, query", [({"Accept": "application/fhir+xml"}, ""), ({"Accept": "text/html"}, ""), ({}, "?_format=xml")])
def test_a_format_not_served_is_a_406(gp, headers, query):
    response = gp.get("/fhir/metadata" + query, headers=headers)
    assert response.status_code == 406
    assert issues(response)[0]["code"] == "not-supported"


@pytest.mark.parametrize("accept", ["application/fhir+json", "application/json", "*/*", "application/fhir+json;q=0.9, */*;q=0.1"])
def test_json_in_any_of_its_names_is_served(gp, accept):
    assert gp.get("/fhir/metadata", headers={"Accept": accept}).status_code == 200


@pytest.mark.parametrize("element, value", [("intent", "banana"), ("status", "banana"), ("priority", "whenever")])
def test_a_code_outside_a_required_binding_is_refused(gp, world, element, value):
    from tests.api.test_fhir import service_request

    response = gp.post("/fhir/ServiceRequest", service_request(world.person.nhs_number, **{element: value}))
    assert response.status_code == 422
    found = issues(response)[0]
    assert found["code"] == "code-invalid" and found["expression"] == [f"ServiceRequest.{element}"]


def test_an_unknown_search_parameter_is_refused_not_ignored(gp, world):
    response = gp.get(f"/fhir/Task?patient={world.person.id}&colour=blue")
    assert response.status_code == 400 and "colour" in issues(response)[0]["diagnostics"]


def test_the_readme_has_a_curl_example_for_every_resource_and_interaction_served():
    from app.config import ROOT

    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## FHIR API") : readme.index("## Databases")]
    examples = [line for line in section.splitlines() if "curl " in line]
    for kind, served_ in SERVED.items():
        mentioned = [line for line in examples if f"$FHIR/{kind}" in line]
        for interaction in served_.interactions:
            method = {"create": "-X POST", "update": "-X PUT"}.get(interaction)
            if method:
                assert any(method in line for line in mentioned), (kind, interaction)
            elif interaction == "search-type":
                assert any(f"$FHIR/{kind}?" in line for line in mentioned), (kind, interaction)
            elif interaction == "history-instance":
                assert any("/_history?" in line or line.rstrip("`| ").endswith("/_history") for line in mentioned), (kind, interaction)
            else:
                assert any(f"$FHIR/{kind}/" in line for line in mentioned), (kind, interaction)
    assert any("$FHIR/metadata" in line for line in examples)
