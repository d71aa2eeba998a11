"""Trust pages: sign-in and sign-out, break-glass access and its review, the person's sharing
decisions (consent), and who has looked at a record."""

import time
from typing import Optional
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, request, session, url_for
from sqlmodel import select

from app.config import ConfigError
from app.transaction import get_session
from app.trust import access, accounts, audit, audit_log, break_glass, consent, forms, passwords, sign_in_steps, staff_sessions
from app.trust import second_factor as second_factor_rules
from app.versioned import SaveResult
from app.web import fields, guard
from app.web.rendering import is_htmx, render
from app.work import notifications
from models import Agency, AuditOutcome, Consent, Role

bp = Blueprint("trust", __name__)

# Endpoints open without signing in.
PUBLIC_ENDPOINTS = {"trust.sign_in", "ops.healthz", "assets.nhsuk", "assets.vendor", "static"}


@bp.record_once
def _set_up(state) -> None:
    app = state.app
    app.extensions["oneplan_hasher"] = accounts.password_hasher(app.config["PASSWORD_HASH_COST"])
    if app.config["ONEPLAN_ENV"] == "production" and app.config["SECOND_FACTOR_DEMO_SKIP"]:
        raise ConfigError(
            "The demo configuration (ONEPLAN_DEMO=1) lets accounts go without a second factor; refusing to start in production."
        )


@bp.app_context_processor
def signed_in_user():
    user = g.get("user")

    def unread_count() -> int:
        # Counted when a page shows it (the header), once a request: never for an htmx fragment.
        if "unread_count" not in g:
            g.unread_count = (
                notifications.unread_count(get_session(), user) if user is not None and access.allowed(user, "read_inbox") else 0
            )
        return g.unread_count

    def works_for_hub() -> bool:
        # Whether the header offers "Hub caseload": asked once a request, by the header only.
        if "works_for_hub" not in g:
            g.works_for_hub = access.works_for_hub(get_session(), user)
        return g.works_for_hub

    return {
        "current_user": user,
        "unread_count": unread_count,
        "unread_shown": lambda: notifications.shown_count(unread_count()),  # "99+" past the most counted
        "works_for_hub": works_for_hub,
        "may": lambda capability: access.allowed(user, capability),
    }


def hasher():
    return current_app.extensions["oneplan_hasher"]


@bp.before_app_request
def load_signed_in_user():
    """Every request but the public ones needs a signed-in, active user who has not been idle too long."""
    g.user = None
    token = session.get("sid")
    if token is not None:
        idle_minutes = current_app.config["IDLE_TIMEOUT_MINUTES"]
        last_seen = session.get("last_seen", 0)
        if time.time() - last_seen > idle_minutes * 60:
            staff_sessions.end(get_session(), token, "idle")
            session.clear()
            session["signed_out_reason"] = f"You were signed out because you were inactive for {idle_minutes} minutes."
        else:
            # The server's record decides: a session ended at sign-out or by a lock stays ended.
            # A full page shows the unread count in its header: read with the session (a GET changes no inbox).
            full_page = (
                request.method == "GET"
                and not is_htmx()
                and request.endpoint not in PUBLIC_ENDPOINTS
                and request.blueprint not in ("fhir", "my_record")
            )
            db = get_session()
            user = staff_sessions.user_for(
                db,
                token,
                idle_minutes,
                absolute_hours=current_app.config["SESSION_ABSOLUTE_HOURS"],
                also=notifications.signed_in_unread_count() if full_page else None,
            )
            counted = db.info.pop(staff_sessions.ALSO_READ, None)
            if user is not None and counted is not None and counted[0] == user.id:
                g.unread_count = counted[1] if access.allowed(user, "read_inbox") else 0
            if user is not None:
                g.user = user
                # Moved at most once a minute, like the server's record (staff_sessions.TOUCH_EVERY): a page
                # read that leaves the cookie as it was sends no new one (signing it costs every request).
                if time.time() - last_seen >= staff_sessions.TOUCH_EVERY.total_seconds():
                    session["last_seen"] = int(time.time())
            else:
                session.clear()
    if request.blueprint == "fhir":
        return None  # the API authenticates each request by its bearer token (app/api), never by cookie
    if request.blueprint == "my_record":
        return None  # people's own pages have their own sign-in (app/my_record), and refuse staff
    if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS and request.endpoint is not None:
        _audit_signed_out_request_for_a_record()
        if request.headers.get("HX-Request"):
            # htmx cannot follow a redirect into a full page; ask it to load the sign-in page.
            response = current_app.response_class(status=401)
            response.headers["HX-Redirect"] = url_for("trust.sign_in", next=request.full_path)
            return response
        return redirect(url_for("trust.sign_in", next=request.full_path))
    return None


