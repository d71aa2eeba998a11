"""The single assessment's scored tools as Observations: Barthel Index, Clinical Frailty Scale and
PHQ-9, each with its standard code, scored on the server (app/assessment/scoring.py) from the
section that asks it. Only a complete result is an Observation; an unanswered tool is none.
Its id is `<person id>-<tool>`, its version the version of the section that holds the tool."""

from typing import Any, Optional

from sqlmodel import Session, select

from app.api.resources import instant, organization_ref, ref, with_meta
from app.assessment import scoring
from app.forms import questions
from models import Agency, Assessment, AssessmentSection, Person

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
# The standard codes of each tool's total score.
CODES: dict[str, dict[str, Any]] = {
    "barthel": {
        "coding": [{"system": SNOMED, "code": "273302005", "display": "Barthel index (assessment scale)"}],
        "text": "Barthel Index",
    },
    "cfs": {
        "coding": [{"system": SNOMED, "code": "445414007", "display": "Rockwood Clinical Frailty Scale (assessment scale)"}],
        "text": "Clinical Frailty Scale",
    },
    "phq9": {
        "coding": [{"system": LOINC, "code": "44261-6", "display": "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"}],
        "text": "PHQ-9",
    },
}
CATEGORY = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "survey", "display": "Survey"}]}


def observations(session: Session, person: Person) -> list[dict[str, Any]]:
    """Every complete scored tool of the person's assessment, as an Observation."""
    assessment = session.exec(select(Assessment).where(Assessment.person_id == person.id)).first()
    if assessment is None:
        return []
    sections = {s.section_key: s for s in session.exec(select(AssessmentSection).where(AssessmentSection.assessment_id == assessment.id))}
    template = questions.template()
    results = scoring.score_all({key: section.answers for key, section in sections.items()}, template=template)
    found = []
    for section in template.sections:
        written = sections.get(section.key)
        for key in section.tools:
            result = results[key]
            if key in CODES and result.complete and result.score is not None and written is not None:
                found.append(_observation(session, person, written, result))
    return found


def observation(session: Session, person: Person, tool: str) -> Optional[dict[str, Any]]:
    return next((o for o in observations(session, person) if o["id"] == f"{person.id}-{tool}"), None)


def _observation(session: Session, person: Person, section: AssessmentSection, result: scoring.ToolResult) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"{person.id}-{result.key}",
        "status": "final",
        "category": [CATEGORY],
        "code": CODES[result.key],
        "subject": ref("Patient", person.id),
        "valueInteger": result.score,
        "interpretation": [{"text": result.band}],
    }
    if section.updated_at is not None:
        body["effectiveDateTime"] = instant(section.updated_at)
    if result.maximum is not None:
        body["note"] = [{"text": f"{result.score} of {result.maximum}"}]
    agency = session.get(Agency, section.updated_agency_id) if section.updated_agency_id else None
    if agency is not None:
        body["performer"] = [organization_ref(agency)]
    return with_meta(body, section.version, section.updated_at)
