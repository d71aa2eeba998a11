"""Limits per client address on signing in and on the FHIR API, counted where every worker
process sees the same count: in Redis when `REDIS_URL` is set, otherwise in the database
(`attempt_count`). A count kept in each worker's memory would let every gunicorn worker allow
the whole limit again.

The per-account side of sign-in (a lock after too many wrong passwords in a row) is
app/trust/accounts.py's; this module only slows down whoever sends too many requests."""

import time
from typing import Any, Optional

from flask import Blueprint, Flask, request
from flask_limiter import Limit, Limiter
from flask_limiter.util import get_remote_address
from limits.storage import Storage
from sqlalchemy import delete, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.trust import attempt_counts

SIGN_IN_REFUSED = "There have been too many sign-in attempts from your network. Wait a minute, then try again."
API_REFUSED = "Too many requests from this address. Wait a minute, then try again."
DATABASE_STORE = "oneplan-database://"

_COUNTS = attempt_counts.TABLE


class DatabaseStorage(Storage):
    """Flask-Limiter's counts kept in OnePlan's own database, for a deployment without Redis. Each
    count is its own short transaction, apart from the request's, so a request that fails has
    still been counted, and the request's own transaction never waits on it."""

    STORAGE_SCHEME = ["oneplan-database"]

    def __init__(self, uri: Optional[str] = None, wrap_exceptions: bool = False, engine: Optional[Engine] = None, **options: Any):
        super().__init__(uri, wrap_exceptions, **options)
        if engine is None:
            raise ValueError("the database store needs the application's engine (storage option `engine`)")
        self.engine = engine

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        with self.engine.begin() as connection:
            count = attempt_counts.add(connection, key, now + expiry, now, amount)
            if count == amount:  # a window started: the right moment to forget those that ended
                connection.execute(delete(_COUNTS).where(_COUNTS.c.expires_at <= now))
        return count

    def get(self, key: str) -> int:
        with self.engine.connect() as connection:
            count = connection.execute(select(_COUNTS.c.count).where(_COUNTS.c.key == key, _COUNTS.c.expires_at > time.time())).scalar()
        return int(count or 0)

    def get_expiry(self, key: str) -> float:
        with self.engine.connect() as connection:
            expires_at = connection.execute(select(_COUNTS.c.expires_at).where(_COUNTS.c.key == key)).scalar()
        return float(expires_at) if expires_at is not None else time.time()

    def check(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> Optional[int]:
        with self.engine.begin() as connection:
            cleared: int = connection.execute(delete(_COUNTS).where(_COUNTS.c.expires_at.is_not(None))).rowcount
        return cleared

    def clear(self, key: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(_COUNTS).where(_COUNTS.c.key == key))


def init_app(app: Flask, api: Blueprint) -> Limiter:
    """Limit sign-in attempts and API requests per client address. Called before any blueprint
    is registered, so the limits are checked before any other work of the request: Flask-Limiter
    checks default and blueprint limits first thing; a limit on the view itself would be checked
    only after the signed-in session is loaded (whose idle sign-out may already hold SQLite's
    write lock, which the database store would then wait for)."""
    redis_url = app.config.get("REDIS_URL") or ""
    options: dict[str, Any] = {} if redis_url else {"engine": app.extensions["oneplan_engine"]}
    sign_in = Limit(
        lambda: app.config["SIGN_IN_RATE_LIMIT"],
        methods=["POST"],
        # Staff sign-in, and people's (app/my_record: signing in, and taking up an invitation code).
        exempt_when=lambda: request.endpoint not in ("trust.sign_in", "my_record.sign_in", "my_record.start"),
        error_message=SIGN_IN_REFUSED,
    )
    limiter = Limiter(
        get_remote_address,
        app=None,
        default_limits=[sign_in],
        storage_uri=redis_url or DATABASE_STORE,
        storage_options=options,
        strategy="fixed-window",
        key_prefix=app.config["RATELIMIT_KEY_PREFIX"],
        headers_enabled=True,
    )
    limiter.limit(lambda: app.config["API_RATE_LIMIT"], error_message=API_REFUSED)(api)
    # The limits above are the only ones: sign-in's counts POSTs, the API's every request. Any other
    # request (every page read) skips the limiter's own work of finding that no limit applies.
    limiter.request_filter(lambda: request.method != "POST" and request.blueprint != api.name)
    limiter.init_app(app)
    return limiter