def _audit_signed_out_request_for_a_record() -> None:
    """Someone not signed in asked for a record (a person's, or a referral, ...): a refusal too."""
    ids = {name: value for name, value in (request.view_args or {}).items() if name.endswith("_id")}
    if not ids:
        return
    name, value = ("person_id", ids["person_id"]) if "person_id" in ids else next(iter(ids.items()))
    audit.record(
        get_session(),
        "sign_in_required",
        outcome=AuditOutcome.refused,
        person_id=ids.get("person_id"),
        record_type=name.removesuffix("_id"),
        record_id=value,
        reason="not signed in",
    )


def _safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site."""
    if not target:
        return url_for("work.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("work.home")
    return target


# --- Signing in and out ------------------------------------------------------------------


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    notice = session.pop("signed_out_reason", None)
    if request.method == "GET":
        return render("trust/sign_in.html", notice=notice, form={}, errors={}, next=request.args.get("next", ""))
    credentials, errors = forms.sign_in(request.form)
    next_url = request.form.get("next", "")
    if not errors:
        result = accounts.sign_in(
            get_session(),
            credentials.username,
            credentials.password,
            hasher=hasher(),
            lockout_failures=current_app.config["SIGN_IN_LOCKOUT_FAILURES"],
        )
        if result.user is not None:
            # A fresh session, with a new id, at sign-in: nothing from before carries over.
            staff_sessions.end(get_session(), session.get("sid"), "signed in again")
            session.clear()
            session["sid"] = staff_sessions.start(get_session(), result.user)
            session["last_seen"] = int(time.time())
            session.permanent = False
            return redirect(_after_password(result.user, next_url))
        errors["username"] = result.message or accounts.GENERIC_FAILURE
    # A refused sign-in still commits (below 500): its audit event and the failure count are what it leaves.
    status = 401 if "username" in errors and credentials.password and credentials.username else 400
    return render("trust/sign_in.html", form={"username": credentials.username[:64]}, errors=errors, next=next_url, notice=None), status


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    user = g.get("user")
    staff_sessions.end(get_session(), session.get("sid"), "signed out")
    if user is not None:
        audit.record(get_session(), "sign_out", user=user)
    session.clear()
    session["signed_out_reason"] = "You have signed out."
    return redirect(url_for("trust.sign_in"))


# --- Break-glass -------------------------------------------------------------------------


@bp.app_template_filter("break_glass_reason")
def break_glass_reason(code: str) -> str:
    return access.BREAK_GLASS_REASONS.get(code, code)


@bp.app_template_filter("review_outcome")
def review_outcome(appropriate: Optional[bool]) -> str:
    return break_glass.outcome_label(appropriate)


@bp.route("/people/<int:person_id>/break-glass", methods=["GET", "POST"])
def request_break_glass(person_id: int):
    person, decision = guard.break_glass_candidate(person_id)
    if decision.allowed:
        return redirect(url_for("care_plan.person", person_id=person.id))
    errors: dict = {}
    if request.method == "POST":
        command, _ = forms.break_glass(request.form)  # every answer reads; the rules are the command's
        result = break_glass.grant(get_session(), g.user, person, command, current_app.config["BREAK_GLASS_MINUTES"])
        if result.ok or result.refused:  # refused: the record is open to them already
            return redirect(url_for("care_plan.person", person_id=person.id))
        errors = forms.errors_for(command, {}, result.errors)
    return render(
        "trust/break_glass.html",
        person_id=person.id,
        form=request.form,
        errors=errors,
        reasons=access.BREAK_GLASS_REASONS,
        minutes=current_app.config["BREAK_GLASS_MINUTES"],
    ), (400 if errors else 200)


@bp.get("/break-glass-reviews")
def break_glass_reviews():
    guard.require("review_break_glass")
    reviewed = request.args.get("show") == "reviewed"
    rows = break_glass.reviews(get_session(), g.user, reviewed=reviewed)
    _audit_reviews_shown(rows)
    return render("trust/break_glass_reviews.html", rows=rows, reviewed=reviewed, errors={}, form={}, failed_grant=None)


@bp.post("/break-glass-reviews/<int:grant_id>")
def review_break_glass(grant_id: int):
    guard.require("review_break_glass")
    db = get_session()
    if break_glass.grant_for_review(db, g.user, grant_id) is None:
        abort(404, break_glass.NOT_IN_YOUR_NETWORK)
    command, _ = forms.review_break_glass(request.form, grant_id)  # the note reads as typed; its length is the command's rule
    result = break_glass.review(db, command, g.user)
    if result.forbidden:
        raise access.AccessRefused("review_break_glass", result.forbidden, record_type="access_grant", record_id=grant_id)
    if result.errors:
        errors = forms.errors_for(command, {}, result.errors, forms.review_field_ids(grant_id))
        rows = break_glass.reviews(db, g.user)
        _audit_reviews_shown(rows)
        return render(
            "trust/break_glass_reviews.html",
            rows=rows,
            reviewed=False,
            errors=errors,
            form=request.form,
            failed_grant=grant_id,
        ), 400
    flash(result.refused or "The break-glass access has been marked as reviewed.", "success")
    return redirect(url_for("trust.break_glass_reviews"))


def _audit_reviews_shown(rows: list[break_glass.Review]) -> None:
    """The reviews name the people whose records were opened: showing them is recorded too."""
    audit.record(get_session(), "view_break_glass_reviews", user=g.user, detail=f"{len(rows)} accesses shown")


# --- The person's sharing decisions ------------------------------------------------------


@bp.get("/people/<int:person_id>/consent")
def show_consent(person_id: int):
    person = guard.person_for(person_id, "view_consent")
    return render("trust/consent.html", person=person, sharing=consent.view(get_session(), person_id), may_change=guard.may_change(person))


@bp.get("/people/<int:person_id>/consent/edit")
def edit_consent(person_id: int):
    person = guard.person_for(person_id, "view_consent", write=True)
    current = consent.view(get_session(), person_id)
    return _consent_form(person, current, forms.sharing_values(current), {})


@bp.post("/people/<int:person_id>/consent")
def save_consent(person_id: int):
    person = guard.person_for(person_id, "record_consent", write=True)
    db = get_session()
    command, parse_errors = forms.record_sharing(request.form)
    result: SaveResult[Consent]
    if parse_errors:
        result = SaveResult(errors=consent.check(db, command, g.user))
    else:
        result = consent.record(db, person, command, g.user)
    if result.ok and not parse_errors:
        flash("The person's sharing decisions have been recorded.", "success")
        return redirect(url_for("trust.show_consent", person_id=person.id))
    current = consent.view(db, person_id)
    if result.conflict:
        return _consent_form(person, current, request.form, {}, status=409, stale=True)
    errors = forms.errors_for(command, parse_errors, result.errors, forms.SHARING_FIELD_IDS)
    return _consent_form(person, current, request.form, errors, status=400)


def _consent_form(person, current, form, errors, status=200, stale=False):
    agencies = get_session().exec(select(Agency).where(Agency.id != g.user.agency_id).order_by(Agency.name)).all()
    return render(
        "trust/consent_edit.html",
        person=person,
        sharing=current,
        form=form,
        kept=form.getlist("keep_objection"),
        errors=errors,
        agencies=agencies,
        stale=stale,
    ), status


# --- Who has looked at the record --------------------------------------------------------


@bp.app_template_filter("action_label")
def action_label(action: str) -> str:
    return audit_log.action_label(action)


@bp.app_template_filter("role_label")
def role_label(role: str) -> str:
    try:
        return Role(role).label
    except ValueError:
        return role


@bp.get("/people/<int:person_id>/access-log")
def access_log(person_id: int):
    person = guard.person_for(person_id, "view_access_log", rule=access.access_log_rule)
    log = audit_log.for_person(get_session(), person_id, fields.page_number(request.args))
    return render("trust/access_log.html", "log", person=person, log=log)


# --- Finishing signing in, and a person's own account ------------------------------------

# The page for each step a person can owe after their password (app/trust/sign_in_steps.py).
STEP_PAGES = {
    sign_in_steps.Step.second_factor: "trust.second_factor",
    sign_in_steps.Step.change_password: "trust.change_password",
    sign_in_steps.Step.set_up_second_factor: "trust.set_up_second_factor",
}
_PENDING_SECRET = "pending_totp_secret"  # cookie-session key: the key being set up, until a code confirms it


def _owed(user, staff_session=None):
    return sign_in_steps.owed(user, staff_session, second_factor_required=not current_app.config["SECOND_FACTOR_DEMO_SKIP"])


def _after_password(user, next_url: str | None) -> str:
    """Where a sign-in goes once the password is right: the first step still owed, remembering
    where the person was going, or straight there."""
    target = _safe_next(next_url)
    step = _owed(user)
    if step is None:
        return target
    session["after_steps"] = target
    return url_for(STEP_PAGES[step])


def _next_step_or_onward() -> str:
    step = _owed(g.user, staff_sessions.current(get_session()))
    if step is not None:
        return url_for(STEP_PAGES[step])
    return session.pop("after_steps", None) or url_for("work.home")


@bp.before_app_request
def finish_signing_in():
    """A session whose owner still owes a step reaches that step's page and sign-out, nothing else."""
    user = g.get("user")
    if user is None or request.blueprint == "fhir" or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    step = _owed(user, staff_sessions.current(get_session()))
    if step is None or request.endpoint in (STEP_PAGES[step], "trust.sign_out"):
        return None
    target = url_for(STEP_PAGES[step])
    if request.headers.get("HX-Request"):
        response = current_app.response_class(status=401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


@bp.route("/sign-in/second-factor", methods=["GET", "POST"])
def second_factor():
    if g.user.totp_confirmed_at is None or _owed(g.user, staff_sessions.current(get_session())) is not sign_in_steps.Step.second_factor:
        return redirect(_next_step_or_onward())
    errors: dict = {}
    if request.method == "POST":
        command = forms.second_factor_code(request.form)
        result = second_factor_rules.verify(get_session(), g.user, staff_sessions.current(get_session()), command)
        if result.refused:
            session.clear()
            session["signed_out_reason"] = result.refused
            return redirect(url_for("trust.sign_in"))
        if result.ok:
            return redirect(_next_step_or_onward())
        errors = forms.errors_for(command, {}, result.errors)
    return render("trust/second_factor.html", errors=errors), (400 if errors else 200)


@bp.route("/sign-in/second-factor/set-up", methods=["GET", "POST"])
def set_up_second_factor():
    if g.user.totp_confirmed_at is not None:
        return redirect(_next_step_or_onward())
    # The key waits in the signed session cookie until a code confirms it: showing this page writes nothing.
    secret = session.get(_PENDING_SECRET) or second_factor_rules.new_secret()
    session[_PENDING_SECRET] = secret
    errors: dict = {}
    if request.method == "POST":
        command = forms.second_factor_code(request.form)
        result = second_factor_rules.confirm(get_session(), g.user, staff_sessions.current(get_session()), secret, command)
        if result.ok:
            session.pop(_PENDING_SECRET, None)
            return render("trust/recovery_codes.html", codes=result.item, onward=_next_step_or_onward())
        errors = forms.errors_for(command, {}, result.errors)
    shown = second_factor_rules.set_up(g.user, secret)
    return render(
        "trust/set_up_second_factor.html",
        errors=errors,
        set_up=shown,
        key=second_factor_rules.grouped(shown.secret),
        required=not current_app.config["SECOND_FACTOR_DEMO_SKIP"],
    ), (400 if errors else 200)


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    errors: dict = {}
    if request.method == "POST":
        command, _ = forms.change_password(request.form)
        result = passwords.change(get_session(), g.user, command, hasher())
        if result.ok:
            staff_sessions.end_others(get_session(), g.user.id, session.get("sid"), "password changed")
            return redirect(_next_step_or_onward())
        errors = forms.errors_for(command, {}, result.errors)
    return render("trust/change_password.html", errors=errors, must_change=g.user.must_change_password), (400 if errors else 200)
