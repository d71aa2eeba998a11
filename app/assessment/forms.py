"""Reading the single assessment's forms into its commands (the web layer's half of a save)."""

from typing import Any

from app.assessment.service import CompleteAssessment, SaveSection
from app.forms.answers import read_section
from app.forms.questions import Section
from app.web import fields

# A command's error keys under the ids of the form's fields, where they differ.
FIELD_IDS = {"review_due": "review_due-day", "sections": "complete-sections"}


def save_section(section: Section, form: Any) -> tuple[SaveSection, dict[str, str]]:
    """A section's answers as typed, and what could not be read (a date that is not a real date)."""
    answers, errors = read_section(section, form)
    return SaveSection(section.key, answers, fields.seen_version(form)), errors


def complete(form: Any) -> tuple[CompleteAssessment, dict[str, str]]:
    errors: dict[str, str] = {}
    review_due_on = fields.date_parts(form, "review_due", "the review date", errors)
    return CompleteAssessment(review_due_on, fields.seen_version(form)), errors
