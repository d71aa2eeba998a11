"""The single assessment pages: read it whole, edit one section in place, see its history."""
from datetime import date

from flask import Blueprint, abort, g, redirect, request, url_for
from sqlmodel import select

from app.trust import access
from app.forms import answers, questions
from app.web import fields
from app.assessment import service
from app.db import get_session
from app.web import guard
from app.web.rendering import is_htmx, render
from models import Assessment, AssessmentRevision

bp = Blueprint("assessment", __name__, url_prefix="/people/<int:person_id>/assessment")


@bp.app_template_global("answer_text")
def answer_text(question, value) -> str:
    return answers.answer_text(question, value)


@bp.app_context_processor
def may_edit_assessment():
    """Whether to offer editing: only the care team may change the record (guard.person_for enforces it)."""
    person_id = (request.view_args or {}).get("person_id")
    if request.blueprint != "assessment" or person_id is None or g.get("user") is None:
        return {}
    from models import Person

    person = get_session().get(Person, person_id)
    return {"may_edit": person is not None and guard.may_change(person)}


@bp.get("")
def show(person_id: int):
    person = guard.person_for(person_id, "view_assessment")
    return render("assessment/page.html", person=person, record=service.view(get_session(), person.id), form=None, errors={}, stale=False)


@bp.post("")
def start(person_id: int):
    person = guard.person_for(person_id, "start_assessment", write=True)
    session = get_session()
    service.open_assessment(session, person, g.user)
    return redirect(url_for("assessment.show", person_id=person.id))


@bp.get("/sections/<section_key>/edit")
def edit_section(person_id: int, section_key: str):
    person = guard.person_for(person_id, "view_assessment", write=True)
    record = _record(person.id)
    item = _section(record, section_key)
    return _render_section(person, record, item, editing=True, form=None)


@bp.post("/sections/<section_key>")
def save_section(person_id: int, section_key: str):
    person = guard.person_for(person_id, "edit_assessment", write=True)
    session = get_session()
    record = _record(person.id)
    item = _section(record, section_key)
    result = service.save_section(session, record.assessment, section_key, request.form, g.user, _seen_version())
    if result.errors:
        return _render_section(person, record, item, editing=True, form=request.form, errors=result.errors, status=400)
    if result.conflict:
        record = service.view(session, person.id)
        item = record.section(section_key)
        return _render_section(person, record, item, editing=True, form=request.form, conflict=result.conflict, status=409)
    if is_htmx():
        record = service.view(session, person.id)
        return _render_section(person, record, record.section(section_key), editing=False, form=None, saved=True)
    return redirect(url_for("assessment.show", person_id=person.id, saved=section_key) + f"#section-{section_key}")


@bp.post("/complete")
def complete(person_id: int):
    person = guard.person_for(person_id, "complete_assessment", write=True)
    session = get_session()
    record = _record(person.id)
    errors: dict = {}
    review = fields.date_parts(request.form, "review_due", "the review date", errors, required=True, future=True)
    if errors:
        return render("assessment/page.html", person=person, record=record, errors=errors, form=request.form, stale=False), 400
    if not service.complete(session, record.assessment, g.user, _seen_version(), review or date.today()):
        record = service.view(session, person.id)
        return render("assessment/page.html", person=person, record=record, stale=True, form=request.form, errors={}), 409
    return redirect(url_for("assessment.show", person_id=person.id))


@bp.get("/history")
def history(person_id: int):
    person = guard.person_for(person_id, "view_assessment_history")
    assessment = get_session().exec(select(Assessment).where(Assessment.person_id == person.id)).first()
    rows = service.history(get_session(), assessment.id) if assessment else []
    return render("assessment/history.html", person=person, rows=rows)


@bp.get("/history/<int:revision_id>")
def revision(person_id: int, revision_id: int):
    person = guard.person_for(person_id, "view_assessment_history")
    session = get_session()
    found = session.get(AssessmentRevision, revision_id)
    assessment = session.exec(select(Assessment).where(Assessment.person_id == person.id)).first()
    if found is None or assessment is None or found.assessment_id != assessment.id:
        abort(404, "There is no such revision of this assessment.")
    row = next((r for r in service.history(session, assessment.id) if r.revision.id == found.id), None)
    return render("assessment/revision.html", person=person, row=row, changes=service.revision_diff(session, found))


def _record(person_id: int) -> service.AssessmentView:
    record = service.view(get_session(), person_id)
    if record is None:
        abort(404, "This person has no assessment yet. Start it from their assessment page.")
    return record


def _section(record, section_key: str) -> service.SectionView:
    try:
        questions.template().section(section_key)
    except KeyError:
        abort(404, "There is no such section in the assessment.")
    return record.section(section_key)


def _seen_version() -> int:
    raw = request.form.get("version", "")
    if not raw.isdigit() or len(raw) > 9:
        abort(400, "The form is missing the version you saw. Reload the page and try again.")
    return int(raw)


def _render_section(person, record, item, *, editing: bool, form, errors=None, conflict=None, saved=False, status=200):
    context = dict(person=person, record=record, item=item, editing=editing, form=form, errors=errors or {},
                   conflict=conflict, saved=saved)
    if is_htmx():
        return render("assessment/page.html", "section", **context), status
    return render("assessment/section_page.html", **context), status
