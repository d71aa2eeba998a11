"""Counts every worker process shares, each changed by one atomic statement: requests from a
client address (app/trust/throttle.py, without Redis) and failed sign-ins for names that are no
usable account (app/trust/accounts.py)."""

from typing import Any, Optional

from sqlalchemy import Connection, case
from sqlalchemy.dialects import postgresql, sqlite

from models import AttemptCount

TABLE = AttemptCount.__table__  # type: ignore[attr-defined]  # SQLModel's table, as SQLAlchemy Core sees it


def add(connection: Connection, key: str, expires_at: Optional[float], now: float, amount: int = 1) -> int:
    """Add to a shared count and return the new count, in one statement (an upsert with RETURNING,
    never a read and then a write), so tries that arrive together each get their own number.
    A count whose window has ended starts again; `expires_at` None keeps a count for ever."""
    dialect: Any = postgresql if connection.dialect.name == "postgresql" else sqlite
    ended = TABLE.c.expires_at <= now  # NULL (kept for ever) never ends
    statement = (
        dialect.insert(TABLE)
        .values(key=key, count=amount, expires_at=expires_at)
        .on_conflict_do_update(
            index_elements=[TABLE.c.key],
            set_={
                "count": case((ended, amount), else_=TABLE.c.count + amount),
                "expires_at": case((ended, expires_at), else_=TABLE.c.expires_at),
            },
        )
        .returning(TABLE.c.count)
    )
    count: int = connection.execute(statement).scalar_one()
    return count
