"""The single assessment: one per person, added to section by section by every professional.

Each section save carries the version the writer saw; a save against an older version is
refused as a conflict (no lost updates). Every save keeps an immutable revision, and the
assessment's findings are turned into suggested needs for the care plan after each save.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Optional

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from app.forms import questions
from app.forms.answers import answer_text, read_section
from app.trust import audit
from app.assessment import needs
from app.forms import revisions
from app.assessment import scoring
from models import Agency, Assessment, AssessmentRevision, AssessmentSection, Person, SuggestedNeed, User
from models.clock import utc_now

STATUS_REVISION = "status"


def open_assessment(session: Session, person: Person, by: Optional[User]) -> Assessment:
    """The person's assessment, created (with an empty row per section) if they have none."""
    existing = session.exec(select(Assessment).where(Assessment.person_id == person.id)).first()
    if existing is not None:
        return existing
    template = questions.template()
    assessment = Assessment(person_id=person.id, opened_by_id=by.id if by else None, template_version=template.version)
    session.add(assessment)
    session.flush()
    for section in template.sections:
        session.add(AssessmentSection(assessment_id=assessment.id, section_key=section.key, answers={}))
    if by is not None:
        audit.record(session, "open_assessment", user=by, person_id=person.id, record_type="assessment", record_id=assessment.id)
    return assessment


@dataclass
class SectionView:
    section: questions.Section
    row: Optional[AssessmentSection]
    writer: Optional[User]
    agency: Optional[Agency]
    results: list = field(default_factory=list)

    @property
    def answers(self) -> dict:
        return self.row.answers if self.row else {}

    @property
    def version(self) -> int:
        return self.row.version if self.row else 0


@dataclass
class AssessmentView:
    assessment: Assessment
    sections: list[SectionView]
    suggestions: list[SuggestedNeed]
    completed_by: Optional[User] = None

    def section(self, key: str) -> SectionView:
        return next(s for s in self.sections if s.section.key == key)

    @property
    def written_count(self) -> int:
        return sum(1 for s in self.sections if s.version > 0)


def view(session: Session, person_id: int) -> Optional[AssessmentView]:
    """The whole assessment with each section's last writer and agency, in a fixed number of queries."""
    assessment = session.exec(select(Assessment).where(Assessment.person_id == person_id)).first()
    if assessment is None:
        return None
    rows = session.exec(
        select(AssessmentSection, User, Agency)
        .outerjoin(User, User.id == AssessmentSection.updated_by_id)
        .outerjoin(Agency, Agency.id == AssessmentSection.updated_agency_id)
        .where(AssessmentSection.assessment_id == assessment.id)
    ).all()
    by_key = {row.section_key: (row, user, agency) for row, user, agency in rows}
    answers_by_section = {key: row.answers for key, (row, _, _) in by_key.items()}
    results = scoring.score_all(answers_by_section)
    sections = []
    for section in questions.template().sections:
        row, user, agency = by_key.get(section.key, (None, None, None))
        sections.append(SectionView(section, row, user, agency, [results[t] for t in section.tools if t in results]))
    suggestions = list(
        session.exec(
            select(SuggestedNeed)
            .where(SuggestedNeed.assessment_id == assessment.id)
            .where(SuggestedNeed.status != "withdrawn")
            .order_by(SuggestedNeed.id)
        )
    )
    completed_by = session.get(User, assessment.completed_by_id) if assessment.completed_by_id else None
    return AssessmentView(assessment, sections, suggestions, completed_by)


@dataclass
class Conflict:
    """Someone saved the section since the user loaded it: both versions, nothing lost."""

    yours: dict
    theirs: AssessmentSection
    writer: Optional[User]
    agency: Optional[Agency]

    @property
    def theirs_answers(self) -> dict:
        return self.theirs.answers

    @property
    def at(self) -> Optional[datetime]:
        return self.theirs.updated_at

    @property
    def version(self) -> int:
        """The version to save against, once the user has reconciled the two."""
        return self.theirs.version


