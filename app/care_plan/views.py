"""The person's record and their shared care plan: the record's summary, the care team, the whole
plan, its parts and items edited in place, the action handshake, marking changes as seen, its
history, and the person's printable copy."""

import json
from datetime import date, time
from functools import lru_cache
from typing import Any, Optional

from flask import Blueprint, abort, g, redirect, request, url_for

from app.care_plan import care_team, commands, forms, handshake, identity, read_model
from app.care_plan import timeline as contact_timeline
from app.config import DATA
from app.front_door import clocks
from app.network import mdt
from app.transaction import get_session
from app.trust import access, consent
from app.versioned import SaveResult
from app.web import fields, guard
from app.web.rendering import is_htmx, render
from models import CarePlan, ContactHow, ContactRecord, Person, PlanItemType

bp = Blueprint("care_plan", __name__)

PLAIN_ENGLISH_FILE = DATA / "plain_english.json"


@lru_cache(maxsize=1)
def _plain_needs() -> dict[str, str]:
    return json.loads(PLAIN_ENGLISH_FILE.read_text(encoding="utf-8"))["needs"]


@bp.app_template_filter("plain_need")
def plain_need(need: str) -> str:
    """A need's name in plain English, for the person's printed copy (app/data/plain_english.json);
    a need with no plain words listed is printed as written."""
    return _plain_needs().get(need, need)


PLAN = "/people/<int:person_id>/care-plan"

KINDS = {"needs": PlanItemType.need, "goals": PlanItemType.goal, "actions": PlanItemType.action, "contacts": PlanItemType.contact}
KIND_OF = {item_type: kind for kind, item_type in KINDS.items()}
ITEM = "<any(needs, goals, actions, contacts):kind>"
NEW_ITEM_ANSWERS = {
    PlanItemType.need: {"status": "active"},
    PlanItemType.goal: {"status": "proposed"},
    PlanItemType.contact: {"out_of_hours": "no"},
}


@bp.get(f"{PLAN}")
def show(person_id: int):
    person = guard.person_for(person_id, "view_care_plan")
    record = read_model.view(get_session(), person_id, g.user)
    return render("care_plan/page.html", **_context(person, record), record_header=_header(person, record.team if record else None))


@bp.post(f"{PLAN}")
def start(person_id: int):
    person = guard.person_for(person_id, "start_care_plan", write=True)
    commands.open_plan(get_session(), person, g.user)
    return redirect(url_for("care_plan.show", person_id=person.id))


@bp.post(f"{PLAN}/seen")
def mark_seen(person_id: int):
    """The user has seen the changes marked on the plan (as it was when their page was made): anyone
    who may read the plan keeps their own place in it."""
    person = guard.person_for(person_id, "mark_care_plan_seen")
    commands.mark_seen(get_session(), _plan(person), forms.mark_seen(request.form), g.user)
    if not is_htmx():
        return redirect(url_for("care_plan.show", person_id=person.id, notice="changes-seen"))
    return render("care_plan/page.html", "plan", **_context(person, _record(person), notice="changes-seen"))


# --- The person's record and care team --------------------------------------------------------


@bp.get("/people/<int:person_id>")
def person(person_id: int):
    person = guard.person_for(person_id, "view_person", rule=access.triage_rule)
    session = get_session()
    summary = care_team.summary(session, person)
    objections = consent.standing_objections(session, person_id)
    record_header = care_team.header(session, person, g.user, summary.team, [(item.agency.id, item.agency.name) for item in objections])
    # The network at work (issue 15): who may put the person on the network meeting's agenda (the
    # key worker and the network lead: those who may read the access log) and refer them to a hub
    # (the care team), and what the network's meetings decided (for whoever may read the record).
    record = guard.record_decision(person)
    return render(
        "care_plan/person.html",
        summary=summary,
        objections=objections,
        record_header=record_header,
        standards=clocks.response_standards(),
        may_read_access_log=record_header.may_read_access_log,
        mdt_discussed=mdt.discussed(session, person_id) if record.allowed else [],
        may_add_to_agenda=record_header.may_read_access_log,
        may_refer_to_hub=access.may_change(record),
        # Only for a person whose NHS number is not known: who may record the one a trace found.
        may_record_nhs_number=not person.nhs_number and access.nhs_number_rule(session, g.user, person).allowed,
        recorded=request.args.get("recorded"),
    )


