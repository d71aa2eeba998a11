"""Demo data is written in bulk: plain rows straight into each table, no ORM objects, so a large
district loads in seconds.

`insert_rows` writes exactly what SQLAlchemy's own `insert(table)` executemany would (each value
through the column type's bind processor: the same stored text, JSON and timestamps), without its
per-row parameter building, which cost more than the database's own work: on SQLite one driver
executemany of positional tuples, on PostgreSQL one COPY (psycopg). `insert_rows_plain` is the
plain SQLAlchemy statement, kept as the reference the fast path is tested against."""

from collections.abc import Callable
from typing import Any, Optional, cast

from sqlalchemy import Column, Table, insert, inspect
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
    if statement is None:
        _copy(connection, table, names, values)
    else:
        connection.exec_driver_sql(statement, values)


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
