"""The database engine and the per-request session."""
from flask import current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine


def make_engine(url: str, busy_timeout_ms: int = 5000) -> Engine:
    """SQLite gets WAL, foreign keys and a busy timeout; PostgreSQL a checked pool, and the same
    timeout as its lock_timeout, so a write blocked by another one fails cleanly rather than hangs."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    # Times are stored as UTC in columns without a zone: make every session's zone UTC, whatever
    # the server's own setting, so comparisons with timezone-aware values mean the same instant.
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, connect_args={"options": f"-c timezone=UTC -c lock_timeout={int(busy_timeout_ms)}"})


def get_session() -> Session:
    """The request's session: one per request, closed at teardown."""
    if "db_session" not in g:
        g.db_session = Session(current_app.extensions["oneplan_engine"], expire_on_commit=False)
    return g.db_session


def close_session(_exc=None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
