"""Error pages: every failure is a clear page with the right status, never a stack trace."""

import contextlib
from typing import Optional

from flask import g, jsonify, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from app.transaction import get_session
from app.trust import audit
from app.trust.access import AccessRefused
from app.web.rendering import is_htmx, render
from models import AuditOutcome

HEADINGS = {
    400: "The request could not be used",
    401: "Sign in to continue",
    403: "You do not have access",
    404: "Page not found",
    405: "That action is not allowed here",
    413: "What you sent is too large",
    429: "Too many attempts",
    503: "OnePlan is busy",
    500: "Sorry, there is a problem with OnePlan",
}


def init_app(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return _page(400, "This form has expired or did not come from OnePlan. Go back, reload the page and try again.")

    @app.errorhandler(AccessRefused)
    def refused(error: AccessRefused):
        """Undo whatever the request did; what it leaves is the refusal, in the audit trail (the
        request commits it like any other answer below 500)."""
        session = get_session()
        session.rollback()
        audit.record(
            session,
            error.action,
            user=g.get("user"),
            outcome=AuditOutcome.refused,
            reason=error.reason,
            person_id=error.person_id,
            record_type=error.record_type,
            record_id=error.record_id,
        )
        return _page(403, error.reason, break_glass_person_id=error.break_glass_person_id)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if _is_fhir():
            from app.api.responses import http_error_outcome

            return http_error_outcome(error)
        custom = error.description != type(error).description
        message = (error.description or "") if custom or error.code in (403, 404) else _default_message(error)
        return _page(error.code or 500, message, break_glass_person_id=getattr(error, "break_glass_person_id", None))

    @app.errorhandler(DBAPIError)
    def database_unavailable(error):
        """A 503 that says what happened to what the user did: a change was not saved; a page they
        only asked to see was not shown (its audit event, the one thing a view writes, was not either)."""
        _rollback()
        viewing = request.method in ("GET", "HEAD")
        if cannot_write(error):
            app.logger.error("database cannot be written: %s", error)
            if viewing:
                return _page(
                    503,
                    "OnePlan cannot show this page just now: its database is read-only or full, and every view of a "
                    "record is written down before it is shown. Try again later.",
                )
            return _page(
                503,
                "OnePlan cannot save anything just now: its database is read-only or full. Nothing was "
                "saved. Go back, keep what you typed, and try again later.",
            )
        if isinstance(error, OperationalError):
            app.logger.warning("database unavailable: %s", error)
            if viewing:
                return _page(503, "The database is busy or unavailable, so this page could not be shown. Wait a moment and try again.")
            return _page(503, "The database is busy or unavailable. Nothing was saved. Wait a moment and try again.")
        return unexpected(error)

    @app.errorhandler(Exception)
    def unexpected(error):
        _rollback()
        app.logger.exception("unexpected error")
        viewing = request.method in ("GET", "HEAD")
        return _page(
            500, "This page could not be shown. Try again later." if viewing else "Nothing you entered has been saved. Try again later."
        )


# SQLite's words, and PostgreSQL's SQLSTATEs (read_only_sql_transaction, disk_full, insufficient_resources).
_CANNOT_WRITE_WORDS = ("readonly database", "read-only", "disk is full", "disk full")
_CANNOT_WRITE_STATES = {"25006", "53100", "53000"}


def cannot_write(error: DBAPIError) -> bool:
    """Whether the database refused a write because it is read-only or out of space."""
    state = getattr(error.orig, "sqlstate", None)
    return state in _CANNOT_WRITE_STATES or any(words in str(error.orig).lower() for words in _CANNOT_WRITE_WORDS)


def _default_message(error: HTTPException) -> str:
    messages: dict[Optional[int], str] = {
        400: "Something in the request was not valid. Go back and check what you entered.",
        405: "Go back and use the page's own buttons and links.",
        413: "Shorten what you entered and try again.",
    }
    return messages.get(error.code, error.description or "")


def _rollback() -> None:
    # The request is failing already; a database too broken even to roll back must not hide its error
    # page. Its connection is thrown away instead, so no half-done transaction goes back to the pool
    # (the database drops the transaction with the connection).
    session = get_session()
    try:
        session.rollback()
    except Exception:
        with contextlib.suppress(Exception):
            session.invalidate()


def _is_fhir() -> bool:
    """Whether the request is for the FHIR API, which answers every error with an OperationOutcome."""
    return request.path == "/fhir" or request.path.startswith("/fhir/")


def _page(status: int, message: str, break_glass_person_id=None):
    if _is_fhir():
        from app.api.responses import error_outcome

        return error_outcome(status, message)
    if request.path == "/healthz":
        return jsonify(error=HEADINGS.get(status, "Error"), message=message), status
    page = render(
        "web/error.html",
        "content",
        heading=HEADINGS.get(status, "Error"),
        message=message,
        status=status,
        break_glass_person_id=break_glass_person_id,
    )
    if not is_htmx():
        return page, status
    # An htmx request that fails shows the error in place of the whole page's content, not
    # inside the small part of the page it meant to update (see the htmx-config in base.html).
    return page, status, {"HX-Retarget": "#maincontent", "HX-Reswap": "innerHTML show:window:top"}