@dataclass
class SaveResult:
    errors: dict = field(default_factory=dict)
    conflict: Optional[Conflict] = None
    answers: dict = field(default_factory=dict)
    revision: Optional[AssessmentRevision] = None


def save_section(
    session: Session, assessment: Assessment, section_key: str, form, user: User, seen_version: int
) -> SaveResult:
    """Validate and save one section if it is still at `seen_version`; keep a revision; refresh the suggested needs."""
    section = questions.template().section(section_key)
    answers, errors = read_section(section, form)
    if errors:
        return SaveResult(errors=errors, answers=answers)
    row = session.exec(
        select(AssessmentSection)
        .where(AssessmentSection.assessment_id == assessment.id)
        .where(AssessmentSection.section_key == section_key)
    ).first()
    if row is None:
        # A section added to the template after this assessment was opened.
        row = AssessmentSection(assessment_id=assessment.id, section_key=section_key, answers={})
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            return _conflict(session, assessment, section_key, answers)
    before = dict(row.answers or {})
    now = utc_now()
    result = session.exec(
        update(AssessmentSection)
        .where(AssessmentSection.id == row.id)
        .where(AssessmentSection.version == seen_version)
        .values(
            answers=answers, version=AssessmentSection.version + 1, updated_by_id=user.id,
            updated_agency_id=user.agency_id, updated_at=now,
        )
    )  # type: ignore[call-overload]
    if result.rowcount != 1:
        session.rollback()
        return _conflict(session, assessment, section_key, answers)
    revision = AssessmentRevision(
        assessment_id=assessment.id, section_key=section_key, section_version=seen_version + 1, answers=answers,
        changed=revisions.changed_keys(before, answers), saved_by_id=user.id, saved_agency_id=user.agency_id, saved_at=now,
    )
    session.add(revision)
    session.flush()
    session.exec(update(Assessment).where(Assessment.id == assessment.id).values(updated_at=now))  # type: ignore[call-overload]
    refresh_suggestions(session, assessment, revision)
    audit.record(
        session, "edit_assessment", user=user, person_id=assessment.person_id, record_type="assessment_section",
        record_id=row.id, detail=f"{section_key}: {len(revision.changed)} answers changed",
    )
    session.commit()
    return SaveResult(answers=answers, revision=revision)


def _conflict(session: Session, assessment: Assessment, section_key: str, yours: dict) -> SaveResult:
    theirs = session.exec(
        select(AssessmentSection)
        .where(AssessmentSection.assessment_id == assessment.id)
        .where(AssessmentSection.section_key == section_key)
    ).one()
    session.refresh(theirs)
    writer = session.get(User, theirs.updated_by_id) if theirs.updated_by_id else None
    agency = session.get(Agency, theirs.updated_agency_id) if theirs.updated_agency_id else None
    return SaveResult(conflict=Conflict(yours, theirs, writer, agency), answers=yours)


def refresh_suggestions(session: Session, assessment: Assessment, revision: AssessmentRevision) -> None:
    """Re-run the finding -> need rules over the whole assessment; a suggestion whose finding no
    longer holds is withdrawn unless the care plan already adopted or someone dismissed it."""
    rows = session.exec(select(AssessmentSection).where(AssessmentSection.assessment_id == assessment.id)).all()
    answers_by_section = {row.section_key: row.answers or {} for row in rows}
    suggested = {s.rule_key: s for s in needs.suggest(answers_by_section, scoring.score_all(answers_by_section))}
    existing = {s.rule_key: s for s in session.exec(select(SuggestedNeed).where(SuggestedNeed.assessment_id == assessment.id))}
    now = utc_now()
    for key, suggestion in suggested.items():
        stored = existing.get(key)
        if stored is None:
            stored = SuggestedNeed(assessment_id=assessment.id, person_id=assessment.person_id, rule_key=key, need=suggestion.need,
                                   reason="", section_key="", source="", answer="")
        changed = (stored.reason, stored.answer) != (suggestion.reason[:500], suggestion.answer[:500])
        stored.need = suggestion.need[:200]
        stored.reason = suggestion.reason[:500]
        stored.section_key = suggestion.section_key
        stored.source = suggestion.source[:80]
        stored.answer = suggestion.answer[:500]
        if stored.id is None or changed or stored.status == "withdrawn":
            stored.revision_id = revision.id
            stored.updated_at = now
        if stored.status == "withdrawn":
            stored.status = "suggested"
        session.add(stored)
    for key, stored in existing.items():
        if key not in suggested and stored.status == "suggested":
            stored.status = "withdrawn"
            stored.updated_at = now
            session.add(stored)


