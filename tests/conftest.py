"""Test set-up: one migrated database per run (SQLite file, or a fresh PostgreSQL database
when DATABASE_URL names a server), one app per run, and tables emptied after each test."""

import os
import re
import shutil
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

import models  # noqa: F401
from app import create_app
from app.config import ROOT, normalise_database_url
from app.ops import migrate
from app.trust import audit_chain

FAST_HASH = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}

# Figures the trust tests report (routes x roles, payloads tried, concurrent saves...), printed
# at the end of the run so a closing note can quote them.
FIGURES: dict[str, str] = {}


# The longest tests go first, longest of all first, and make test hands tests out one at a time
# (--maxschedchunk 1), so no worker is left with a long one at the end while the other waits.
LONGEST_FIRST = (
    "tests/web/test_bad_input.py::test_every_field_of_every_form",
    "tests/web/test_fragments.py",
    "tests/trust/test_concurrency.py",
    "tests/web/test_caching.py",
    "tests/web/test_bad_input.py",
    "tests/trust/test_audited_pages.py",
    "tests/trust/test_access_matrix.py",
    "tests/browser/",
)


def _rank(item) -> int:
    return next((rank for rank, prefix in enumerate(LONGEST_FIRST) if item.nodeid.startswith(prefix)), len(LONGEST_FIRST))


def pytest_collection_modifyitems(items):
    items.sort(key=_rank)


def pytest_sessionfinish(session):
    # Under pytest-xdist each worker reports its figures to the controller, which prints them.
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["oneplan_figures"] = dict(FIGURES)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    FIGURES.update(getattr(node, "workeroutput", {}).get("oneplan_figures", {}))


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("OnePlan trust figures")
        for name, figure in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{name}: {figure}")


PASSWORD = "correct horse battery staple"

# How every app the tests build is configured: the run's own, a second instance for a fault, a
# process killed mid-save.
TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "PASSWORD_HASH_COST": FAST_HASH,
    # Every test client comes from 127.0.0.1: the per-address limits are tested on their own
    # (tests/trust/test_sign_in_limits.py), in the database, whatever REDIS_URL says.
    "REDIS_URL": "",
    "SIGN_IN_RATE_LIMIT": "10000 per minute",
    "API_RATE_LIMIT": "10000 per minute",
    # Users the tests make have no authenticator app and need none, as in the demo; an account
    # that has one is still asked for its code. tests/trust/test_second_factor.py turns this off.
    "SECOND_FACTOR_DEMO_SKIP": True,
    "NODE_MODULES": os.environ.get("ONEPLAN_NODE_MODULES", str(ROOT / "node_modules")),
}


def _postgres_database(server_url: str):
    """Create a database of our own on the server named by DATABASE_URL; yield its URL; drop it."""
    url = make_url(normalise_database_url(server_url))
    name = f"oneplan_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"),
                {"name": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    server = os.environ.get("DATABASE_URL", "")
    if server.startswith(("postgres", "postgresql")):
        generator = _postgres_database(server)
        url = next(generator)
        migrate.upgrade(url)
        yield url
        next(generator, None)
    else:
        path = tmp_path_factory.mktemp("db") / "oneplan-test.db"
        url = f"sqlite:///{path}"
        migrated = os.environ.get("ONEPLAN_TEST_MIGRATED_DB")
        if migrated:
            # `make mutation` runs the tests once per mutant: it migrates one database and each run starts from a copy.
            shutil.copyfile(migrated, path)
        else:
            migrate.upgrade(url)
        yield url


@pytest.fixture(scope="session")
def is_postgres(database_url):
    return database_url.startswith("postgresql")


def _empty_all_tables(engine) -> None:
    """Empty every table but the audit chain's head, which goes back to an empty chain.

    The audit trail is append-only (database triggers refuse UPDATE, DELETE and, on
    PostgreSQL, TRUNCATE); emptying it between tests is the one deliberate exception, so the
    triggers are lifted and put back inside the same transaction."""
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables) if t.name != "audit_chain_head"]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # A test that left a transaction open would make DROP TRIGGER wait for ever: fail instead.
            connection.execute(text("SET LOCAL lock_timeout = '20s'"))
        _empty(connection, tables)


def _empty(connection, tables: list[str]) -> None:
    with audit_chain.append_only_lifted(connection):
        if connection.dialect.name == "postgresql":
            connection.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f'DELETE FROM "{table}"'))
        connection.execute(text("UPDATE audit_chain_head SET seq = 0"))


@pytest.fixture(scope="session")
def shared_app(database_url):
    """One app for the run (each xdist worker has its own): building an app compiles every URL
    rule and template, which cost more than most tests themselves."""
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    yield app
    app.extensions["oneplan_engine"].dispose()


@pytest.fixture
def app(shared_app):
    """The run's app, with its configuration put back and every table emptied after each test."""
    config = dict(shared_app.config)
    yield shared_app
    shared_app.config.clear()
    shared_app.config.update(config)
    _empty_all_tables(shared_app.extensions["oneplan_engine"])


@pytest.fixture
def db(app):
    """A session on the test database, for arranging and checking the world."""
    with Session(app.extensions["oneplan_engine"], expire_on_commit=False) as session:
        yield session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class AuthActions:
    """Sign in with one line; post forms with the session's CSRF token."""

    def __init__(self, client):
        self._client = client

    def csrf_token(self) -> str:
        page = self._client.get("/sign-in").get_data(as_text=True)
        return _CSRF.search(page).group(1)

    def sign_in(self, username: str, password: str = PASSWORD):
        return self._client.post("/sign-in", data={"username": username, "password": password, "csrf_token": self.csrf_token()})

    def sign_out(self):
        return self._client.post("/sign-out", data={"csrf_token": self.csrf_token()})

    def post(self, url: str, data: dict | None = None, **kwargs):
        payload = dict(data or {})
        payload.setdefault("csrf_token", self.csrf_token())
        return self._client.post(url, data=payload, **kwargs)


@pytest.fixture
def auth(client):
    return AuthActions(client)


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """Count the SQL statements run inside the `with` block."""

    @contextmanager
    def counting():
        counter = QueryCounter()
        engine = app.extensions["oneplan_engine"]

        def before(conn, cursor, statement, parameters, context, executemany):
            counter.statements.append(statement)

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting
