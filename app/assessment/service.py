"""The single assessment: one per person, added to section by section by every professional.

Each section save (a `SaveSection` command, from the web form or any other way in) carries the
version the writer saw; a save against an older version is refused as a conflict (no lost
updates). Every save keeps an immutable revision, and the assessment's findings are turned into
suggested needs for the care plan after each save. The caller commits.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Optional

from sqlalchemy import bindparam, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from app import paging
from app.assessment import needs, scoring
from app.db import insert_once
from app.forms import questions, revisions
from app.forms.answers import answer_text, check_answers, clean
from app.trust import audit
from app.versioned import Conflict, SaveResult, conflict_with, save_if_unchanged
from models import (
    Agency,
    Assessment,
    AssessmentRevision,
    AssessmentSection,
    AssessmentStatus,
    Person,
    SuggestedNeed,
    SuggestionStatus,
    User,
)
from models.clock import utc_now

STATUS_REVISION = "status"


def open_assessment(session: Session, person: Person, by: Optional[User]) -> Assessment:
    """The person's assessment, created (with an empty row per section) if they have none."""
    existing = session.exec(select(Assessment).where(Assessment.person_id == person.id)).first()
    if existing is not None:
        return existing
    template = questions.template()
    assert person.id is not None  # a saved person
    assessment = Assessment(person_id=person.id, opened_by_id=by.id if by else None, template_version=template.version)
    session.add(assessment)
    session.flush()
    assert assessment.id is not None  # flushed
    for section in template.sections:
        session.add(AssessmentSection(assessment_id=assessment.id, section_key=section.key, answers={}))
    if by is not None:
        audit.record(session, "open_assessment", user=by, person_id=person.id, record_type="assessment", record_id=assessment.id)
    return assessment


@dataclass
class ToolEntry:
    """A scored tool asked in a section, with its result from the saved answers (None before any)."""

    tool: questions.ScoredTool
    result: Optional[scoring.ToolResult]


@dataclass
class SectionView:
    section: questions.Section
    row: Optional[AssessmentSection]
    writer: Optional[User]
    agency: Optional[Agency]
    results: list[scoring.ToolResult] = field(default_factory=list)

    @property
    def answers(self) -> dict[str, Any]:
        return self.row.answers if self.row else {}

    @property
    def version(self) -> int:
        return self.row.version if self.row else 0

    @property
    def tools(self) -> list[ToolEntry]:
        """The section's scored tools, each with its result so far: the form asks each as a group of its own."""
        results = {r.key: r for r in self.results}
        return [ToolEntry(questions.template().tool(key), results.get(key)) for key in self.section.tools]


@dataclass
class AssessmentView:
    assessment: Assessment
    sections: list[SectionView]
    suggestions: list[SuggestedNeed]
    completed_by: Optional[User] = None
    # Suggestions whose findings no longer hold: not shown, but kept for a save to bring back.
    withdrawn: list[SuggestedNeed] = field(default_factory=list)
    # Answers to sections the template no longer asks: they still count towards the findings.
    retired: dict[str, dict[str, Any]] = field(default_factory=dict)

    def section(self, key: str) -> SectionView:
        return next(s for s in self.sections if s.section.key == key)

    @property
    def written_count(self) -> int:
        return sum(1 for s in self.sections if s.version > 0)

    @property
    def is_complete(self) -> bool:
        return self.assessment.status is AssessmentStatus.complete

    @property
    def answers_by_section(self) -> dict[str, dict[str, Any]]:
        return {**self.retired, **{s.section.key: (s.row.answers or {}) for s in self.sections if s.row is not None}}


@lru_cache(maxsize=1)
def _statements() -> dict[str, Any]:
    """The assessment's statements, built once; each page runs them with its person or assessment."""
    return {
        "assessment": select(Assessment).where(Assessment.person_id == bindparam("person_id")),
        "sections": select(AssessmentSection, User, Agency)
        .outerjoin(User, col(User.id) == AssessmentSection.updated_by_id)
        .outerjoin(Agency, col(Agency.id) == AssessmentSection.updated_agency_id)
        .where(AssessmentSection.assessment_id == bindparam("assessment_id")),
        "suggestions": select(SuggestedNeed)
        .where(SuggestedNeed.assessment_id == bindparam("assessment_id"))
        .order_by(col(SuggestedNeed.id)),
    }