@bp.get("/people/<int:person_id>/team")
def team(person_id: int):
    person = guard.person_for(person_id, "view_care_team")
    return _team_page(person)


@bp.post("/people/<int:person_id>/team")
def add_to_team(person_id: int):
    person = guard.person_for(person_id, "change_care_team", write=True)
    result = care_team.add_to_team(get_session(), person, forms.add_to_team(request.form), g.user)
    if not result.ok or result.item is None:
        return _team_page(person, form=request.form, errors=result.errors, status=400)
    return redirect(url_for("care_plan.team", person_id=person.id, added=result.item.id))


@bp.post("/people/<int:person_id>/team/<int:member_id>/leave")
def remove_from_team(person_id: int, member_id: int):
    person = guard.person_for(person_id, "change_care_team", write=True)
    result = care_team.leave_team(get_session(), person, care_team.LeaveTeam(member_id), g.user)
    if not result.ok:
        return _team_page(person, problem=result.refused, status=409)
    return redirect(url_for("care_plan.team", person_id=person.id, removed=1))


def _team_page(person: Person, *, form: Any = None, errors: Optional[dict] = None, problem: Optional[str] = None, status: int = 200):
    session = get_session()
    summary = care_team.summary(session, person)
    may_edit = guard.may_change(person)
    assert person.id is not None  # a saved person
    agencies = care_team.agencies_to_add(session, person.id, summary.team) if may_edit else []
    return render(
        "care_plan/team.html",
        summary=summary,
        record_header=care_team.header(session, person, g.user, summary.team),
        may_edit=may_edit,
        agencies=agencies,
        form=form or {},
        errors=errors or {},
        problem=problem,
        added=request.args.get("added"),
        removed=request.args.get("removed"),
    ), status


# --- The person's NHS number, once a trace finds it ---------------------------------------------

NHS_NUMBER = "/people/<int:person_id>/nhs-number"


@bp.get(NHS_NUMBER)
def nhs_number_form(person_id: int):
    person = guard.person_for(person_id, "record_nhs_number", rule=access.nhs_number_rule)
    return _nhs_number_page(person, problem=identity.ALREADY_RECORDED if person.nhs_number else None)


@bp.post(NHS_NUMBER)
def record_nhs_number(person_id: int):
    person = guard.person_for(person_id, "record_nhs_number", rule=access.nhs_number_rule)
    result = identity.record_nhs_number(get_session(), person, forms.record_nhs_number(request.form), g.user)
    if result.refused:
        return _nhs_number_page(person, problem=result.refused, status=409)
    if not result.ok:
        return _nhs_number_page(person, form=request.form, errors=result.errors, status=400)
    return redirect(url_for("care_plan.person", person_id=person.id, recorded="nhs-number"))


def _nhs_number_page(person: Person, *, form: Any = None, errors: Optional[dict] = None, problem: Optional[str] = None, status: int = 200):
    return render(
        "care_plan/nhs_number.html",
        person=person,
        record_header=care_team.header(get_session(), person, g.user),
        form=form or {},
        errors=errors or {},
        problem=problem,
    ), status


# --- The plan's own parts --------------------------------------------------------------------


@bp.get(f"{PLAN}/parts/<part_key>/edit")
def edit_part(person_id: int, part_key: str):
    person = guard.person_for(person_id, "view_care_plan", write=True)
    record = _record(person)
    part = record.part(_part_key(part_key))
    offered = read_model.from_assessment(get_session(), person_id, part)
    return _part_response(person, record, part, editing=True, offered=offered)


