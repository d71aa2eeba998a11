"""The outside client's second check catches what the fhir.resources models let through."""

import pytest

from tests.api.fhir_client import check_resource


@pytest.mark.parametrize(
    "resource, words",
    [
        ({"resourceType": "Task", "id": "1", "meta": {"versionId": "1"}, "status": "banana", "intent": "order"}, "required binding"),
        (
            {
                "resourceType": "ServiceRequest",
                "id": "1",
                "meta": {"versionId": "1"},
                "status": "active",
                "intent": "banana",
                "subject": {"reference": "Patient/1"},
            },
            "required binding",
        ),
        ({"resourceType": "Bundle", "type": "searchset"}, "carries total"),
        (
            {
                "resourceType": "Goal",
                "id": "1",
                "lifecycleStatus": "active",
                "description": {"text": "x"},
                "subject": {"reference": "Patient/1"},
            },
            "versionId",
        ),
    ],
)
def test_what_the_models_let_through_is_caught(resource, words):
    with pytest.raises(AssertionError, match=words):
        check_resource(resource)


def test_a_valid_resource_passes_both_checks():
    check_resource({"resourceType": "Task", "id": "1", "meta": {"versionId": "1"}, "status": "requested", "intent": "order"})
