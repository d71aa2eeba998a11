"""The single point of access: the referral queue, intake with live matching, triage, the
front-door figures, and finding a person."""

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Optional

from flask import Blueprint, abort, current_app, g, redirect, request, url_for
from markupsafe import Markup
from sqlmodel import select

from app.care_plan import care_team, read_model
from app.front_door import clocks, forms, intake, matching, triage
from app.front_door import figures as front_door_figures
from app.front_door import search as person_search
from app.transaction import get_session
from app.trust import access, audit
from app.versioned import Conflict
from app.web import fields, guard
from app.web.rendering import is_htmx, render
from models import AuditOutcome, Network, Person, Referral, ReferralSource, ReferralStatus, Role, TriageDecision, Urgency

bp = Blueprint("front_door", __name__)


def _choices(session) -> dict:
    return {
        "sources": list(ReferralSource),
        "hospital_discharge": ReferralSource.hospital_discharge,
        "standards": clocks.response_standards(),
        "urgency_labels": {u: s.label for u, s in clocks.response_standards().items()},
        "urgencies": list(Urgency),
        "networks": list(session.exec(select(Network).order_by(Network.name))),
    }


# --- The queue and intake ----------------------------------------------------------------


def queue_row(row: triage.QueueRow) -> Markup:
    """A row of the queue as templates/front_door/_queue_row.html renders it, kept for what it shows
    (a row shows the same until its clock's words change, by the minute): a queue of 100 rows
    renders only the rows that changed since it was last asked for."""
    module: Any = current_app.jinja_env.get_template("front_door/_queue_row.html").module
    macro = module.row
    rendered = _rendered_row if current_app.config.get("FAST_RENDERING", True) else _rendered_row.__wrapped__
    return rendered(
        macro,
        row.referral_id,
        row.due_by,
        row.family_name,
        row.given_name,
        row.nhs_number,
        row.urgency,
        row.urgency_label,
        row.source_label,
        row.network_name,
        row.status,
        row.status_label,
        row.clock.band,
        row.clock.text,
        request.script_root,  # the row's address starts with it
    )


@lru_cache(maxsize=4096)
def _rendered_row(macro: Any, *arguments: Any) -> Markup:
    return Markup(macro(*arguments))


@bp.get("/referrals")
def queue():
    guard.require("view_referral_queue")
    session = get_session()
    filters = forms.queue_filters(request.args)
    if filters.network_id is None and g.user.network_id and "network" not in request.args and g.user.role is Role.network_lead:
        filters.network_id = g.user.network_id
    rows, total = triage.queue(session, g.user, filters, datetime.now(UTC))
    audit.record(session, "view_referral_queue", user=g.user, detail=f"{total} referrals")
    return render(
        "front_door/queue.html",
        "queue",
        rows=rows,
        queue_row=queue_row,
        total=total,
        filters=filters,
        statuses=list(ReferralStatus),
        now=datetime.now(UTC),
        **_choices(session),
    )


@bp.route("/referrals/new", methods=["GET", "POST"])
def new_referral():
    guard.require("receive_referrals")
    session = get_session()
    form = request.form if request.method == "POST" else request.args
    details = forms.person_details(form)
    candidates = _candidates(session, details)
    errors: dict[str, str] = {}
    if request.method == "POST" and form.get("action") == "save":
        command, unread = forms.intake_referral(form)
        if unread:
            errors = forms.intake_errors(intake.check(session, command), unread)
        else:
            result = intake.receive(session, command, g.user)
            if result.referral is not None:
                target = result.linked_to or result.referral
                notice = "linked" if result.linked_to else "received"
                return redirect(url_for("front_door.referral", referral_id=target.id, notice=notice))
            errors = forms.intake_errors(result.errors, {})
    status = 400 if errors else 200
    return render(
        "front_door/new_referral.html",
        form=form,
        details=details,
        candidates=candidates,
        errors=errors,
        **_intake_lists(session),
    ), status


def _intake_lists(session) -> dict:
    """What the intake form lists to choose from: the GP practices, the sources, urgencies and networks."""
    return {"gp_practices": intake.gp_practices(session), **_choices(session)}


@bp.get("/referrals/match")
def match():
    """Live matching for the intake form (htmx): candidates for what has been typed so far. An htmx
    request gets the form's block of them alone, so not the practices and networks the rest of the
    form lists; without htmx (a page reloaded, no script), the whole form."""
    guard.require("receive_referrals")
    session = get_session()
    details = forms.person_details(request.args)
    candidates = _candidates(session, details)
    whole_form = {} if is_htmx() else _intake_lists(session)
    return render(
        "front_door/new_referral.html", "candidates", form=request.args, details=details, candidates=candidates, errors={}, **whole_form
    )


def _candidates(session, details: matching.Details):
    if not details.is_enough_to_match:
        return []
    found = matching.candidates(session, details)
    open_referrals = triage.open_referrals_by_person(session, [c.person_id for c in found])
    audit.record(session, "match_people", user=g.user, detail=f"{len(found)} candidates")
    return [(c, open_referrals.get(c.person_id)) for c in found]


# --- Triage ------------------------------------------------------------------------------


