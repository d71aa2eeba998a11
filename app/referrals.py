"""The single point of access: the referral queue, intake, and triage."""
from datetime import datetime, timezone

from flask import Blueprint, abort, g, redirect, request, url_for
from sqlmodel import select

from app import access, audit, care_team, intake, matching, triage
from app.db import get_session
from app.rendering import render
from models import Network, Person, Referral, ReferralSource, ReferralStatus, Urgency

bp = Blueprint("referrals", __name__, url_prefix="/referrals")


def _choices(session) -> dict:
    return {
        "sources": list(ReferralSource),
        "standards": triage.response_standards(),
        "urgency_labels": {u: s.label for u, s in triage.response_standards().items()},
        "urgencies": list(Urgency),
        "networks": list(session.exec(select(Network).order_by(Network.name))),
    }


@bp.get("")
def queue():
    access.require(g.user, "view_referral_queue")
    session = get_session()
    filters = triage.QueueFilters.from_args(request.args)
    if filters.network_id is None and g.user.network_id and "network" not in request.args and g.user.role.value == "network_lead":
        filters.network_id = g.user.network_id
    rows, total = triage.queue(session, filters, datetime.now(timezone.utc))
    audit.record(session, "view_referral_queue", user=g.user, detail=f"{total} referrals")
    session.commit()
    return render(
        "referrals/queue.html", "queue", rows=rows, total=total, filters=filters, statuses=list(ReferralStatus),
        now=datetime.now(timezone.utc), **_choices(session),
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    access.require(g.user, "receive_referrals")
    session = get_session()
    form = request.form if request.method == "POST" else request.args
    details = intake.person_details(form)
    candidates = _candidates(session, details)
    errors: dict = {}
    if request.method == "POST" and form.get("action") == "save":
        result = intake.receive(session, form, g.user)
        if not result.errors:
            target = result.linked_to or result.referral
            notice = "linked" if result.linked_to else "received"
            return redirect(url_for("referrals.show", referral_id=target.id, notice=notice))
        errors = result.errors
    status = 400 if errors else 200
    return render(
        "referrals/new.html", form=form, details=details, candidates=candidates, errors=errors,
        gp_practices=intake.gp_practices(session), **_choices(session),
    ), status


@bp.get("/match")
def match():
    """Live matching for the intake form (htmx): candidates for what has been typed so far."""
    access.require(g.user, "receive_referrals")
    session = get_session()
    candidates = _candidates(session, intake.person_details(request.args))
    return render("referrals/new.html", "candidates", form=request.args, candidates=candidates, errors={})


def _candidates(session, details: matching.Details):
    if not details.is_enough_to_match:
        return []
    found = matching.candidates(session, details)
    open_referrals = triage.open_referrals_by_person(session, [c.person.id for c in found])
    audit.record(session, "match_people", user=g.user, detail=f"{len(found)} candidates")
    session.commit()
    return [(c, open_referrals.get(c.person.id)) for c in found]


@bp.get("/<int:referral_id>")
def show(referral_id: int):
    session = get_session()
    referral = _referral(referral_id)
    person = access.person_for(g.user, referral.person_id, "view_referral")
    return _show(session, referral, person)


def _show(session, referral: Referral, person: Person, errors: dict | None = None, form=None, conflict=None, status=200):
    return render(
        "referrals/show.html",
        referral=referral,
        person=person,
        summary=care_team.summary(session, person),
        linked=triage.linked_referrals(session, referral.id),
        people=triage.staff_names(session, referral),
        clock=triage.clock_for(referral.due_by, datetime.now(timezone.utc), referral.decided_at),
        key_workers=triage.key_worker_options(session),
        default_network_id=referral.network_id or access.person_network_id(session, person),
        errors=errors or {},
        form=form or {},
        conflict=conflict,
        notice=request.args.get("notice"),
        may_triage=access.allowed(g.user, "triage_referrals"),
        **_choices(session),
    ), status


@bp.post("/<int:referral_id>/decision")
def decide(referral_id: int):
    access.require(g.user, "triage_referrals")
    session = get_session()
    referral = _referral(referral_id)
    person = access.person_for(g.user, referral.person_id, "view_referral")
    seen_version = _seen_version()
    default_network = referral.network_id or access.person_network_id(session, person)
    clean, errors = triage.validate_decision(session, request.form, referral, default_network)
    if errors:
        return _show(session, referral, person, errors=errors, form=request.form, status=400)
    try:
        triage.decide(session, referral, clean, g.user, seen_version)
    except triage.AlreadyChanged as changed:
        return _show(session, changed.referral, person, form=request.form, conflict=changed, status=409)
    return redirect(url_for("referrals.show", referral_id=referral.id, notice="decided"))


@bp.post("/<int:referral_id>/close")
def close(referral_id: int):
    access.require(g.user, "triage_referrals")
    session = get_session()
    referral = _referral(referral_id)
    person = access.person_for(g.user, referral.person_id, "view_referral")
    try:
        triage.close(session, referral, g.user, _seen_version())
    except triage.AlreadyChanged as changed:
        return _show(session, changed.referral, person, conflict=changed, status=409)
    return redirect(url_for("referrals.show", referral_id=referral.id, notice="closed"))


def _referral(referral_id: int) -> Referral:
    referral = get_session().get(Referral, referral_id)
    if referral is None:
        abort(404, "There is no referral with that number.")
    return referral


def _seen_version() -> int:
    raw = request.form.get("version", "")
    if not raw.isdigit() or len(raw) > 9:
        abort(400, "The form is missing the version of the referral you saw. Reload the page and try again.")
    return int(raw)