def view(session: Session, person_id: int) -> Optional[AssessmentView]:
    """The whole assessment with each section's last writer and agency, in a fixed number of queries."""
    assessment = session.exec(_statements()["assessment"], params={"person_id": person_id}).first()
    if assessment is None:
        return None
    return view_of(session, assessment)


def view_of(session: Session, assessment: Assessment) -> AssessmentView:
    """The assessment's sections with their writers, scores and suggested needs (two queries)."""
    statements, on_assessment = _statements(), {"assessment_id": assessment.id}
    rows = session.exec(statements["sections"], params=on_assessment).all()
    by_key = {row.section_key: (row, user, agency) for row, user, agency in rows}
    sections = []
    for section in questions.template().sections:
        row, user, agency = by_key.get(section.key, (None, None, None))
        sections.append(SectionView(section, row, user, agency))
    suggestions = list(session.exec(statements["suggestions"], params=on_assessment))
    completed_by = session.get(User, assessment.completed_by_id) if assessment.completed_by_id else None
    asked = {item.section.key for item in sections}
    retired = {key: row.answers or {} for key, (row, _, _) in by_key.items() if key not in asked}
    record = AssessmentView(assessment, sections, [], completed_by, retired=retired)
    _score(record, suggestions)
    return record


def _score(record: AssessmentView, suggestions: list[SuggestedNeed], results: Optional[dict[str, scoring.ToolResult]] = None) -> None:
    """Each section's tool results from the answers as they stand (`results`, when already scored),
    and the suggestions shown."""
    results = scoring.score_all(record.answers_by_section) if results is None else results
    for item in record.sections:
        item.results = [results[t] for t in item.section.tools if t in results]
    record.suggestions = [s for s in suggestions if s.status is not SuggestionStatus.withdrawn]
    record.withdrawn = [s for s in suggestions if s.status is SuggestionStatus.withdrawn]


@dataclass(frozen=True)
class SaveSection:
    """Answers to one section, as the writer last saw it (`seen_version`)."""

    section_key: str
    answers: Mapping[str, Any]
    seen_version: int


def save_section(
    session: Session,
    assessment: Assessment,
    command: SaveSection,
    by: User,
    today: Optional[date] = None,
    record: Optional[AssessmentView] = None,
) -> SaveResult[AssessmentRevision]:
    """Save one section's answers if they are valid and the section is still at the version the writer
    saw; keep a revision of what changed; refresh the needs the findings suggest.

    `record`, the assessment as the caller has just read it (`view`), spares reading it again: the
    assessment is read once, and after a save `record` shows it as saved."""
    section = questions.template().section(command.section_key)
    errors = check_answers(section, command.answers, today=today)
    stored = clean(section, command.answers)
    errors = errors or contradictions(section.key, stored)
    if errors:
        return SaveResult(errors=errors, answers=stored)
    assert assessment.id is not None  # a saved assessment
    record = view_of(session, assessment) if record is None else record
    item = record.section(command.section_key)
    if item.row is None:
        item.row = _section_row(session, assessment, command.section_key)
    row = item.row
    assert row.id is not None  # read from the database
    before = dict(row.answers or {})
    now = utc_now()
    written = {"answers": stored, "updated_by_id": by.id, "updated_agency_id": by.agency_id, "updated_at": now}
    if not save_if_unchanged(session, AssessmentSection, row.id, command.seen_version, written):
        return SaveResult(conflict=conflict_with(session, row, stored, row.answers), answers=stored)
    # The row as the database now holds it (its times without a zone, like every stored time), without reading it back.
    for name, value in {**written, "updated_at": now.replace(tzinfo=None), "version": command.seen_version + 1}.items():
        set_committed_value(row, name, value)
    item.writer = by
    item.agency = session.get(Agency, by.agency_id) if by.agency_id else None
    revision = AssessmentRevision(
        assessment_id=assessment.id,
        section_key=command.section_key,
        section_version=row.version,
        answers=stored,
        changed=revisions.changed_keys(before, stored),
        saved_by_id=by.id,
        saved_agency_id=by.agency_id,
        saved_at=now,
    )
    session.add(revision)
    session.flush()
    session.execute(update(Assessment).where(col(Assessment.id) == assessment.id).values(updated_at=now))
    set_committed_value(assessment, "updated_at", now.replace(tzinfo=None))
    results = scoring.score_all(record.answers_by_section)  # scored once, for the suggestions and the page
    _score(record, refresh_suggestions(session, record, revision, results), results)
    audit.record(
        session,
        "edit_assessment",
        user=by,
        person_id=assessment.person_id,
        record_type="assessment_section",
        record_id=row.id,
        detail=f"{command.section_key}: {len(revision.changed)} answers changed",
    )
    return SaveResult(item=revision, answers=stored)