@bp.post(f"{PLAN}/parts/<part_key>")
def save_part(person_id: int, part_key: str):
    person = guard.person_for(person_id, "edit_care_plan", write=True)
    plan = _plan(person)
    command, problems = forms.part(request.form, _part_key(part_key))
    result = SaveResult[Any](errors=problems) if problems else commands.save_part(get_session(), plan, person, command, g.user)
    if not result.ok:
        record = _record(person)
        return _part_response(
            person,
            record,
            record.part(part_key),
            editing=True,
            form=request.form,
            errors=result.errors,
            conflict=result.conflict,
            status=409 if result.conflict else 400,
        )
    if not is_htmx():
        return redirect(url_for("care_plan.show", person_id=person.id) + f"#part-{part_key}")
    record = _record(person)
    return _part_response(person, record, record.part(part_key), editing=False, saved=True)


# --- Needs, goals, actions and contacts --------------------------------------------------------


@bp.get(f"{PLAN}/{ITEM}/new")
def new_item(person_id: int, kind: str):
    person = guard.person_for(person_id, "view_care_plan", write=True)
    return _form_response(person, _record(person), KINDS[kind], None, need_id=forms.need_asked(request.args))


@bp.post(f"{PLAN}/{ITEM}")
def add_item(person_id: int, kind: str):
    person = guard.person_for(person_id, "edit_care_plan", write=True)
    session = get_session()
    plan = _plan(person)
    command, problems = forms.new_item(request.form, KINDS[kind])
    result = commands.check_item(session, plan, person, command) if problems else commands.add_item(session, plan, person, command, g.user)
    if problems or not result.ok:
        return _form_response(
            person,
            _record(person),
            command.item_type,
            None,
            need_id=command.need_id,
            form=request.form,
            errors={**result.errors, **problems},
            status=400,
        )
    added = result.item
    assert added is not None
    if not is_htmx():
        return redirect(url_for("care_plan.show", person_id=person.id) + f"#{command.item_type.value}-{added.id}")
    record = _record(person)
    if command.item_type is PlanItemType.need:
        return render("care_plan/page.html", "needs", **_context(person, record))
    if command.item_type is PlanItemType.contact:
        return render("care_plan/page.html", "contacts", **_context(person, record))
    return render("care_plan/_need.html", **_context(person, record), group=record.need_view(added.need_id))


@bp.get(f"{PLAN}/{ITEM}/<int:item_id>/edit")
def edit_item(person_id: int, kind: str, item_id: int):
    person = guard.person_for(person_id, "view_care_plan", write=True)
    record = _record(person)
    return _form_response(person, record, KINDS[kind], _item(record.plan, KINDS[kind], item_id))


@bp.post(f"{PLAN}/{ITEM}/<int:item_id>")
def save_item(person_id: int, kind: str, item_id: int):
    person = guard.person_for(person_id, "edit_care_plan", write=True)
    session = get_session()
    plan = _plan(person)
    row = _item(plan, KINDS[kind], item_id)
    command, problems = forms.changed_item(request.form, KINDS[kind], row.id)
    result = commands.check_item(session, plan, person, command) if problems else commands.edit_item(session, plan, person, command, g.user)
    if problems or not result.ok:
        status = 409 if result.conflict or result.refused else 400
        return _form_response(
            person,
            _record(person),
            command.item_type,
            row,
            form=request.form,
            errors={**result.errors, **problems},
            conflict=result.conflict,
            refused=result.refused,
            status=status,
        )
    return _item_saved(person, command.item_type, item_id)


