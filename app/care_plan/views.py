"""The person's record and their shared care plan: the record's summary, the care team, the whole
plan, its parts and items edited in place, the action handshake, its history, and the person's
printable copy."""
from datetime import date

from flask import Blueprint, abort, g, redirect, request, url_for

from app.care_plan import care_team, commands, handshake
from app.trust import access, consent
from app.db import get_session
from app.web import guard
from app.web.rendering import is_htmx, render
from models import CarePlan, CarePlanRevision

bp = Blueprint("care_plan", __name__)
PLAN = "/people/<int:person_id>/care-plan"

KINDS = {"needs": "need", "goals": "goal", "actions": "action", "contacts": "contact"}
ITEM = "<any(needs, goals, actions, contacts):kind>"
NEW_ITEM_ANSWERS = {"need": {"status": "active"}, "goal": {"status": "proposed"}, "contact": {"out_of_hours": "no"}}


@bp.get(f"{PLAN}")
def show(person_id: int):
    person = guard.person_for(person_id, "view_care_plan")
    session = get_session()
    record = commands.view(session, person.id, g.user)
    if record is not None:
        commands.mark_seen(session, record.plan, g.user)
    return render("care_plan/page.html", **_context(person, record))


@bp.post(f"{PLAN}")
def start(person_id: int):
    person = guard.person_for(person_id, "start_care_plan", write=True)
    session = get_session()
    commands.open_plan(session, person, g.user)
    return redirect(url_for("care_plan.show", person_id=person.id))


# --- The person's record and care team --------------------------------------------------------

@bp.get("/people/<int:person_id>")
def person(person_id: int):
    person = guard.person_for(person_id, "view_person")
    session = get_session()
    return render("care_plan/person.html", summary=care_team.summary(session, person), sharing=consent.view(session, person.id),
                  may_read_access_log=access.access_log_rule(session, g.user, person).allowed)


@bp.get("/people/<int:person_id>/team")
def team(person_id: int):
    person = guard.person_for(person_id, "view_care_team")
    return _team_page(person)


@bp.post("/people/<int:person_id>/team")
def add_to_team(person_id: int):
    person = guard.person_for(person_id, "change_care_team", write=True)
    member, errors = care_team.add_agency(get_session(), person, request.form, g.user)
    if errors:
        return _team_page(person, form=request.form, errors=errors, status=400)
    return redirect(url_for("care_plan.team", person_id=person.id, added=member.id))


@bp.post("/people/<int:person_id>/team/<int:member_id>/leave")
def remove_from_team(person_id: int, member_id: int):
    person = guard.person_for(person_id, "change_care_team", write=True)
    problem = care_team.remove_member(get_session(), person, member_id, g.user)
    if problem:
        return _team_page(person, problem=problem, status=409)
    return redirect(url_for("care_plan.team", person_id=person.id, removed=1))


def _team_page(person, *, form=None, errors=None, problem=None, status=200):
    session = get_session()
    summary = care_team.summary(session, person)
    may_edit = guard.may_change(person)
    agencies = care_team.agencies_to_add(session, person.id, summary.team) if may_edit else []
    return render("care_plan/team.html", summary=summary, may_edit=may_edit, agencies=agencies, form=form or {}, errors=errors or {},
                  problem=problem, added=request.args.get("added"), removed=request.args.get("removed")), status


# --- The plan's own parts --------------------------------------------------------------------

@bp.get(f"{PLAN}/parts/<part_key>/edit")
def edit_part(person_id: int, part_key: str):
    person = guard.person_for(person_id, "view_care_plan", write=True)
    record = _record(person)
    part = record.part(_part_key(part_key))
    offered = commands.from_assessment(get_session(), person.id, part)
    return _part_response(person, record, part, editing=True, offered=offered)