def _section_row(session: Session, assessment: Assessment, section_key: str) -> AssessmentSection:
    """The section's row; one is made (at version 0) for a section added to the template after this
    assessment was opened, by whichever writer comes first."""
    query = select(AssessmentSection).where(AssessmentSection.assessment_id == assessment.id, AssessmentSection.section_key == section_key)
    row = session.exec(query).first()
    if row is None:
        insert_once(
            session,
            AssessmentSection,
            {"assessment_id": assessment.id, "section_key": section_key, "answers": {}, "version": 0},
            unique=["assessment_id", "section_key"],
        )
        row = session.exec(query).one()
    return row


def refresh_suggestions(
    session: Session, record: AssessmentView, revision: AssessmentRevision, results: Optional[dict[str, scoring.ToolResult]] = None
) -> list[SuggestedNeed]:
    """Re-run the finding -> need rules over the whole assessment; a suggestion whose finding no
    longer holds is withdrawn unless the care plan already adopted or someone dismissed it. Every
    suggestion, old and new, in the order they were first made."""
    assessment = record.assessment
    assert assessment.id is not None  # a saved assessment
    answers_by_section = record.answers_by_section
    results = scoring.score_all(answers_by_section) if results is None else results
    suggested = {s.rule_key: s for s in needs.suggest(answers_by_section, results)}
    kept = sorted([*record.suggestions, *record.withdrawn], key=lambda s: s.id or 0)
    existing = {s.rule_key: s for s in kept}
    made = []
    now = utc_now()
    for key, suggestion in suggested.items():
        stored = existing.get(key)
        if stored is None:
            stored = SuggestedNeed(
                assessment_id=assessment.id,
                person_id=assessment.person_id,
                rule_key=key,
                need=suggestion.need,
                reason="",
                section_key="",
                source="",
                answer="",
            )
            made.append(stored)
        changed = (stored.reason, stored.answer) != (suggestion.reason[:500], suggestion.answer[:500])
        # Only what differs is set: a save leaves most suggestions as they were, and each attribute
        # set on a row is bookkeeping for the flush to undo.
        _set_changed(
            stored,
            need=suggestion.need[:200],
            reason=suggestion.reason[:500],
            section_key=suggestion.section_key,
            source=suggestion.source[:80],
            answer=suggestion.answer[:500],
        )
        if stored.id is None or changed or stored.status is SuggestionStatus.withdrawn:
            stored.revision_id = revision.id
            stored.updated_at = now
        if stored.status is SuggestionStatus.withdrawn:
            stored.status = SuggestionStatus.suggested
        session.add(stored)
    for key, stored in existing.items():
        if key not in suggested and stored.status is SuggestionStatus.suggested:
            stored.status = SuggestionStatus.withdrawn
            stored.updated_at = now
            session.add(stored)
    return kept + made


def _set_changed(row: Any, **values: Any) -> None:
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


