"""Demo data is written in bulk: plain rows straight into each table, no ORM objects, so a large
district loads in seconds.

`insert_rows` writes exactly what SQLAlchemy's own `insert(table)` executemany would (each value
through the column type's bind processor: the same stored text, JSON and timestamps), without its
per-row parameter building, which cost more than the database's own work: on SQLite one driver
executemany of positional tuples, on PostgreSQL one COPY (psycopg). `insert_rows_plain` is the
plain SQLAlchemy statement, kept as the reference the fast path is tested against."""

from collections.abc import Callable
from typing import Any, Optional, cast

from sqlalchemy import Column, Table, insert, inspect, text
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.schema import ScalarElementColumnDefault
from sqlmodel import Session, SQLModel


def _table(model: type[SQLModel]) -> Table:
    # The mapper's table is the model's `__table__`, which SQLModel's types do not declare.
    return cast(Table, inspect(model).local_table)


def insert_rows_plain(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    """One INSERT of all `rows` (an executemany) into `model`'s table, by SQLAlchemy."""
    session.execute(insert(_table(model)), rows)


def insert_rows(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    """All `rows` (dicts with the same keys) into `model`'s table, as `insert_rows_plain` would: a
    column left out gets its constant default (one with any other default goes SQLAlchemy's way)."""
    if not rows:
        return
    table = _table(model)
    given = list(rows[0])
    constants: dict[str, Any] = {}
    for column in table.c:
        if column.name in given:
            continue
        if column.onupdate is not None or (column.default is not None and not column.default.is_scalar):
            insert_rows_plain(session, model, rows)
            return
        if column.default is not None:
            constants[column.name] = cast(ScalarElementColumnDefault, column.default).arg
    connection = session.connection()
    dialect = connection.dialect
    names = given + list(constants)
    statement: Optional[str] = None
    if dialect.name == "postgresql":
        if dialect.driver != "psycopg":
            insert_rows_plain(session, model, rows)
            return
    else:
        compiled = insert(table).compile(dialect=dialect, column_keys=names)
        if not compiled.positional or sorted(compiled.positiontup or ()) != sorted(names):
            insert_rows_plain(session, model, rows)
            return
        statement, names = str(compiled), list(compiled.positiontup or ())
    processors = [_processor(table.c[name], dialect) for name in names]
    by_column: list[list[Any]] = []  # column by column: a list and one map of its processor each
    for name, process in zip(names, processors, strict=True):
        given_values = [constants[name]] * len(rows) if name in constants else [row[name] for row in rows]
        by_column.append(given_values if process is None else list(map(process, given_values)))
    values = list(zip(*by_column, strict=True))
    written = session.info.setdefault(_WRITTEN, {})
    written[table.name] = written.get(table.name, 0) + len(rows)
    if statement is None:
        _copy(connection, table, names, values)
    else:
        connection.exec_driver_sql(statement, values)


_WRITTEN = "oneplan_bulk_rows_written"  # session.info: rows written by insert_rows, by table
_ANALYSED = "oneplan_bulk_rows_analysed"  # session.info: rows a table held when last analysed
ANALYZE_FROM = 10_000
# Kept by triggers on the bulk-loaded tables: analysed with them, so the triggers' own statements
# are planned for what they hold.
SUMMARIES = ("daily_figures", "open_referral_count", "triage_time", "discharge_board_entry", "person_name_pair")


def commit(session: Session) -> None:
    """Commit a chunk of bulk rows. On PostgreSQL, then ANALYZE each table whose rows have at least
    doubled (and reached ANALYZE_FROM) since it was last analysed, with the summaries its triggers
    keep. A server may run without autovacuum (this machine's does), and without statistics a
    trigger plans its statements for the empty table it first met and keeps that plan: at 2.4
    million people the referrals then went in at about 60 a second, each trigger scanning the
    referrals already written, against thousands a second with fresh statistics."""
    session.commit()
    if session.get_bind().dialect.name != "postgresql":
        return
    written: dict[str, int] = session.info.get(_WRITTEN, {})
    analysed: dict[str, int] = session.info.setdefault(_ANALYSED, {})
    due = [table for table, rows in written.items() if rows >= max(ANALYZE_FROM, 2 * analysed.get(table, 0))]
    if not due:
        return
    for table in [*due, *SUMMARIES]:
        session.execute(text(f'ANALYZE "{table}"'))
    session.commit()
    analysed.update({table: written[table] for table in due})


def _processor(column: Column, dialect: Dialect) -> Optional[Callable[[Any], Any]]:
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def _copy(connection: Connection, table: Table, names: list[str], values: list[tuple]) -> None:
    """PostgreSQL's COPY ... FROM STDIN through psycopg: each value dumped by psycopg's adapters (the
    JSON columns' values are already psycopg Json objects, from their bind processors)."""
    quote = connection.dialect.identifier_preparer.quote
    driver_connection = connection.connection.driver_connection
    assert driver_connection is not None  # the session's connection is checked out
    with driver_connection.cursor() as cursor:
        statement = f"COPY {quote(table.name)} ({', '.join(quote(name) for name in names)}) FROM STDIN"
        with cursor.copy(statement) as copy:
            for row in values:
                copy.write_row(row)
