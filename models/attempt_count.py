from typing import Optional

from sqlmodel import Field, SQLModel


class AttemptCount(SQLModel, table=True):
    """A count every worker process shares: requests from one client address in the current
    window (the sign-in and API limits, when there is no Redis), and failed sign-ins for a name
    that is no usable account. Changed only by one atomic upsert (app/trust/throttle.py)."""

    __tablename__ = "attempt_count"

    key: str = Field(primary_key=True, max_length=255)
    count: int = Field(default=0)
    # When the count starts again from nothing, in seconds since the epoch; None: never.
    expires_at: Optional[float] = Field(default=None)
