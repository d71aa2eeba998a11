"""Where a transaction begins and ends: one session per request (web page, htmx block or API call)
or command-line command, committed once at its boundary.

Domain code adds and flushes; the request commits once, after its response is ready, unless it
failed (a 5xx, whose error handler has rolled back). A refusal (403) still commits: its audit event
is what it leaves. The command line commits at the end of each command (app/ops/cli.py).
"""

from typing import Optional

from flask import Flask, Response, current_app, g, has_request_context, request
from sqlmodel import Session

from app.db import CLIENT_ADDRESS


def get_session() -> Session:
    """The request's (or command's) session: one per application context, closed at teardown."""
    if "db_session" not in g:
        address = (request.remote_addr or "")[:64] or None if has_request_context() else None
        g.db_session = Session(current_app.extensions["oneplan_engine"], expire_on_commit=False, info={CLIENT_ADDRESS: address})
    session: Session = g.db_session
    return session


def close_session(_exc: Optional[BaseException] = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def commit_request(response: Response) -> Response:
    """The request's one commit: its changes and the audit events that record them, together.
    A failed request (5xx) commits nothing: its error handler rolled back."""
    session = g.get("db_session")
    if session is not None and response.status_code < 500:
        session.commit()
    return response


def init_app(app: Flask) -> None:
    app.after_request(commit_request)
    app.teardown_appcontext(close_session)
