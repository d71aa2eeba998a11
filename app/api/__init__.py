"""The FHIR R4 API."""