@bp.post(f"{PLAN}/parts/<part_key>")
def save_part(person_id: int, part_key: str):
    person = guard.person_for(person_id, "edit_care_plan", write=True)
    session = get_session()
    plan = _plan(person)
    _part_key(part_key)
    result = commands.save_part(session, plan, person, part_key, request.form, g.user, _seen_version())
    if result.errors:
        record = _record(person)
        return _part_response(person, record, record.part(part_key), editing=True, form=request.form, errors=result.errors, status=400)
    if result.conflict:
        record = _record(person)
        return _part_response(person, record, record.part(part_key), editing=True, form=request.form, conflict=result.conflict, status=409)
    if not is_htmx():
        return redirect(url_for("care_plan.show", person_id=person.id) + f"#part-{part_key}")
    record = _record(person)
    return _part_response(person, record, record.part(part_key), editing=False, saved=True)


# --- Needs, goals, actions and contacts --------------------------------------------------------

@bp.get(f"{PLAN}/{ITEM}/new")
def new_item(person_id: int, kind: str):
    person = guard.person_for(person_id, "view_care_plan", write=True)
    record = _record(person)
    return _form_response(person, record, KINDS[kind], None, need_id=request.args.get("need_id", ""))


@bp.post(f"{PLAN}/{ITEM}")
def add_item(person_id: int, kind: str):
    person = guard.person_for(person_id, "edit_care_plan", write=True)
    session = get_session()
    item_type = KINDS[kind]
    result = commands.add_item(session, _plan(person), person, item_type, request.form, g.user)
    if not result.ok:
        return _form_response(person, _record(person), item_type, None, need_id=request.form.get("need_id", ""), form=request.form,
                              errors=result.errors, status=400)
    if not is_htmx():
        return redirect(url_for("care_plan.show", person_id=person.id) + f"#{item_type}-{result.item.id}")
    record = _record(person)
    if item_type == "need":
        return render("care_plan/page.html", "needs", **_context(person, record))
    if item_type == "contact":
        return render("care_plan/page.html", "contacts", **_context(person, record))
    return render("care_plan/_need.html", **_context(person, record), group=record.need_view(result.item.need_id))


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
    item_type = KINDS[kind]
    row = _item(plan, item_type, item_id)
    result = commands.edit_item(session, plan, person, item_type, row, request.form, g.user, _seen_version())
    if not result.ok:
        status = 409 if result.conflict or result.refused else 400
        return _form_response(person, _record(person), item_type, row, form=request.form, errors=result.errors, conflict=result.conflict,
                              refused=result.refused, status=status)
    return _item_saved(person, item_type, item_id)


@bp.post(f"{PLAN}/actions/<int:action_id>/status")
def move_action(person_id: int, action_id: int):
    """Accept, decline, start, complete or cancel an action, from the plan or from a worklist."""
    person = guard.person_for(person_id, "edit_care_plan", write=True)
    session = get_session()
    plan = _plan(person)
    action = _item(plan, "action", action_id)
    transition = handshake.parse(request.form.get("transition", ""))
    if transition is None:
        abort(400, "Choose what to do with the action.")
    result = commands.respond(session, plan, person, action, transition, request.form.get("reason"), g.user,
                                      _seen_version())
    if result.forbidden:
        raise access.AccessRefused("edit_care_plan", result.forbidden, person_id=person.id, record_type="care_plan_action", record_id=action_id)
    status = 400 if result.errors else 409 if result.refused else 200
    if request.form.get("from") == "worklist":
        from app.work import views as work_views

        return work_views.row_response(person, action_id, errors=result.errors, refused=result.refused, status=status)
    if not is_htmx() and status == 200:
        return redirect(url_for("care_plan.show", person_id=person.id) + f"#action-{action_id}")
    record = _record(person)
    context = dict(**_context(person, record), item=record.action_view(action_id), action_errors=result.errors,
                   action_refused=result.refused, form=request.form)
    if is_htmx():
        return render("care_plan/_action.html", **context), status
    return render("care_plan/form_page.html", **context, partial="care_plan/_action.html",
                  heading="Action"), status


