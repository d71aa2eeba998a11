"""Sign-in, sign-out, the signed-in user, idle timeout and CSRF protection."""
import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFProtect

from app import access, accounts, audit, notifications, staff_sessions
from app.db import get_session
from app.rendering import render
from models import AuditOutcome

bp = Blueprint("auth", __name__)
csrf = CSRFProtect()

# Endpoints open without signing in.
PUBLIC_ENDPOINTS = {"auth.sign_in", "home.healthz", "assets.nhsuk", "assets.vendor", "static"}


def init_app(app) -> None:
    csrf.init_app(app)
    app.extensions["oneplan_hasher"] = accounts.password_hasher(app.config["PASSWORD_HASH_COST"])
    app.before_request(load_signed_in_user)

    @app.context_processor
    def signed_in_user():
        user = g.get("user")
        unread = 0
        if user is not None and access.allowed(user, "read_inbox"):
            unread = notifications.unread_count(get_session(), user)
        return {"current_user": user, "unread_count": unread, "may": lambda capability: access.allowed(user, capability)}


def hasher():
    return current_app.extensions["oneplan_hasher"]


def load_signed_in_user():
    """Every request but the public ones needs a signed-in, active user who has not been idle too long."""
    g.user = None
    token = session.get("sid")
    if token is not None:
        idle_minutes = current_app.config["IDLE_TIMEOUT_MINUTES"]
        last_seen = session.get("last_seen", 0)
        if time.time() - last_seen > idle_minutes * 60:
            staff_sessions.end(get_session(), token, "idle")
            get_session().commit()
            session.clear()
            session["signed_out_reason"] = f"You were signed out because you were inactive for {idle_minutes} minutes."
        else:
            # The server's record decides: a session ended at sign-out or by a lock stays ended.
            user = staff_sessions.user_for(get_session(), token, idle_minutes)
            if user is not None:
                g.user = user
                session["last_seen"] = int(time.time())
            else:
                session.clear()
    if request.blueprint == "fhir":
        return None  # the API authenticates each request by its bearer token (app/fhir.py), never by cookie
    if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS and request.endpoint is not None:
        _audit_signed_out_request_for_a_record()
        if request.headers.get("HX-Request"):
            # htmx cannot follow a redirect into a full page; ask it to load the sign-in page.
            response = current_app.response_class(status=401)
            response.headers["HX-Redirect"] = url_for("auth.sign_in", next=request.full_path)
            return response
        return redirect(url_for("auth.sign_in", next=request.full_path))
    return None


def _audit_signed_out_request_for_a_record() -> None:
    """Someone not signed in asked for a record (a person's, or a referral, ...): a refusal too."""
    ids = {name: value for name, value in (request.view_args or {}).items() if name.endswith("_id")}
    if not ids:
        return
    name, value = ("person_id", ids["person_id"]) if "person_id" in ids else next(iter(ids.items()))
    audit.record(get_session(), "sign_in_required", outcome=AuditOutcome.refused, person_id=ids.get("person_id"),
                 record_type=name.removesuffix("_id"), record_id=value, reason="not signed in")
    get_session().commit()


def _safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site."""
    if not target:
        return url_for("home.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("home.index")
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    notice = session.pop("signed_out_reason", None)
    if request.method == "GET":
        return render("auth/sign_in.html", notice=notice, form={}, errors={}, next=request.args.get("next", ""))
    form = request.form
    errors = {}
    if not form.get("username", "").strip():
        errors["username"] = "Enter your username"
    if not form.get("password"):
        errors["password"] = "Enter your password"
    next_url = form.get("next", "")
    if not errors:
        result = accounts.sign_in(
            get_session(),
            form["username"],
            form["password"],
            hasher=hasher(),
            max_failures=current_app.config["SIGN_IN_MAX_FAILURES"],
            lock_seconds=current_app.config["SIGN_IN_LOCK_SECONDS"],
            lockout_failures=current_app.config["SIGN_IN_LOCKOUT_FAILURES"],
        )
        if result.user is not None:
            # A fresh session, with a new id, at sign-in: nothing from before carries over.
            db = get_session()
            staff_sessions.end(db, session.get("sid"), "signed in again")
            session.clear()
            session["sid"] = staff_sessions.start(db, result.user)
            db.commit()
            session["last_seen"] = int(time.time())
            session.permanent = False
            return redirect(_safe_next(next_url))
        errors["username"] = result.message
    status = 401 if "username" in errors and form.get("password") and form.get("username") else 400
    return render(
        "auth/sign_in.html", form={"username": form.get("username", "")[:64]}, errors=errors, next=next_url
    ), status


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    user = g.get("user")
    staff_sessions.end(get_session(), session.get("sid"), "signed out")
    if user is not None:
        audit.record(get_session(), "sign_out", user=user)
    get_session().commit()
    session.clear()
    session["signed_out_reason"] = "You have signed out."
    return redirect(url_for("auth.sign_in"))
