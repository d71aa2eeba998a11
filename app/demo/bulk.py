"""Demo data is written in bulk: plain rows straight into each table, no ORM objects, so a large
district loads in seconds."""

from typing import Any, cast

from sqlalchemy import Table, insert, inspect
from sqlmodel import Session, SQLModel


def insert_rows(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    """One INSERT of all `rows` (an executemany) into `model`'s table."""
    # The mapper's table is the model's `__table__`, which SQLModel's types do not declare.
    table = cast(Table, inspect(model).local_table)
    session.execute(insert(table), rows)