# Answers that cannot both be true, asked about before saving: (section, question, its answer, the other
# question, the other answers that contradict it, the message by the other question).
CONTRADICTIONS: tuple[tuple[str, str, str, str, Any, str], ...] = (
    (
        "prevention",
        "falls_last_year",
        "yes",
        "falls_count",
        (0,),
        "Enter how many falls (1 or more): ‘Any falls in the last 12 months’ says Yes",
    ),
    (
        "prevention",
        "falls_last_year",
        "no",
        "falls_count",
        range(1, 101),
        "‘Any falls in the last 12 months’ says No: change it to Yes, or the number to 0",
    ),
    (
        "mental_health",
        "memory_concerns",
        "no",
        "dementia_diagnosis",
        ("yes",),
        "A diagnosis of dementia is recorded: change ‘Concerns about memory’ to Yes, or check the diagnosis",
    ),
    (
        "relationships",
        "has_carer",
        "no",
        "carer_coping",
        ("no", "sometimes", "yes_a_lot"),
        "‘Has a carer’ says No: leave how the carer is coping blank, or change it to Yes",
    ),
)


def contradictions(section_key: str, answers: Mapping[str, Any]) -> dict[str, str]:
    """Answers in one section that contradict each other ("Any falls: Yes" with 0 falls), as errors by the
    question to change; nothing is saved until they agree."""
    found = {}
    for key, question, value, other, clashing, message in CONTRADICTIONS:
        if key == section_key and answers.get(question) == value and answers.get(other) in clashing:
            found[other] = message
    return found


# Sections without which there is no assessment to make a plan from: completion waits for them.
REQUIRED_FOR_COMPLETION = ("perspective", "clinical", "physical", "mental_health", "safety")


def missing_for_completion(record: "AssessmentView") -> list[str]:
    """The titles of the required sections nobody has written yet, in the assessment's order."""
    return [s.section.title for s in record.sections if s.section.key in REQUIRED_FOR_COMPLETION and s.version == 0]


def sections_missing(missing: list[str]) -> dict[str, str]:
    """The error that completing the assessment with these required sections unwritten gives (none
    when none is missing)."""
    return {"sections": "Write these sections before completing the assessment: " + ", ".join(missing)} if missing else {}


@dataclass(frozen=True)
class CompleteAssessment:
    """Mark the assessment complete, with the date it should be reviewed by, as the user last saw it."""

    review_due_on: Optional[date]
    seen_version: int


def complete(
    session: Session, assessment: Assessment, command: CompleteAssessment, by: User, today: Optional[date] = None
) -> SaveResult[Assessment]:
    """Mark the assessment complete with a review date (today or later) if nobody changed it since the
    user saw it; the status change is kept as a revision like any save."""
    assert assessment.id is not None  # a saved assessment
    today = today or date.today()
    written = set(
        session.exec(
            select(AssessmentSection.section_key).where(
                AssessmentSection.assessment_id == assessment.id, col(AssessmentSection.version) > 0
            )
        )
    )
    missing = [questions.template().section(k).title for k in REQUIRED_FOR_COMPLETION if k not in written]
    if missing:
        return SaveResult(errors=sections_missing(missing))
    if command.review_due_on is None:
        return SaveResult(errors={"review_due": "Enter the review date"})
    if command.review_due_on < today:
        return SaveResult(errors={"review_due": "The review date must be today or in the future"})
    now = utc_now()
    values = {
        "status": AssessmentStatus.complete,
        "completed_at": now,
        "completed_by_id": by.id,
        "review_due_on": command.review_due_on,
        "updated_at": now,
    }
    if not save_if_unchanged(session, Assessment, assessment.id, command.seen_version, values):
        session.refresh(assessment)
        return SaveResult(conflict=Conflict({}, {}, None, None, assessment.updated_at, assessment.version))
    session.refresh(assessment)
    session.add(
        AssessmentRevision(
            assessment_id=assessment.id,
            section_key=STATUS_REVISION,
            section_version=assessment.version,
            answers={"status": AssessmentStatus.complete.value, "review_due_on": command.review_due_on.isoformat()},
            changed=["status", "review_due_on"],
            saved_by_id=by.id,
            saved_agency_id=by.agency_id,
            saved_at=now,
        )
    )
    audit.record(session, "complete_assessment", user=by, person_id=assessment.person_id, record_type="assessment", record_id=assessment.id)
    return SaveResult(item=assessment)


def assessment_of(session: Session, person_id: int) -> Optional[Assessment]:
    return session.exec(select(Assessment).where(Assessment.person_id == person_id)).first()


@dataclass
class RevisionRow:
    revision: AssessmentRevision
    writer: Optional[User]
    agency: Optional[Agency]
    title: str


