"""A long list read a page at a time: how many there are, which page this is, and its rows.
Every page of the list can be reached; nothing past a limit is silently left out."""

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ScalarSelect, func
from sqlalchemy import select as select_columns
from sqlmodel import Session, select

Row = TypeVar("Row")


@dataclass
class Page(Generic[Row]):
    rows: list[Row]
    number: int
    total: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def read(session: Session, statement: Any, page: int, size: int) -> tuple[Any, int, int]:
    """The rows of page `page` (counting from 1; past the end means the last) of an ordered
    statement, the page's number and how many rows there are in all (two queries)."""
    total: int = session.exec(select(func.count()).select_from(statement.order_by(None).subquery())).one()
    number = min(max(1, page), max(1, -(-total // size)))
    return session.exec(statement.offset((number - 1) * size).limit(size)).all(), number, total


def count_up_to(statement: Any, most: Any) -> ScalarSelect:
    """How many rows `statement` gives, counted up to `most` (a number or a bound parameter) and no
    further, as a scalar subquery: a count that says "more than" past a limit reads no more rows
    than the limit, however long the list."""
    return select_columns(func.count()).select_from(statement.limit(most).subquery()).scalar_subquery()
