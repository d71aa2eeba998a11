"""The single assessment over FHIR: its questions (the versioned template, app/data) as a
Questionnaire, and a person's assessment as a QuestionnaireResponse answering it. A section is a
group; a scored tool's items are asked inside the section that holds the tool."""

from datetime import date
from typing import Any, Optional

from sqlmodel import Session, select

from app.api.resources import instant, ref, with_meta
from app.forms import questions
from app.forms.questions import Question, Template
from models import Assessment, AssessmentSection, AssessmentStatus, Person

QUESTIONNAIRE_ID = "single-assessment"
ITEM_TYPES = {
    "text": "string",
    "long_text": "text",
    "choice": "choice",
    "multi_choice": "choice",
    "yes_no": "boolean",
    "date": "date",
    "number": "decimal",
}
OPTION_SYSTEM = "https://oneplan.example.nhs.uk/fhir/CodeSystem/assessment-answer"


def canonical(base_url: str) -> str:
    return f"{base_url}/Questionnaire/{QUESTIONNAIRE_ID}"


def _questions(template: Template, section) -> list[Question]:
    asked = list(section.questions)
    for key in section.tools:
        asked += list(template.tool(key).items)
    return asked


def questionnaire(base_url: str) -> dict[str, Any]:
    template = questions.template()
    items = []
    for section in template.sections:
        group: dict[str, Any] = {"linkId": section.key, "text": section.title, "type": "group", "item": []}
        for question in _questions(template, section):
            item: dict[str, Any] = {
                "linkId": f"{section.key}.{question.key}",
                "text": question.label,
                "type": ITEM_TYPES.get(question.type, "string"),
            }
            if question.type == "multi_choice":
                item["repeats"] = True
            if question.options and question.type in ("choice", "multi_choice"):
                item["answerOption"] = [
                    {"valueCoding": {"system": OPTION_SYSTEM, "code": o.value, "display": o.label}} for o in question.options
                ]
            group["item"].append(item)
        items.append(group)
    body = {
        "resourceType": "Questionnaire",
        "id": QUESTIONNAIRE_ID,
        "url": canonical(base_url),
        "version": template.version,
        "name": "OnePlanSingleAssessment",
        "title": "The single assessment (Single Assessment Process domains)",
        "status": "active",
        "subjectType": ["Patient"],
        "item": items,
    }
    return with_meta(body, template.version.replace(" ", "-") or "1", None)


def _answers(question: Question, value: Any) -> list[dict[str, Any]]:
    if value is None or value == "" or value == []:
        return []
    kind = question.type
    if kind in ("choice", "multi_choice"):
        labels = {o.value: o.label for o in question.options}
        values = value if isinstance(value, list) else [value]
        return [{"valueCoding": {"system": OPTION_SYSTEM, "code": str(v), "display": labels.get(v, str(v))}} for v in values]
    if kind == "yes_no":
        return [{"valueBoolean": value in (True, "yes")}]
    if kind == "date":
        return [{"valueDate": value.isoformat() if isinstance(value, date) else str(value)}]
    if kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return [{"valueDecimal": value}]
    return [{"valueString": str(value)}]


def response(session: Session, person: Person, base_url: str) -> Optional[dict[str, Any]]:
    """The person's assessment as answered so far (in progress until completed)."""
    assessment = session.exec(select(Assessment).where(Assessment.person_id == person.id)).first()
    if assessment is None:
        return None
    template = questions.template()
    written = {s.section_key: s for s in session.exec(select(AssessmentSection).where(AssessmentSection.assessment_id == assessment.id))}
    items = []
    for section in template.sections:
        row = written.get(section.key)
        answers = row.answers if row else {}
        answered = []
        for question in _questions(template, section):
            found = _answers(question, answers.get(question.key))
            if found:
                answered.append({"linkId": f"{section.key}.{question.key}", "text": question.label, "answer": found})
        if answered:
            items.append({"linkId": section.key, "text": section.title, "item": answered})
    body: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(assessment.id),
        "questionnaire": f"{canonical(base_url)}|{template.version}",
        "status": "completed" if assessment.status is AssessmentStatus.complete else "in-progress",
        "subject": ref("Patient", person.id),
        "authored": instant(assessment.updated_at or assessment.opened_at),
        "item": items,
    }
    if not items:
        del body["item"]
    return with_meta(body, assessment.version, assessment.updated_at or assessment.opened_at)