@bp.post(f"{PLAN}/actions/<int:action_id>/status")
def move_action(person_id: int, action_id: int):
    """Accept, decline, start, complete or cancel an action, from the plan or from a worklist."""
    person = guard.person_for(person_id, "edit_care_plan", write=True)
    plan = _plan(person)
    _item(plan, PlanItemType.action, action_id)
    command = forms.move(request.form, action_id)
    result = commands.move_action(get_session(), plan, person, command, g.user)
    if result.forbidden:
        raise access.AccessRefused(
            "edit_care_plan", result.forbidden, person_id=person.id, record_type="care_plan_action", record_id=action_id
        )
    errors = fields.on_form(result.errors, {"reason": f"reason-{command.transition.value}-{action_id}"})
    status = 400 if errors else 409 if result.refused else 200
    if forms.from_worklist(request.form):
        from app.work import views as work_views

        return work_views.row_response(person, action_id, errors=errors, refused=result.refused, status=status)
    if not is_htmx() and status == 200:
        return redirect(url_for("care_plan.show", person_id=person.id) + f"#action-{action_id}")
    record = _record(person)
    context = dict(
        **_context(person, record),
        item=record.action_view(action_id),
        action_errors=errors,
        action_refused=result.refused,
        form=request.form,
    )
    if is_htmx():
        return render("care_plan/_action.html", **context), status
    return render(
        "care_plan/form_page.html", **context, partial="care_plan/_action.html", heading="Action", record_header=_header(person)
    ), status


@bp.get(f"{PLAN}/actions/<int:action_id>/status/edit")
def move_form(person_id: int, action_id: int):
    """The reason form for declining or cancelling an action: in place for htmx, or its own page."""
    person = guard.person_for(person_id, "view_care_plan", write=True)
    action = _item(_plan(person), PlanItemType.action, action_id)
    transition = forms.move_asked(request.args)
    if transition is None or not transition.needs_reason:
        abort(404, "Only declining and cancelling ask for a reason.")
    from_page = forms.WORKLIST if forms.from_worklist(request.args) else "plan"
    target = f"work-{action_id}" if from_page == forms.WORKLIST else f"action-{action_id}"
    context = dict(person=person, action=action, move=transition, target=target, from_page=from_page)
    if is_htmx():
        return render("care_plan/move_page.html", "reason", **context)
    return render("care_plan/move_page.html", **context)


@bp.post(f"{PLAN}/contacts/<int:contact_id>/remove")
def remove_contact(person_id: int, contact_id: int):
    person = guard.person_for(person_id, "edit_care_plan", write=True)
    plan = _plan(person)
    row = _item(plan, PlanItemType.contact, contact_id)
    result = commands.remove_contact(get_session(), plan, person, forms.remove_contact(request.form, row.id), g.user)
    if not is_htmx():
        return redirect(
            url_for("care_plan.show", person_id=person.id, notice="contact-removed" if result.ok else "contact-changed") + "#contacts"
        )
    record = _record(person)
    return render("care_plan/page.html", "contacts", **_context(person, record), contacts_notice=result.refused), (
        200 if result.ok else 409
    )


# --- Suggested needs from the assessment -----------------------------------------------------


@bp.post(f"{PLAN}/suggestions/adopt")
def adopt(person_id: int):
    person = guard.person_for(person_id, "edit_care_plan", write=True)
    result = commands.adopt_needs(get_session(), _plan(person), person, forms.adopt(request.form), g.user)
    errors = fields.on_form(result.errors, {"choices": "suggestion"})
    adoption = result.item or commands.Adoption((), ())
    if not is_htmx() and not errors:
        return redirect(
            url_for("care_plan.show", person_id=person.id, adopted=len(adoption.added), skipped=len(adoption.skipped)) + "#needs"
        )
    context = dict(
        **_context(person, _record(person)),
        adopt_errors=errors,
        adopt_form=request.form if errors else None,
        adopted=adoption.added,
        skipped=adoption.skipped,
    )
    return render("care_plan/page.html", "needs", **context), (400 if errors else 200)


@bp.post(f"{PLAN}/suggestions/<int:suggestion_id>/dismiss")
def dismiss(person_id: int, suggestion_id: int):
    person = guard.person_for(person_id, "edit_care_plan", write=True)
    _plan(person)
    # Already added or set aside by someone else: the page shows it as it now is.
    commands.dismiss_suggestion(get_session(), person, commands.DismissSuggestion(suggestion_id), g.user)
    if not is_htmx():
        return redirect(url_for("care_plan.show", person_id=person.id) + "#needs")
    return render("care_plan/page.html", "needs", **_context(person, _record(person)))


# --- History and the person's copy -------------------------------------------------------------


