"""The database: the engine (SQLite or PostgreSQL, set up alike), and the two ways domain code
changes rows without ever rolling back the caller's transaction: an insert that loses a race
quietly (`insert_once`), and a part of a change that can be undone alone (`undoable`).
Who begins and commits a transaction is app/transaction.py's business, not this module's."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, create_engine

from app.trust import audit_chain

CLIENT_ADDRESS = "client_address"  # session.info key: where the request came from, for the audit trail


def _sqlite_table_hint(compiler: SQLiteCompiler, table: Any, text: Optional[str]) -> Optional[str]:
    """A table hint for SQLite (`select.with_hint(Model, "INDEXED BY ix_...", "sqlite")`) written
    after the table's name, as SQLite reads it. SQLAlchemy writes other dialects' hints but drops
    SQLite's; hints for other dialects never reach this compiler."""
    return text


SQLiteCompiler.get_from_hint_text = _sqlite_table_hint  # type: ignore[method-assign,assignment]


# How alike a typed name and a stored one must be to count as a close match (pg_trgm's default is
# 0.3, which misses a swapped pair of letters in a four-letter name: "jonh" and "john" are 0.25).
SIMILARITY_THRESHOLD = 0.2


def trigrams(key: str) -> set[str]:
    """A name key's trigrams as pg_trgm makes them: padded with two spaces before, one after."""
    padded = f"  {key} "
    return {padded[n : n + 3] for n in range(len(padded) - 2)} if key else set()


def similarity(a: Optional[str], b: Optional[str]) -> float:
    """pg_trgm's similarity() of two name keys (letters a-z only): shared trigrams over all trigrams.
    Registered as similarity() on SQLite connections, for name search (app/front_door/search.py)."""
    first, second = trigrams(a or ""), trigrams(b or "")
    if not first or not second:
        return 0.0
    shared = len(first & second)
    return shared / (len(first) + len(second) - shared)


def make_engine(url: str, busy_timeout_ms: int = 5000) -> Engine:
    """SQLite gets WAL, foreign keys and a busy timeout; PostgreSQL a checked pool, and the same
    timeout as its lock_timeout, so a write blocked by another one fails cleanly rather than hangs."""
    if url.startswith("sqlite"):
        private_sqlite_file(url)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
            # PostgreSQL's pg_trgm similarity(), for name search (app/front_door/search.py).
            dbapi_connection.create_function("similarity", 2, similarity, deterministic=True)
            # The audit chain's hash, for the statement that appends an event (app/trust/audit_chain.py).
            dbapi_connection.create_function("oneplan_chain_hash", -1, audit_chain.sql_chain_hash, deterministic=True)

        return engine
    # Times are stored as UTC in columns without a zone: make every session's zone UTC, whatever
    # the server's own setting, so comparisons with timezone-aware values mean the same instant.
    # random_page_cost as for data in memory or on SSD: at the default 4 an index lookup looks
    # dearer than it is, and the planner hashed 37,000 care-team rows rather than look up 1,000.
    # (Statements psycopg prepares get PostgreSQL's generic plan after a few runs; one made for an
    # average agency once hashed all 78,000 people in the busiest one's care to count its first
    # thousand overdue actions. The counts now look each row up, `access.open_to_care_team`'s
    # row_by_row, whatever the plan: planning every statement afresh, plan_cache_mode=
    # force_custom_plan, cost 1-3 ms of planning on every complex statement of every page.)
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        connect_args={
            "options": f"-c timezone=UTC -c lock_timeout={int(busy_timeout_ms)} -c random_page_cost=1.1"
            # pg_trgm's `%` at name search's threshold, set once a connection (not a statement
            # each search): a placeholder until pg_trgm loads, which then takes it.
            f" -c pg_trgm.similarity_threshold={SIMILARITY_THRESHOLD}"
        },
    )


def create_private(path: Path) -> None:
    """Create `path` empty, readable and writable by its owner only (0600), unless it exists: a
    file of personal data (a database, a backup) must not start life readable by every account."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return


def private_sqlite_file(url: str) -> None:
    """A SQLite database file that does not exist yet is created 0600 before SQLite opens it;
    SQLite gives its -wal and -shm files the same mode."""
    parsed = make_url(url)
    if (
        parsed.get_backend_name() == "sqlite"
        and parsed.database
        and parsed.database != ":memory:"
        and not parsed.database.startswith("file:")
    ):
        create_private(Path(parsed.database))


def insert_once(session: Session, model: Any, values: dict[str, Any], unique: list[str]) -> Optional[int]:
    """Insert a row unless one with the same `unique` columns exists (someone made it a moment ago);
    the new row's id, or None. One statement on either database, and nothing to roll back."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(**values).on_conflict_do_nothing(index_elements=unique).returning(model.id)
    new_id: Optional[int] = session.execute(statement).scalar()
    return new_id


@contextmanager
def undoable(session: Session) -> Iterator[SessionTransaction]:
    """A part of the request's transaction that can be undone on its own (a SAVEPOINT): the caller
    calls `.rollback()` on what it yields to undo just this part; otherwise it is kept.

    SQLite's driver opens a transaction only before its first INSERT, UPDATE or DELETE, and a
    SAVEPOINT outside a transaction would commit when released: so open one first."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        dbapi_connection = connection.connection.dbapi_connection
        assert dbapi_connection is not None  # the session's connection is checked out, so its driver connection is live
        if not dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN")
    part = session.begin_nested()
    try:
        yield part
    except BaseException:
        if part.is_active:
            part.rollback()
        raise
    if part.is_active:
        part.commit()
