"""Administration: agencies, networks and user accounts (administrators only).

The one guard is the blueprint's before_request; these pages show directory data only.
"""
from flask import Blueprint, abort, flash, g, redirect, request, url_for

from app.trust import access
from app.trust import accounts
from app.trust import audit
from app.trust import audit_log
from app.directory import organisations
from app.trust.views import hasher, page_arg
from app.db import get_session
from app.web import guard
from app.web.rendering import render
from models import AgencyKind, Profession, Role, User

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
    kind = _enum_arg(AgencyKind, "kind")
    rows = organisations.agencies(get_session(), kind)
    return render("directory/agencies.html", "results", rows=rows, kind=kind, kinds=list(AgencyKind))


@bp.route("/agencies/new", methods=["GET", "POST"])
def new_agency():
    session = get_session()
    errors: dict = {}
    if request.method == "POST":
        clean, errors = organisations.validate_new_agency(session, request.form)
        if not errors:
            try:
                agency = organisations.create_agency(session, clean, g.user)
            except organisations.DuplicateName:
                errors = {"name": "There is already an agency with that name"}
            else:
                flash(f"{agency.name} has been added.", "success")
                return redirect(url_for("admin.agencies"))
    return render(
        "directory/new_agency.html", form=request.form, errors=errors, kinds=list(AgencyKind),
        networks=organisations.networks(session),
    ), (400 if errors else 200)


# --- networks ---------------------------------------------------------------------------


@bp.get("/networks")
def networks():
    return render("directory/networks.html", rows=organisations.networks_with_practices(get_session()))


@bp.route("/networks/new", methods=["GET", "POST"])
def new_network():
    session = get_session()
    errors: dict = {}
    if request.method == "POST":
        clean, errors = organisations.validate_new_network(session, request.form)
        if not errors:
            try:
                network = organisations.create_network(session, clean, g.user)
            except organisations.DuplicateName:
                errors = {"name": "There is already a network with that name"}
            else:
                flash(f"{network.name} has been added.", "success")
                return redirect(url_for("admin.networks"))
    return render("directory/new_network.html", form=request.form, errors=errors), (400 if errors else 200)


# --- users ------------------------------------------------------------------------------


@bp.get("/users")
def users():
    session = get_session()
    agency_id = _id_arg("agency")
    role = _enum_arg(Role, "role")
    staff = organisations.users(session, agency_id, role)
    return render(
        "directory/users.html", "results", staff=staff, agency_id=agency_id, role=role, roles=list(Role),
        agencies=organisations.all_agencies(session),
    )


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    session = get_session()
    errors: dict = {}
    if request.method == "POST":
        clean, errors = accounts.validate_new_user(session, request.form)
        if not errors:
            try:
                user = organisations.add_user(session, clean, hasher(), g.user)
            except organisations.DuplicateName:
                errors = {"username": "That username is already taken"}
            else:
                flash(f"The account {user.username} ({user.full_name}) has been added.", "success")
                return redirect(url_for("admin.users"))
    # What the administrator typed stays in the form, except the password.
    form = {name: value for name, value in request.form.items() if name != "password"}
    return render(
        "directory/new_user.html", form=form, errors=errors, roles=list(Role), professions=list(Profession),
        agencies=organisations.all_agencies(session), networks=organisations.networks(session),
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
    """The whole trail, filtered; metadata only (see app/audit_log.py)."""
    session = get_session()
    filters = audit_log.Filters.from_args(request.args)
    log = audit_log.search(session, filters, page_arg())
    audit.record(session, "view_audit", user=g.user)
    return render(
        "directory/audit.html", "results", log=log, filters=filters, errors=filters.errors, form=request.args,
        actions=sorted(audit_log.ACTIONS.items(), key=lambda item: item[1]),
    ), (400 if filters.errors else 200)


# --- reading filters --------------------------------------------------------------------


def _enum_arg(enum_cls, name: str):
    """A filter from the query string; anything unknown means no filter."""
    try:
        return enum_cls(request.args.get(name, ""))
    except ValueError:
        return None


def _id_arg(name: str):
    raw = request.args.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None