@bp.get(f"{PLAN}/actions/<int:action_id>/status/edit")
def move_form(person_id: int, action_id: int):
    """The reason form for declining or cancelling an action: in place for htmx, or its own page."""
    person = guard.person_for(person_id, "view_care_plan", write=True)
    action = _item(_plan(person), "action", action_id)
    transition = handshake.parse(request.args.get("transition", ""))
    if transition not in (handshake.Transition.decline, handshake.Transition.cancel):
        abort(404, "Only declining and cancelling ask for a reason.")
    from_page = "worklist" if request.args.get("from") == "worklist" else "plan"
    target = f"work-{action_id}" if from_page == "worklist" else f"action-{action_id}"
    context = dict(person=person, action=action, move=transition.value, target=target, from_page=from_page)
    if is_htmx():
        return render("care_plan/move_page.html", "reason", **context)
    return render("care_plan/move_page.html", **context)


@bp.post(f"{PLAN}/contacts/<int:contact_id>/remove")
def remove_contact(person_id: int, contact_id: int):
    person = guard.person_for(person_id, "edit_care_plan", write=True)
    session = get_session()
    plan = _plan(person)
    row = _item(plan, "contact", contact_id)
    result = commands.remove_contact(session, plan, person, row, g.user, _seen_version())
    if not is_htmx():
        return redirect(url_for("care_plan.show", person_id=person.id, notice="contact-removed" if result.ok else "contact-changed") + "#contacts")
    record = _record(person)
    return render("care_plan/page.html", "contacts", **_context(person, record), contacts_notice=result.refused), (200 if result.ok else 409)


# --- Suggested needs from the assessment -----------------------------------------------------

@bp.post(f"{PLAN}/suggestions/adopt")
def adopt(person_id: int):
    person = guard.person_for(person_id, "edit_care_plan", write=True)
    session = get_session()
    result = commands.adopt(session, _plan(person), person, request.form, g.user)
    status = 400 if result.errors else 200
    if not is_htmx() and status == 200:
        return redirect(url_for("care_plan.show", person_id=person.id, adopted=len(result.added), skipped=len(result.skipped)) + "#needs")
    record = _record(person)
    context = dict(**_context(person, record), adopt_errors=result.errors, adopt_form=request.form if result.errors else None,
                   adopted=result.added, skipped=result.skipped)
    return render("care_plan/page.html", "needs", **context), status


@bp.post(f"{PLAN}/suggestions/<int:suggestion_id>/dismiss")
def dismiss(person_id: int, suggestion_id: int):
    person = guard.person_for(person_id, "edit_care_plan", write=True)
    session = get_session()
    _plan(person)
    commands.dismiss(session, person, suggestion_id, g.user)
    if not is_htmx():
        return redirect(url_for("care_plan.show", person_id=person.id) + "#needs")
    record = _record(person)
    return render("care_plan/page.html", "needs", **_context(person, record))


# --- History and the person's copy -------------------------------------------------------------

@bp.get(f"{PLAN}/history")
def history(person_id: int):
    person = guard.person_for(person_id, "view_care_plan_history")
    session = get_session()
    plan = commands.plan_for(session, person.id)
    rows = commands.history(session, plan) if plan else []
    return render("care_plan/history.html", person=person, rows=rows)


@bp.get(f"{PLAN}/history/<int:revision_id>")
def revision(person_id: int, revision_id: int):
    person = guard.person_for(person_id, "view_care_plan_history")
    session = get_session()
    plan = commands.plan_for(session, person.id)
    found = session.get(CarePlanRevision, revision_id) if revision_id < 2**31 else None
    if found is None or plan is None or found.care_plan_id != plan.id:
        abort(404, "There is no such change to this care plan.")
    row = next((r for r in commands.history(session, plan) if r.revision.id == found.id), None)
    return render("care_plan/revision.html", person=person, row=row, revision=found,
                  changes=commands.revision_diff(session, found))


@bp.get(f"{PLAN}/print")
def print_copy(person_id: int):
    person = guard.person_for(person_id, "print_care_plan")
    record = _record(person)
    return render("care_plan/print.html", **_context(person, record))


