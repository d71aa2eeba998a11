"""Break-glass pages: ask for emergency access to a record, and the network lead's review list."""
from flask import Blueprint, abort, current_app, flash, g, redirect, request, url_for

from app import access, access_grants, fields
from app.db import get_session
from app.rendering import render

bp = Blueprint("break_glass", __name__)


@bp.app_template_filter("break_glass_reason")
def break_glass_reason(code: str) -> str:
    return access_grants.REASONS.get(code, code)


@bp.route("/people/<int:person_id>/break-glass", methods=["GET", "POST"])
def request_access(person_id: int):
    person, decision = access.break_glass_candidate(g.user, person_id)
    if decision.allowed:
        return redirect(url_for("people.show", person_id=person.id))
    errors: dict = {}
    if request.method == "POST":
        clean, errors = access_grants.validate(request.form)
        if not errors:
            session = get_session()
            access_grants.grant(session, g.user, person, clean, current_app.config["BREAK_GLASS_MINUTES"])
            session.commit()
            return redirect(url_for("people.show", person_id=person.id))
    return render(
        "break_glass/request.html", person_id=person.id, form=request.form, errors=errors, reasons=access_grants.REASONS,
        minutes=current_app.config["BREAK_GLASS_MINUTES"],
    ), (400 if errors else 200)


@bp.get("/break-glass-reviews")
def reviews():
    access.require(g.user, "review_break_glass")
    reviewed = request.args.get("show") == "reviewed"
    rows = access_grants.reviews(get_session(), g.user, reviewed=reviewed)
    return render("break_glass/reviews.html", rows=rows, reviewed=reviewed, errors={}, form={})


@bp.post("/break-glass-reviews/<int:grant_id>")
def review(grant_id: int):
    access.require(g.user, "review_break_glass")
    session = get_session()
    grant = access_grants.grant_for_review(session, g.user, grant_id)
    if grant is None:
        abort(404, "There is no break-glass access with that number in your network.")
    errors: dict = {}
    note = fields.text(request.form, "review_note", "the review note", errors, max_length=access_grants.REVIEW_NOTE_MAX)
    if errors:
        rows = access_grants.reviews(session, g.user)
        return render("break_glass/reviews.html", rows=rows, reviewed=False, errors={f"review_note-{grant_id}": errors["review_note"]},
                      form=request.form, failed_grant=grant_id), 400
    if access_grants.mark_reviewed(session, grant, g.user, note):
        flash("The break-glass access has been marked as reviewed.", "success")
    else:
        flash("Someone else had already reviewed that break-glass access.", "success")
    return redirect(url_for("break_glass.reviews"))
