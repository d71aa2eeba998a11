"""drop person trigram: SQLite's first typo index, `person_name_trigram`, goes with its triggers

0011_name_search made `person_name_trigram`, an FTS5 table of every person's two name keys, kept by
triggers on `person`. Since 0020_n_name_keys a name search reads the distinct name keys instead
(`person_name_key` and its trigram table), and nothing reads this one; its triggers still wrote two
FTS5 rows for every person added, renamed or removed (2.4 million in a West Yorkshire build).
SQLite only: PostgreSQL never had it.

Revision ID: 0023_drop_person_trigram
Revises: 0022_outward_names
Create Date: 2026-12-01 12:00:00
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "0023_drop_person_trigram"
down_revision = "0022_outward_names"
branch_labels = None
depends_on = None


def _name_search():
    """0011_name_search's module, whose table and triggers the downgrade makes again as it made them."""
    spec = importlib.util.spec_from_file_location("migration_0011_name_search", Path(__file__).with_name("0011_name_search.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in _name_search()._SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS person_name_trigram")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    name_search = _name_search()
    op.execute("CREATE VIRTUAL TABLE person_name_trigram USING fts5(given, family, content='', tokenize='trigram')")
    op.execute(f"INSERT INTO person_name_trigram (rowid, given, family) SELECT id, {name_search._padded('person')} FROM person")
    for statement in name_search._SQLITE_TRIGGERS.values():
        op.execute(statement)