@bp.get("/referrals/<int:referral_id>")
def referral(referral_id: int):
    session = get_session()
    found = _referral(referral_id)
    person = guard.person_for(found.person_id, "view_referral", rule=access.triage_rule)
    if is_htmx() and "network_id" in request.args:
        # The network select changed: its key workers only (an unknown network lists them all).
        chosen = fields.record_id(request.args.get("network_id"))
        options = triage.key_worker_options(session)
        known = chosen is not None and session.get(Network, chosen) is not None
        narrowed = [(network, users) for network, users in options if network.id == chosen] if known else options
        return render("front_door/referral.html", "key_worker_field", key_workers=narrowed, form={}, errors={})
    return _show(session, found, person)


def _show(
    session,
    referral: Referral,
    person: Person,
    errors: Optional[dict[str, str]] = None,
    form=None,
    decision: Optional[TriageDecision] = None,
    conflict: Optional[Conflict] = None,
    status: int = 200,
):
    assert referral.id is not None  # read from the database
    return render(
        "front_door/referral.html",
        referral=referral,
        person=person,
        summary=care_team.summary(session, person),
        has_plan=read_model.plan_for(session, referral.person_id) is not None,
        linked=triage.linked_referrals(session, referral.id),
        people=triage.staff_names(session, referral),
        clock=clocks.clock_for(referral.due_by, datetime.now(UTC), referral.decided_at),
        key_workers=triage.key_worker_options(session),
        default_network_id=referral.network_id or access.person_network_id(session, person),
        errors=errors or {},
        form=form or {},
        decisions=TriageDecision,
        decision=decision,
        conflict=conflict,
        notice=request.args.get("notice"),
        may_triage=guard.allowed("triage_referrals"),
        **_choices(session),
    ), status


@bp.post("/referrals/<int:referral_id>/decision")
def decide(referral_id: int):
    guard.require("triage_referrals")
    session = get_session()
    found = _referral(referral_id)
    person = guard.person_for(found.person_id, "view_referral", rule=access.triage_rule)
    seen_version = fields.seen_version(request.form)
    command, unread = forms.triage_referral(request.form)
    if unread:
        errors = {**triage.check(session, found, command), **unread}
        return _show(session, found, person, errors=errors, form=request.form, decision=command.decision, status=400)
    result = triage.decide(session, found, command, g.user, seen_version)
    if result.errors:
        return _show(session, found, person, errors=result.errors, form=request.form, decision=command.decision, status=400)
    if result.conflict:
        return _show(session, found, person, form=request.form, decision=command.decision, conflict=result.conflict, status=409)
    return redirect(url_for("front_door.referral", referral_id=found.id, notice="decided"))


@bp.post("/referrals/<int:referral_id>/close")
def close(referral_id: int):
    guard.require("triage_referrals")
    session = get_session()
    found = _referral(referral_id)
    person = guard.person_for(found.person_id, "view_referral", rule=access.triage_rule)
    result = triage.close(session, found, g.user, fields.seen_version(request.form))
    if result.conflict:
        return _show(session, found, person, conflict=result.conflict, status=409)
    return redirect(url_for("front_door.referral", referral_id=found.id, notice="closed"))


def _referral(referral_id: int) -> Referral:
    found = get_session().get(Referral, referral_id)
    if found is None:
        abort(404, "There is no referral with that number.")
    return found


# --- The front door's figures ------------------------------------------------------------


@bp.get("/referrals/metrics")
def figures():
    guard.require("view_front_door_figures")
    days = request.args.get("days", type=int)
    days = days if days in front_door_figures.PERIODS else 28
    session = get_session()
    computed = front_door_figures.compute(session, datetime.now(UTC), days)
    # No person's details are shown, but who looked at the service's figures is still recorded.
    audit.record(session, "view_front_door_figures", user=g.user, outcome=AuditOutcome.allowed)
    chart = front_door_figures.stacked_columns(computed)
    macros = current_app.jinja_env.get_template("front_door/_daily.html").module
    daily_columns, daily_rows = front_door_figures.daily_markup(
        macros, chart, computed, kept=current_app.config.get("FAST_RENDERING", True)
    )
    return render(
        "front_door/figures.html",
        figures=computed,
        days=days,
        periods=front_door_figures.PERIODS,
        daily_chart=chart,
        daily_columns=daily_columns,
        daily_rows=daily_rows,
        network_chart=front_door_figures.bar_chart(computed.open_by_network),
        delay_chart=front_door_figures.bar_chart(computed.delay_bands),
    )


# --- Finding a person --------------------------------------------------------------------


@bp.get("/people")
def search_people():
    guard.require("search_people")
    query = person_search.parse(request.args.get("q", ""))
    people: list[Person] = []
    more = False
    standings: dict[int, access.Standing] = {}
    if not query.is_empty or query.problems:
        session = get_session()
        if query.nhs_number:  # the person and where the user stands with them, in one statement
            people, standings = person_search.by_nhs_number(session, g.user, query.nhs_number)
        else:
            people, more = person_search.search_people(session, query)
            standings = access.standings(session, g.user, [p.id for p in people if p.id is not None])
        audit.record(session, "search_people", user=g.user, detail=query.text, reason=f"{len(people)} shown")
    return render("front_door/search.html", "results", query=query, people=people, more=more, standings=standings)
