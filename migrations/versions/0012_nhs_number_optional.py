"""NHS number optional: a person whose NHS number is not (yet) known can have a record

A referral can be for someone not registered with a GP, newly arrived, or awaiting a trace; and a
demo district bigger than the 999 test range (909,091 valid numbers) records the rest as not known.
`person.nhs_number` becomes nullable. It stays unique (NULLs are distinct on both databases, so any
number of people can be without one) and the length check stays (a CHECK on NULL passes).

SQLite: `batch_alter_table("person")` recreates the table, which drops the FTS5 name-search
triggers of 0011_name_search; they are put back here, as that migration wrote them. The rows are
copied with their ids, and the copy fires no trigger, so `person_name_trigram` still matches.

Downgrade: only when every person has an NHS number (NOT NULL cannot be put back otherwise); it
refuses, changing nothing, when some do not.

Revision ID: 0012_nhs_number_optional
Revises: 0011_name_search
Create Date: 2026-11-30 14:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_nhs_number_optional"
down_revision = "0011_name_search"
branch_labels = None
depends_on = None

_KEYS = ("given_name_key", "family_name_key")


def _padded(row: str) -> str:
    return ", ".join(f"'  ' || {row}.{key} || ' '" for key in _KEYS)


# As in 0011_name_search (a migration is a snapshot: the statements are copied, not imported).
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


def _set_nullable(nullable: bool) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("person", "nhs_number", existing_type=sa.String(length=10), nullable=nullable)
        return
    for name in _SQLITE_TRIGGERS:  # the recreate drops them anyway; dropped first so it is plain
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.alter_column("nhs_number", existing_type=sa.String(length=10), nullable=nullable)
    for statement in _SQLITE_TRIGGERS.values():
        op.execute(statement)


def upgrade() -> None:
    _set_nullable(True)


def downgrade() -> None:
    unknown = op.get_bind().execute(sa.text("SELECT count(*) FROM person WHERE nhs_number IS NULL")).scalar()
    if unknown:
        raise RuntimeError(
            f"{unknown} people have no NHS number: the column cannot be NOT NULL again. Give them numbers (or remove "
            "their records) before downgrading below 0012_nhs_number_optional."
        )
    _set_nullable(False)