def complete(session: Session, assessment: Assessment, user: User, seen_version: int, review_due_on: date) -> bool:
    """Mark the assessment complete with a review date; False if it changed since the user saw it."""
    now = utc_now()
    result = session.exec(
        update(Assessment)
        .where(Assessment.id == assessment.id)
        .where(Assessment.version == seen_version)
        .values(status="complete", completed_at=now, completed_by_id=user.id, review_due_on=review_due_on,
                updated_at=now, version=Assessment.version + 1)
    )  # type: ignore[call-overload]
    if result.rowcount != 1:
        session.rollback()
        return False
    session.add(AssessmentRevision(
        assessment_id=assessment.id, section_key=STATUS_REVISION, section_version=seen_version + 1,
        answers={"status": "complete", "review_due_on": review_due_on.isoformat()}, changed=["status", "review_due_on"],
        saved_by_id=user.id, saved_agency_id=user.agency_id, saved_at=now,
    ))
    audit.record(session, "complete_assessment", user=user, person_id=assessment.person_id, record_type="assessment", record_id=assessment.id)
    session.commit()
    return True


@dataclass
class RevisionRow:
    revision: AssessmentRevision
    writer: Optional[User]
    agency: Optional[Agency]
    title: str


def history(session: Session, assessment_id: int, limit: int = 200) -> list[RevisionRow]:
    """Every save, newest first, with who and which agency (one query)."""
    titles = {s.key: s.title for s in questions.template().sections}
    titles[STATUS_REVISION] = "Assessment status"
    rows = session.exec(
        select(AssessmentRevision, User, Agency)
        .outerjoin(User, User.id == AssessmentRevision.saved_by_id)
        .outerjoin(Agency, Agency.id == AssessmentRevision.saved_agency_id)
        .where(AssessmentRevision.assessment_id == assessment_id)
        .order_by(AssessmentRevision.saved_at.desc(), AssessmentRevision.id.desc())  # type: ignore[attr-defined]
        .limit(limit)
    ).all()
    return [RevisionRow(r, u, a, titles.get(r.section_key, r.section_key)) for r, u, a in rows]


def revision_diff(session: Session, revision: AssessmentRevision) -> list[revisions.Change]:
    """This revision against the one before it for the same section, in question order."""
    previous = session.exec(
        select(AssessmentRevision)
        .where(AssessmentRevision.assessment_id == revision.assessment_id)
        .where(AssessmentRevision.section_key == revision.section_key)
        .where(AssessmentRevision.section_version < revision.section_version)
        .order_by(AssessmentRevision.section_version.desc())  # type: ignore[attr-defined]
        .limit(1)
    ).first()
    before = previous.answers if previous else {}
    if revision.section_key == STATUS_REVISION:
        return revisions.diff(before, revision.answers, ["status", "review_due_on"], lambda k: k.replace("_", " ").capitalize(), lambda k, v: str(v or ""))
    section = questions.template().section(revision.section_key)
    asked = {q.key: q for q in section.questions}

    def text(key: str, value: Any) -> str:
        return answer_text(asked[key], value) if key in asked else ("" if value is None else str(value))

    return revisions.diff(before, revision.answers, [q.key for q in section.questions], lambda k: asked[k].label if k in asked else k, text)
