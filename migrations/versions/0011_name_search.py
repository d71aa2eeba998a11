"""name search: names found despite a typo ("Jonh Smith", "Smyth"), by trigram similarity

PostgreSQL: the pg_trgm extension and a GIN trigram index on each name key (the `%` operator).
SQLite: `person_name_trigram`, a contentless FTS5 table of the name keys padded as pg_trgm pads
them (two spaces before, one after), so its trigrams are pg_trgm's; rowid is the person's id.
Triggers keep it in step with `person`. NOTE for later migrations: a batch_alter_table on
`person` under SQLite recreates the table and drops these triggers; such a migration must put
them back (the statements are below).

Revision ID: 0011_name_search
Revises: 0011_review_outcome
Create Date: 2026-11-30 12:30:00
"""

from alembic import op

revision = "0011_name_search"
down_revision = "0011_review_outcome"
branch_labels = None
depends_on = None

_KEYS = ("given_name_key", "family_name_key")


def _padded(row: str) -> str:
    return ", ".join(f"'  ' || {row}.{key} || ' '" for key in _KEYS)


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
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for key in _KEYS:
            op.execute(f"CREATE INDEX ix_person_{key}_trgm ON person USING gin ({key} gin_trgm_ops)")
        return
    op.execute("CREATE VIRTUAL TABLE person_name_trigram USING fts5(given, family, content='', tokenize='trigram')")
    op.execute(f"INSERT INTO person_name_trigram (rowid, given, family) SELECT id, {_padded('person')} FROM person")
    for statement in _SQLITE_TRIGGERS.values():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for key in _KEYS:
            op.execute(f"DROP INDEX IF EXISTS ix_person_{key}_trgm")
        return  # the extension stays: other things may use it
    for name in _SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS person_name_trigram")