@bp.get(f"{PLAN}/history")
def history(person_id: int):
    person = guard.person_for(person_id, "view_care_plan_history")
    session = get_session()
    plan = read_model.plan_for(session, person_id)
    history = read_model.history(session, plan, fields.page_number(request.args)) if plan else None
    return render("care_plan/history.html", person=person, history=history, record_header=_header(person))


@bp.get(f"{PLAN}/history/<int:revision_id>")
def revision(person_id: int, revision_id: int):
    person = guard.person_for(person_id, "view_care_plan_history")
    session = get_session()
    plan = read_model.plan_for(session, person_id)
    row = read_model.revision_of(session, plan, revision_id) if plan else None
    if row is None:
        abort(404, "There is no such change to this care plan.")
    return render(
        "care_plan/revision.html",
        person=person,
        row=row,
        revision=row.revision,
        changes=read_model.revision_diff(session, row.revision),
        record_header=_header(person),
    )


@bp.get(f"{PLAN}/print")
def print_copy(person_id: int):
    person = guard.person_for(person_id, "print_care_plan")
    return render("care_plan/print.html", **_context(person, _record(person)))


# --- What every plan page needs ------------------------------------------------------------------


def _context(person: Person, record: Optional[read_model.PlanView], **more: Any) -> dict:
    context = dict(
        person=person,
        record=record,
        may_edit=guard.may_change(person),
        today=date.today(),
        notice=request.args.get("notice"),
        adopted_count=request.args.get("adopted"),
        skipped_count=request.args.get("skipped"),
    )
    return {**context, **more}


def _header(person: Person, team: Optional[list[care_team.TeamMember]] = None) -> care_team.PersonHeader:
    """The person's header and their record's sub-navigation, for a full page (not an htmx fragment);
    `team`, the care team when the page has read it already."""
    return care_team.header(get_session(), person, g.user, team)


def _record(person: Person) -> read_model.PlanView:
    assert person.id is not None  # a saved person
    record = read_model.view(get_session(), person.id, g.user)
    if record is None:
        abort(404, "This person has no care plan yet. Start it from their care plan page.")
    return record


def _plan(person: Person) -> CarePlan:
    """The person's plan alone, for a change: the whole plan is read only to show it."""
    assert person.id is not None  # a saved person
    plan = read_model.plan_for(get_session(), person.id)
    if plan is None:
        abort(404, "This person has no care plan yet. Start it from their care plan page.")
    return plan


def _part_key(part_key: str) -> str:
    try:
        read_model.parts().section(part_key)
    except KeyError:
        abort(404, "There is no such part of the care plan.")
    return part_key


def _item(plan: CarePlan, item_type: PlanItemType, item_id: int) -> Any:
    row = read_model.item(get_session(), plan, item_type, item_id)
    if row is None:
        abort(404, f"There is no such {item_type.label.lower()} in this care plan.")
    return row


def _part_response(
    person: Person,
    record: read_model.PlanView,
    part: read_model.PartView,
    *,
    editing: bool,
    form: Any = None,
    errors: Optional[dict] = None,
    conflict: Any = None,
    saved: bool = False,
    offered: Optional[dict] = None,
    status: int = 200,
):
    context = dict(
        **_context(person, record),
        part=part,
        editing=editing,
        form=form,
        errors=errors or {},
        conflict=conflict,
        saved=saved,
        offered=offered or {},
    )
    if is_htmx():
        return render("care_plan/page.html", "part", **context), status
    return render(
        "care_plan/form_page.html", **context, partial="care_plan/_part.html", heading=part.section.title, record_header=_header(person)
    ), status


