"""The person's sharing decisions: read them, and (care team only) record them."""
from flask import Blueprint, abort, flash, g, redirect, request, url_for
from sqlmodel import select

from app import access, sharing
from app.db import get_session
from app.rendering import render
from models import Agency

bp = Blueprint("consent", __name__, url_prefix="/people/<int:person_id>/consent")


@bp.get("")
def show(person_id: int):
    person = access.person_for(g.user, person_id, "view_consent")
    session = get_session()
    return render("consent/show.html", person=person, sharing=sharing.view(session, person.id),
                  may_change=access.may_change(session, g.user, person))


@bp.get("/edit")
def edit(person_id: int):
    person = access.person_for(g.user, person_id, "view_consent", write=True)
    current = sharing.view(get_session(), person.id)
    return _form(person, current, _form_values(current), {})


@bp.post("")
def save(person_id: int):
    person = access.person_for(g.user, person_id, "record_consent", write=True)
    session = get_session()
    raw = request.form.get("version", "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        abort(400, "The form is missing the version you saw. Reload the page and try again.")
    clean, errors = sharing.validate(session, request.form, g.user)
    current = sharing.view(session, person.id)
    if errors:
        return _form(person, current, request.form, errors, status=400)
    if not sharing.save(session, person, clean, g.user, int(raw)):
        current = sharing.view(session, person.id)
        return _form(person, current, request.form, {}, status=409, stale=True)
    flash("The person's sharing decisions have been recorded.", "success")
    return redirect(url_for("consent.show", person_id=person.id))


def _form_values(current: sharing.SharingView) -> dict:
    consent = current.consent
    shares = {True: "yes", False: "no"}.get(current.shares_with_care_team, "")
    return {
        "shares_with_care_team": shares,
        "carer_name": (consent.carer_name if consent else "") or "",
        "carer_relationship": (consent.carer_relationship if consent else "") or "",
        "carer_contact": (consent.carer_contact if consent else "") or "",
        "keep_objection": [str(o.objection.id) for o in current.objections],
    }


def _form(person, current, form, errors, status=200, stale=False):
    agencies = get_session().exec(select(Agency).where(Agency.id != g.user.agency_id).order_by(Agency.name)).all()
    kept = form.getlist("keep_objection") if hasattr(form, "getlist") else form.get("keep_objection", [])
    return render("consent/edit.html", person=person, sharing=current, form=form, kept=kept, errors=errors,
                  agencies=agencies, stale=stale), status
