"""name keys: SQLite finds close names among the distinct name keys, not among every person

`person_name_key` holds each name key once (given or family name, normalised as
search.name_key does), with how many people hold it as a given name and as a family name;
`person_name_key_trigram` is a contentless FTS5 trigram table of those keys padded as pg_trgm
pads them, its rowid the key's id. A typed name's close keys are found there (a few hundred at
most, whatever the number of people), then the people holding them by the name indexes
(app/front_door/search.py, `_NameKeys`); with the first half of a postcode, by an index of the
names and the postcode. Triggers on `person` count the holders (a key goes when
nobody holds it), triggers on `person_name_key` keep the trigram table in step.

SQLite only: PostgreSQL has pg_trgm and `person_name_pair` (0012_daily_figures). Like
0011_name_search's, these triggers go if a later batch_alter_table rebuilds `person` on SQLite:
such a migration must put them back (SQLITE_TRIGGERS below).

Revision ID: 0020_n_name_keys
Revises: 0019_r_audit_one_statement
Create Date: 2026-12-01 04:30:00
"""

from alembic import op

revision = "0020_n_name_keys"
down_revision = "0019_r_audit_one_statement"
branch_labels = None
depends_on = None

PARTS = (("given", "given_name_key"), ("family", "family_name_key"))


def _hold(row: str) -> str:
    """Statements counting `row`'s two keys as held by one more person (a new key is added)."""
    return "\n".join(
        f"INSERT INTO person_name_key (name_key, {part}) VALUES ({row}.{key}, 1) ON CONFLICT (name_key) DO UPDATE SET {part} = {part} + 1;"
        for part, key in PARTS
    )


def _let_go(row: str) -> str:
    """Statements counting `row`'s two keys as held by one fewer person (a key nobody holds goes)."""
    counts = "\n".join(f"UPDATE person_name_key SET {part} = {part} - 1 WHERE name_key = {row}.{key};" for part, key in PARTS)
    return (
        f"{counts}\nDELETE FROM person_name_key WHERE name_key IN ({row}.given_name_key, {row}.family_name_key) "
        "AND given = 0 AND family = 0;"
    )


_PADDED = "'  ' || {row}.name_key || ' '"
SQLITE_TRIGGERS = {
    "person_name_key_insert": f"CREATE TRIGGER person_name_key_insert AFTER INSERT ON person BEGIN\n{_hold('new')}\nEND",
    "person_name_key_delete": f"CREATE TRIGGER person_name_key_delete AFTER DELETE ON person BEGIN\n{_let_go('old')}\nEND",
    "person_name_key_update": (
        "CREATE TRIGGER person_name_key_update AFTER UPDATE OF given_name_key, family_name_key ON person\n"
        "WHEN old.given_name_key IS NOT new.given_name_key OR old.family_name_key IS NOT new.family_name_key BEGIN\n"
        f"{_let_go('old')}\n{_hold('new')}\nEND"
    ),
    "person_name_key_trigram_insert": (
        "CREATE TRIGGER person_name_key_trigram_insert AFTER INSERT ON person_name_key BEGIN\n"
        f"INSERT INTO person_name_key_trigram (rowid, name_key) VALUES (new.id, {_PADDED.format(row='new')});\nEND"
    ),
    "person_name_key_trigram_delete": (
        "CREATE TRIGGER person_name_key_trigram_delete AFTER DELETE ON person_name_key BEGIN\n"
        "INSERT INTO person_name_key_trigram (person_name_key_trigram, rowid, name_key) "
        f"VALUES ('delete', old.id, {_PADDED.format(row='old')});\nEND"
    ),
}

SQLITE_TABLES = (
    """CREATE TABLE person_name_key (
        id INTEGER PRIMARY KEY,
        name_key VARCHAR(80) NOT NULL UNIQUE,
        given INTEGER NOT NULL DEFAULT 0,
        family INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE VIRTUAL TABLE person_name_key_trigram USING fts5(name_key, content='', tokenize='trigram')",
)
# A name with the first half of a postcode: each pair of names' holders in that outward code alone,
# read as a range of postcodes (with those of "WF10" too: the length of the postcode tells them apart).
SQLITE_INDEXES = {
    "ix_person_names_postcode": "CREATE INDEX ix_person_names_postcode ON person (given_name_key, family_name_key, postcode_key)",
}

BACKFILL = """INSERT INTO person_name_key (name_key, given, family)
    SELECT name_key, sum(given), sum(family) FROM (
        SELECT given_name_key AS name_key, count(*) AS given, 0 AS family FROM person GROUP BY given_name_key
        UNION ALL
        SELECT family_name_key, 0, count(*) FROM person GROUP BY family_name_key
    ) GROUP BY name_key ORDER BY name_key"""


def install_sqlite(connection) -> None:
    """The tables, their triggers, and the keys of the people already held (the trigram table
    filled by its trigger as each key goes in)."""
    for statement in (*SQLITE_TABLES, *SQLITE_TRIGGERS.values(), BACKFILL, *SQLITE_INDEXES.values()):
        connection.exec_driver_sql(statement)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    install_sqlite(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in SQLITE_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    for name in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS person_name_key_trigram")
    op.execute("DROP TABLE IF EXISTS person_name_key")
