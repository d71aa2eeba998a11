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

from alembic import op

revision = "0023_drop_person_trigram"
down_revision = "0022_outward_names"
branch_labels = None
depends_on = None

_KEYS = ("given_name_key", "family_name_key")


def _padded(row: str) -> str:
    return ", ".join(f"'  ' || {row}.{key} || ' '" for key in _KEYS)


# As 0011_name_search made them (repeated: a migration does not change once written), for the downgrade.
_SQLITE_TRIGGERS = {
    "person_name_trigram_insert": f"""
        CREATE TRIGGER person_name_trigram_insert AFTER INSERT ON person BEGIN
            INSERT INTO person_name_trigram (rowid, given, family) VALUES (new.id, {_padded("new")});
        END""",
    "person_name_trigram_delete": f"""
        CREATE TRIGGER person_name_trigram_delete AFTER DELETE ON person BEGIN
            INSERT INTO person_name_trigram (person_name_trigram, rowid, given, family) VALUES ('delete', old.id, {_padded("old")});
        END""",
    "person_name_trigram_update": f"""
        CREATE TRIGGER person_name_trigram_update AFTER UPDATE OF id, given_name_key, family_name_key ON person BEGIN
            INSERT INTO person_name_trigram (person_name_trigram, rowid, given, family) VALUES ('delete', old.id, {_padded("old")});
            INSERT INTO person_name_trigram (rowid, given, family) VALUES (new.id, {_padded("new")});
        END""",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in _SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS person_name_trigram")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE VIRTUAL TABLE person_name_trigram USING fts5(given, family, content='', tokenize='trigram')")
    op.execute(f"INSERT INTO person_name_trigram (rowid, given, family) SELECT id, {_padded('person')} FROM person")
    for statement in _SQLITE_TRIGGERS.values():
        op.execute(statement)
