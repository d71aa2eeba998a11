"""Where a transaction begins and ends: one session per request (web page, htmx block or API call)
or command-line command, committed once at its boundary.

Domain code adds and flushes; the request commits once, after its response is ready, unless it
failed (a 5xx, whose error handler has rolled back). A refusal (403) still commits: its audit event
is what it leaves. The command line commits at the end of each command (app/ops/cli.py).
"""

import contextlib
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
    """Close the session, rolling back whatever was not committed. A connection that died
    mid-request cannot even roll back: the answer is ready by now (often the 503 page saying so),
    and an error raised here would replace it with the server's bare 500, so it is logged and the
    connection thrown away (the database drops its transaction with it)."""
    session = g.pop("db_session", None)
    if session is None:
        return
    try:
        session.close()
    except Exception:
        current_app.logger.warning("the database connection failed while closing the request's session", exc_info=True)
        with contextlib.suppress(Exception):
            session.invalidate()


def commit_request(response: Response) -> Response:
    """The request's one commit: its changes and the audit events that record them, together.
    A failed request (5xx) commits nothing: its error handler rolled back. A commit that fails
    (the connection dropped, the disk full) gets the error page of what failed, like any other
    error, rather than the page the view had ready as if all were saved."""
    session = g.get("db_session")
    if session is not None and response.status_code < 500:
        try:
            session.commit()
        except Exception as error:
            return current_app.make_response(current_app.handle_user_exception(error))
    return response


def init_app(app: Flask) -> None:
    """Call after every other after_request is registered: Flask runs them last-registered first,
    so the commit comes before the security headers, which then go on whatever page it answers."""
    app.after_request(commit_request)
    app.teardown_appcontext(close_session)
