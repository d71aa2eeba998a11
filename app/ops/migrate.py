"""Run the Alembic migrations from Python, so no alembic.ini is needed."""

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from app.config import ROOT
from app.db import private_sqlite_file


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    private_sqlite_file(database_url)  # the first upgrade is what creates a SQLite database
    command.upgrade(alembic_config(database_url), revision)


def current(database_url: str) -> str | None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def describe(database_url: str) -> str:
    return make_url(database_url).render_as_string(hide_password=True)