def _form_response(
    person: Person,
    record: read_model.PlanView,
    item_type: PlanItemType,
    row: Any,
    *,
    need_id: Optional[int] = None,
    form: Any = None,
    errors: Optional[dict] = None,
    conflict: Any = None,
    refused: Optional[str] = None,
    status: int = 200,
):
    if item_type is PlanItemType.action and row is not None and status == 200:
        refused = read_model.no_longer_changeable(row)
    section = read_model.item_form(item_type)
    answers = read_model.snapshot(item_type, row) if row is not None else NEW_ITEM_ANSWERS.get(item_type, {})
    # Who can be named on an action: the care team's practitioners (asked only for an action's form).
    staff = care_team.team_staff(get_session(), record.team) if item_type is PlanItemType.action else {}
    # Whose acceptance a change would ask for again (app/care_plan/handshake.py), said before saving.
    asks_again_of = (
        next((m.agency.name for m in record.team if m.agency.id == row.owner_agency_id), None)
        if item_type is PlanItemType.action
        and row is not None
        and handshake.asks_again(row.status, terms_changed=True, by_owner=g.user.agency_id == row.owner_agency_id)
        else None
    )
    context = dict(
        **_context(person, record),
        item_type=item_type,
        kind=KIND_OF[item_type],
        section=section,
        row=row,
        answers=answers,
        form=form,
        staff=staff,
        errors=errors or {},
        conflict=conflict,
        refused=refused,
        need_id=need_id,
        asks_again_of=asks_again_of,
    )
    if is_htmx():
        response = render("care_plan/_item_form.html", **context), status
        if row is None and status != 200:
            # A new item's form sits in its own slot; a refused save shows the form there again.
            new_id = f"new-{item_type.value}-{need_id or 'plan'}"
            return (*response, {"HX-Retarget": f"#{new_id}", "HX-Reswap": "outerHTML"})
        return response
    heading = ("Change the " if row is not None else "Add a ") + section.title.lower()
    return render(
        "care_plan/form_page.html", **context, partial="care_plan/_item_form.html", heading=heading, record_header=_header(person)
    ), status


def _item_saved(person: Person, item_type: PlanItemType, item_id: int):
    if not is_htmx():
        return redirect(url_for("care_plan.show", person_id=person.id) + f"#{item_type.value}-{item_id}")
    record = _record(person)
    context = _context(person, record)
    if item_type is PlanItemType.need:
        return render("care_plan/_need.html", **context, group=record.need_view(item_id))
    found = {PlanItemType.goal: record.goal_view, PlanItemType.action: record.action_view, PlanItemType.contact: record.contact_view}[
        item_type
    ]
    return render(f"care_plan/_{item_type.value}.html", **context, item=found(item_id), saved=True)


# --- The shared timeline of contacts (issue 16) --------------------------------------------------

TIMELINE = "/people/<int:person_id>/timeline"


@bp.get(TIMELINE)
def timeline(person_id: int):
    """Every agency's contacts with or about the person, newest first; `?agency=` shows one agency's."""
    person = guard.person_for(person_id, "view_timeline")
    agency_id = fields.record_id(request.args.get("agency")) if request.args.get("agency") else None
    return render(
        "care_plan/timeline.html",
        person=person,
        timeline=contact_timeline.timeline(get_session(), person_id, agency_id),
        may_edit=guard.may_change(person),
        recorded=fields.record_id(request.args.get("recorded")),
        changed=fields.record_id(request.args.get("changed")),
        user_agency_id=g.user.agency_id,
        record_header=_header(person),
    )


@bp.get(f"{TIMELINE}/new")
def new_contact(person_id: int):
    person = guard.person_for(person_id, "record_contact", write=True)
    today = date.today()
    form = {"contact_on-day": str(today.day), "contact_on-month": str(today.month), "contact_on-year": str(today.year)}
    return _contact_form(person, form)


@bp.post(TIMELINE)
def record_contact(person_id: int):
    person = guard.person_for(person_id, "record_contact", write=True)
    command, problems = _contact_command(request.form)
    if problems:  # what was typed cannot be read: nothing is saved, and every problem is said at once
        return _contact_form(person, request.form, {**contact_timeline.check(command, date.today()), **problems}, status=400)
    result = contact_timeline.record_contact(get_session(), person, command, g.user)
    if not result.ok or result.item is None:
        return _contact_form(person, request.form, result.errors, status=400)
    return redirect(url_for("care_plan.timeline", person_id=person.id, recorded=result.item.id) + f"#contact-{result.item.id}")


