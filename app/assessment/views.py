"""The single assessment pages: read it whole, edit one section in place, see its history."""

from flask import Blueprint, abort, g, redirect, request, url_for

from app.assessment import forms, service
from app.care_plan import care_team
from app.forms import questions
from app.transaction import get_session
from app.web import fields, guard
from app.web.rendering import is_htmx, render

bp = Blueprint("assessment", __name__, url_prefix="/people/<int:person_id>/assessment")


@bp.get("")
def show(person_id: int):
    person = guard.person_for(person_id, "view_assessment")
    return _page(person, service.view(get_session(), person_id))


@bp.post("")
def start(person_id: int):
    person = guard.person_for(person_id, "start_assessment", write=True)
    session = get_session()
    service.open_assessment(session, person, g.user)
    return redirect(url_for("assessment.show", person_id=person.id))


@bp.get("/sections/<section_key>/edit")
def edit_section(person_id: int, section_key: str):
    person = guard.person_for(person_id, "view_assessment", write=True)
    record = _record(person_id)
    item = _section(record, section_key)
    return _render_section(person, record, item, editing=True, form=None)


@bp.post("/sections/<section_key>")
def save_section(person_id: int, section_key: str):
    person = guard.person_for(person_id, "edit_assessment", write=True)
    session = get_session()
    record = _record(person_id)
    item = _section(record, section_key)
    command, unreadable = forms.save_section(item.section, request.form)
    if unreadable:
        return _render_section(person, record, item, editing=True, form=request.form, errors=unreadable, status=400)
    result = service.save_section(session, record.assessment, command, g.user, record=record)
    if result.errors:
        return _render_section(person, record, item, editing=True, form=request.form, errors=result.errors, status=400)
    if result.conflict:
        record = _record(person_id)
        return _render_section(
            person, record, _section(record, section_key), editing=True, form=request.form, conflict=result.conflict, status=409
        )
    if is_htmx():  # `record` shows the assessment as saved
        section, status = _render_section(person, record, _section(record, section_key), editing=False, form=None, saved=True)
        # The suggested needs follow the findings, and the count of sections written (and what is
        # still missing to complete) follows the save: they are swapped in too, out of band.
        extra = render("assessment/page.html", "suggestions", person=person, record=record, suggestions_oob=True)
        extra += render("assessment/page.html", "progress", record=record, progress_oob=True)
        if not record.is_complete and guard.may_change(person):  # the page shows what is missing to complete
            extra += render(
                "assessment/page.html",
                "completion",
                record=record,
                progress_oob=True,
                missing_for_completion=service.missing_for_completion,
            )
        if request.form.get("sections_error_shown"):  # the page says which sections to write first: as it now stands
            errors = fields.on_form(service.sections_missing(service.missing_for_completion(record)), forms.FIELD_IDS)
            extra += render("assessment/page.html", "page_errors", errors=errors, page_errors_oob=True)
        return section + extra, status
    return redirect(url_for("assessment.show", person_id=person.id, saved=section_key) + f"#section-{section_key}")


@bp.post("/complete")
def complete(person_id: int):
    person = guard.person_for(person_id, "complete_assessment", write=True)
    session = get_session()
    record = _record(person_id)
    command, unreadable = forms.complete(request.form)
    if unreadable:
        return _page(person, record, form=request.form, errors=unreadable, status=400)
    result = service.complete(session, record.assessment, command, g.user)
    if result.errors:
        return _page(person, record, form=request.form, errors=fields.on_form(result.errors, forms.FIELD_IDS), status=400)
    if result.conflict:
        return _page(person, service.view(session, person_id), form=request.form, stale=True, status=409)
    return redirect(url_for("assessment.show", person_id=person.id))


@bp.get("/history")
def history(person_id: int):
    person = guard.person_for(person_id, "view_assessment_history")
    assessment = service.assessment_of(get_session(), person_id)
    history = service.history(get_session(), assessment, fields.page_number(request.args)) if assessment else None
    return render("assessment/history.html", person=person, history=history, record_header=_header(person))


@bp.get("/history/<int:revision_id>")
def revision(person_id: int, revision_id: int):
    person = guard.person_for(person_id, "view_assessment_history")
    session = get_session()
    found = service.revision_of(session, person_id, revision_id)
    if found is None:
        abort(404, "There is no such revision of this assessment.")
    return render(
        "assessment/revision.html",
        person=person,
        row=found,
        changes=service.revision_diff(session, found.revision),
        record_header=_header(person),
    )


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


def _header(person):
    """The person's header and their record's sub-navigation, for a full page (not an htmx fragment)."""
    return care_team.header(get_session(), person, g.user)


def _page(person, record, *, form=None, errors=None, stale=False, status=200):
    return render(
        "assessment/page.html",
        person=person,
        record=record,
        form=form,
        errors=errors or {},
        stale=stale,
        may_edit=guard.may_change(person),
        record_header=_header(person),
        # Back from a save without JavaScript: which section was saved (one of the assessment's, or nothing).
        saved_section=_known_section(request.args.get("saved")),
        missing_for_completion=service.missing_for_completion,
    ), status


def _render_section(person, record, item, *, editing: bool, form, errors=None, conflict=None, saved=False, status=200):
    context = dict(
        person=person,
        record=record,
        item=item,
        editing=editing,
        form=form,
        errors=errors or {},
        conflict=conflict,
        saved=saved,
        may_edit=guard.may_change(person),
    )
    if is_htmx():
        return render("assessment/page.html", "section", **context), status
    return render("assessment/section_page.html", **context, record_header=_header(person)), status


def _known_section(key):
    try:
        return questions.template().section(key).key if key else None
    except KeyError:
        return None