# --- Helpers -----------------------------------------------------------------------------------

def _context(person, record) -> dict:
    session = get_session()
    may_edit = guard.may_change(person)
    return dict(person=person, record=record, may_edit=may_edit, today=date.today(),
                notice=request.args.get("notice"), adopted_count=request.args.get("adopted"),
                skipped_count=request.args.get("skipped"))


def _record(person) -> commands.PlanView:
    record = commands.view(get_session(), person.id, g.user)
    if record is None:
        abort(404, "This person has no care plan yet. Start it from their care plan page.")
    return record


def _plan(person) -> CarePlan:
    """The person's plan alone, for a change: the whole plan is read only to show it."""
    plan = commands.plan_for(get_session(), person.id)
    if plan is None:
        abort(404, "This person has no care plan yet. Start it from their care plan page.")
    return plan


def _part_key(part_key: str) -> str:
    try:
        commands.parts().section(part_key)
    except KeyError:
        abort(404, "There is no such part of the care plan.")
    return part_key


def _item(plan: CarePlan, item_type: str, item_id: int):
    row = commands.item(get_session(), plan, item_type, item_id)
    if row is None:
        abort(404, f"There is no such {item_type} in this care plan.")
    return row


def _seen_version() -> int:
    raw = request.form.get("version", "")
    if not raw.isdigit() or len(raw) > 9:
        abort(400, "The form is missing the version you saw. Reload the page and try again.")
    return int(raw)


def _part_response(person, record, part, *, editing: bool, form=None, errors=None, conflict=None, saved=False, offered=None,
                   status=200):
    context = dict(**_context(person, record), part=part, editing=editing, form=form, errors=errors or {}, conflict=conflict, saved=saved,
                   offered=offered or {})
    if is_htmx():
        return render("care_plan/page.html", "part", **context), status
    return render("care_plan/form_page.html", **context, partial="care_plan/_part.html", heading=part.section.title), status


def _form_response(person, record, item_type: str, row, *, need_id: str = "", form=None, errors=None, conflict=None, refused=None,
                   status=200):
    if item_type == "action" and row is not None and row.status in handshake.FINAL and status == 200:
        refused = f"This action is {row.status.label.lower()}, so it can no longer be changed. Add a new action instead."
    section = commands.item_forms().section(item_type)
    answers = commands.snapshot(item_type, row) if row is not None else NEW_ITEM_ANSWERS.get(item_type, {})
    # Who can be named on an action: the care team's practitioners (asked only for an action's form).
    staff = commands.team_staff(get_session(), record.team) if item_type == "action" else {}
    context = dict(**_context(person, record), item_type=item_type, section=section, row=row, answers=answers, form=form, staff=staff,
                   errors=errors or {}, conflict=conflict, refused=refused, need_id=need_id)
    if is_htmx():
        response = render("care_plan/_item_form.html", **context), status
        if row is None and status != 200:
            # A new item's form sits in its own slot; a refused save shows the form there again.
            new_id = f"new-{item_type}-{need_id or 'plan'}"
            return (*response, {"HX-Retarget": f"#{new_id}", "HX-Reswap": "outerHTML"})
        return response
    heading = ("Change the " if row is not None else "Add a ") + section.title.lower()
    return render("care_plan/form_page.html", **context, partial="care_plan/_item_form.html", heading=heading), status


def _item_saved(person, item_type: str, item_id: int):
    if not is_htmx():
        return redirect(url_for("care_plan.show", person_id=person.id) + f"#{item_type}-{item_id}")
    record = _record(person)
    context = _context(person, record)
    if item_type == "need":
        return render("care_plan/_need.html", **context, group=record.need_view(item_id))
    found = {"goal": record.goal_view, "action": record.action_view, "contact": record.contact_view}[item_type](item_id)
    return render(f"care_plan/_{item_type}.html", **context, item=found, saved=True)