def _contact_form(
    person: Person,
    form: Any,
    errors: Optional[dict] = None,
    *,
    contact: Optional[ContactRecord] = None,
    conflict: Any = None,
    status: int = 200,
):
    """The form that records a contact (with the plan actions it may move on), or changes one."""
    return render(
        "care_plan/timeline_form.html",
        person=person,
        form=form,
        errors=errors or {},
        hows=list(ContactHow),
        contact=contact,
        conflict=conflict,
        offers=contact_timeline.offers(get_session(), person, g.user) if contact is None else [],
        record_header=_header(person),
    ), status


def _contact_command(form: Any) -> tuple[contact_timeline.RecordContact, dict[str, str]]:
    """The contact as typed: its date, time, how, with whom, what happened, and the action moves."""
    errors: dict[str, str] = {}
    contact_on = fields.date_parts(form, "contact_on", "the date of the contact", errors)
    raw_time = (form.get("contact_time") or "").strip()
    contact_time = None
    if raw_time:
        try:
            contact_time = time.fromisoformat(raw_time) if len(raw_time) == 5 and raw_time[2] == ":" else None
        except ValueError:
            contact_time = None
        if contact_time is None:
            errors["contact_time"] = "Enter the time as hours and minutes, like 14:30"
    how = fields.choice(form, "how", ContactHow, "Select how the contact was made", errors, required=False)
    moves: list[contact_timeline.ActionMove] = []
    for name in form:
        if not name.startswith("move-") or not form.get(name):
            continue
        action_id = fields.record_id(name.removeprefix("move-"))
        transition = handshake.parse(form.get(name) or "")
        version = fields.record_id(form.get(f"version-{action_id}"))
        if action_id is None:
            errors[contact_timeline.MOVES_FIELD] = contact_timeline.NOT_IN_PLAN
        elif transition is None or version is None:
            errors[name] = "Select what happened to this action"
        else:
            moves.append(contact_timeline.ActionMove(action_id, transition, version))
    command = contact_timeline.RecordContact(
        contact_on, contact_time, how, form.get("with_whom") or None, form.get("summary") or None, tuple(moves)
    )
    return command, errors


@bp.get(f"{TIMELINE}/<int:contact_id>/edit")
def edit_contact(person_id: int, contact_id: int):
    person = guard.person_for(person_id, "change_contact", write=True)
    row = _contact(person, contact_id)
    return _contact_form(person, contact_timeline.answers(row), contact=row)


@bp.post(f"{TIMELINE}/<int:contact_id>")
def change_contact(person_id: int, contact_id: int):
    person = guard.person_for(person_id, "change_contact", write=True)
    row = _contact(person, contact_id)
    typed, problems = _contact_command(request.form)
    command = contact_timeline.ChangeContact(
        contact_id, fields.seen_version(request.form), typed.contact_on, typed.contact_time, typed.how, typed.with_whom, typed.summary
    )
    if problems:
        return _contact_form(person, request.form, {**contact_timeline.check(typed, date.today()), **problems}, contact=row, status=400)
    result = contact_timeline.change_contact(get_session(), person, command, g.user)
    if not result.ok:
        return _contact_form(
            person, request.form, result.errors, contact=row, conflict=result.conflict, status=409 if result.conflict else 400
        )
    return redirect(url_for("care_plan.timeline", person_id=person.id, changed=contact_id) + f"#contact-{contact_id}")


def _contact(person: Person, contact_id: int) -> ContactRecord:
    """A contact on this person's timeline that the user's agency recorded (a 404, or a 403 audited)."""
    row = get_session().get(ContactRecord, contact_id)
    if row is None or row.person_id != person.id:
        abort(404, "There is no such contact on this timeline.")
    if not access.may_change_contact(g.user, row.agency_id):
        raise access.AccessRefused(
            "change_contact", access.ONLY_ITS_AGENCY, person_id=person.id, record_type="contact_record", record_id=contact_id
        )
    return row
