"""Administration: agencies, networks and user accounts (administrators only).

The one guard is the blueprint's before_request; these pages show directory data only.
"""

from flask import Blueprint, abort, flash, g, redirect, request, url_for

from app.directory import forms, organisations
from app.transaction import get_session
from app.trust import accounts, audit, audit_log
from app.trust.forms import errors_for
from app.trust.views import hasher
from app.versioned import SaveResult
from app.web import fields, guard
from app.web.rendering import render
from models import Agency, AgencyKind, Profession, Role, User

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def administrators_only():
    guard.require("manage_directory")


@bp.get("")
def index():
    return render("directory/index.html", counts=organisations.counts(get_session()))


# --- agencies ---------------------------------------------------------------------------


@bp.get("/agencies")
def agencies():
    kind = forms.chosen(request.args, "kind", AgencyKind)
    rows = organisations.agencies(get_session(), kind)
    return render("directory/agencies.html", "results", rows=rows, kind=kind, kinds=list(AgencyKind))


@bp.route("/agencies/new", methods=["GET", "POST"])
def new_agency():
    session = get_session()
    errors: dict = {}
    if request.method == "POST":
        command, parse_errors = forms.new_agency(request.form)
        if parse_errors:
            result: SaveResult[Agency] = SaveResult(errors=organisations.check_new_agency(session, command))
        else:
            result = organisations.create_agency(session, command, g.user)
        if result.ok and not parse_errors:
            assert result.item is not None  # saved
            flash(f"{result.item.name} has been added.", "success")
            return redirect(url_for("admin.agencies"))
        errors = errors_for(command, parse_errors, result.errors)
    return render(
        "directory/new_agency.html",
        form=request.form,
        errors=errors,
        kinds=list(AgencyKind),
        networks=organisations.networks(session),
    ), (400 if errors else 200)


# --- networks ---------------------------------------------------------------------------


@bp.get("/networks")
def networks():
    return render("directory/networks.html", rows=organisations.networks_with_practices(get_session()))


@bp.route("/networks/new", methods=["GET", "POST"])
def new_network():
    errors: dict = {}
    if request.method == "POST":
        command, _ = forms.new_network(request.form)  # every field reads; the rules are the command's
        result = organisations.create_network(get_session(), command, g.user)
        if result.ok:
            assert result.item is not None  # saved
            flash(f"{result.item.name} has been added.", "success")
            return redirect(url_for("admin.networks"))
        errors = errors_for(command, {}, result.errors)
    return render("directory/new_network.html", form=request.form, errors=errors), (400 if errors else 200)


# --- users ------------------------------------------------------------------------------


@bp.get("/users")
def users():
    session = get_session()
    agency_id, role = forms.user_filters(request.args)
    staff = organisations.users(session, agency_id, role)
    return render(
        "directory/users.html",
        "results",
        staff=staff,
        agency_id=agency_id,
        role=role,
        roles=list(Role),
        agencies=organisations.all_agencies(session),
    )


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    session = get_session()
    errors: dict = {}
    if request.method == "POST":
        command, parse_errors = forms.new_user(request.form)
        if parse_errors:
            result: SaveResult[User] = SaveResult(errors=accounts.check_new_user(session, command))
        else:
            result = accounts.create_user(session, command, hasher(), g.user)
        if result.ok and not parse_errors:
            assert result.item is not None  # saved
            flash(f"The account {result.item.username} ({result.item.full_name}) has been added.", "success")
            return redirect(url_for("admin.users"))
        errors = errors_for(command, parse_errors, result.errors)
    # What the administrator typed stays in the form, except the password.
    form = {name: value for name, value in request.form.items() if name != "password"}
    return render(
        "directory/new_user.html",
        form=form,
        errors=errors,
        roles=list(Role),
        professions=list(Profession),
        agencies=organisations.all_agencies(session),
        networks=organisations.networks(session),
    ), (400 if errors else 200)


@bp.post("/users/<int:user_id>/unlock")
def unlock_user(user_id: int):
    """Lift a lock-out after too many failed sign-ins (only administrators can)."""
    session = get_session()
    user = session.get(User, user_id)
    if user is None:
        abort(404, "There is no account with that number.")
    if user.locked_at is None:
        flash(f"The account {user.username} was not locked.", "success")
    else:
        accounts.unlock(session, user, g.user)
        flash(f"The account {user.username} is unlocked: they can sign in again.", "success")
    return redirect(url_for("admin.users"))


# --- the audit trail -------------------------------------------------------------------


@bp.get("/audit")
def audit_trail():
    """The whole trail, filtered; metadata only (see app/trust/audit_log.py)."""
    session = get_session()
    filters, errors = forms.audit_filters(request.args)
    log = audit_log.search(session, filters, fields.page_number(request.args))
    audit.record(session, "view_audit", user=g.user)
    return render(
        "directory/audit.html",
        "results",
        log=log,
        filters=filters,
        errors=errors,
        form=request.args,
        actions=sorted(audit_log.ACTIONS.items(), key=lambda item: item[1]),
    ), (400 if errors else 200)
