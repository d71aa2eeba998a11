"""Every FHIR answer any test in tests/api gets, however it asked, is checked the way an outside
client would check it (tests/api/fhir_client.py): FHIR JSON, parsed by the fhir.resources R4B model
of its resourceType with 0 errors, and within the required bindings and cardinalities."""

import json

import pytest
from flask.testing import FlaskClient

from tests.api.fhir_client import FHIR_JSON, check_resource

CHECKED = {"responses": 0}


@pytest.fixture(autouse=True)
def every_fhir_response_is_checked(monkeypatch):
    original = FlaskClient.open

    def open_and_check(self, *args, **kwargs):
        response = original(self, *args, **kwargs)
        path = response.request.path
        if (path == "/fhir" or path.startswith("/fhir/")) and response.get_data():
            assert response.mimetype == FHIR_JSON, (path, response.status_code, response.mimetype)
            check_resource(json.loads(response.get_data(as_text=True)))
            CHECKED["responses"] += 1
        return response

    monkeypatch.setattr(FlaskClient, "open", open_and_check)