HISTORY_PAGE = 100


def history(session: Session, assessment: Assessment, page: int = 1, size: int = HISTORY_PAGE) -> paging.Page[RevisionRow]:
    """Every save, newest first, with who and which agency, a page at a time (two queries)."""
    titles = _titles()
    rows, number, total = paging.read(
        session,
        select(AssessmentRevision, User, Agency)
        .outerjoin(User, col(User.id) == AssessmentRevision.saved_by_id)
        .outerjoin(Agency, col(Agency.id) == AssessmentRevision.saved_agency_id)
        .where(AssessmentRevision.assessment_id == assessment.id)
        .order_by(col(AssessmentRevision.saved_at).desc(), col(AssessmentRevision.id).desc()),
        page,
        size,
    )
    return paging.Page([RevisionRow(r, u, a, titles.get(r.section_key, r.section_key)) for r, u, a in rows], number, total, size)


def revision_of(session: Session, person_id: int, revision_id: int) -> Optional[RevisionRow]:
    """One revision of this person's assessment, with who saved it (None if it is another's)."""
    row = session.exec(
        select(AssessmentRevision, User, Agency)
        .join(Assessment, col(Assessment.id) == AssessmentRevision.assessment_id)
        .outerjoin(User, col(User.id) == AssessmentRevision.saved_by_id)
        .outerjoin(Agency, col(Agency.id) == AssessmentRevision.saved_agency_id)
        .where(AssessmentRevision.id == revision_id, Assessment.person_id == person_id)
    ).first()
    if row is None:
        return None
    revision, writer, agency = row
    return RevisionRow(revision, writer, agency, _titles().get(revision.section_key, revision.section_key))


def _titles() -> dict[str, str]:
    return {**{s.key: s.title for s in questions.template().sections}, STATUS_REVISION: "Assessment status"}


STATUS_LABELS = {"status": "Status", "review_due_on": "Review due"}


def _status_text(key: str, value: Any) -> str:
    """A completion's answers in words: the status's label, the review date as people write it."""
    if not value:
        return ""
    if key == "status":
        return AssessmentStatus(value).label
    day = date.fromisoformat(value)
    return f"{day.day} {day:%B %Y}"


def revision_diff(session: Session, revision: AssessmentRevision) -> list[revisions.Change]:
    """This revision against the one before it for the same section, in question order."""
    previous = session.exec(
        select(AssessmentRevision)
        .where(AssessmentRevision.assessment_id == revision.assessment_id)
        .where(AssessmentRevision.section_key == revision.section_key)
        .where(AssessmentRevision.section_version < revision.section_version)
        .order_by(col(AssessmentRevision.section_version).desc())
        .limit(1)
    ).first()
    before = previous.answers if previous else {}
    if revision.section_key == STATUS_REVISION:
        return revisions.diff(before, revision.answers, ["status", "review_due_on"], STATUS_LABELS.__getitem__, _status_text)
    section = questions.template().section(revision.section_key)
    asked = {q.key: q for q in section.questions}

    def text(key: str, value: Any) -> str:
        return answer_text(asked[key], value) if key in asked else ("" if value is None else str(value))

    changes = revisions.diff(
        before, revision.answers, [q.key for q in section.questions], lambda k: asked[k].label if k in asked else k, text
    )
    # A scored tool's items are listed with its total or level before and after, as the page shows it.
    was = {r.key: r for r in scoring.score_section(section, before or {})}
    now = {r.key: r for r in scoring.score_section(section, revision.answers or {})}
    for key in section.tools:
        level = questions.template().tool(key).kind == "level"
        before_text, after_text = _score_text(was.get(key), level), _score_text(now.get(key), level)
        if before_text != after_text:
            changes.append(revisions.Change(key, questions.template().tool(key).name, before_text, after_text))
    return changes


def _score_text(result: Optional[scoring.ToolResult], level: bool) -> str:
    """A tool's result in the words of the history: "14 of 20: Moderate dependency", "Level 6: Living with moderate frailty"."""
    if result is None or result.score is None:
        return ""
    if level:
        return f"Level {result.score}: {result.band}"
    return f"{result.score}{f' of {result.maximum}' if result.maximum else ''}: {result.band}"
