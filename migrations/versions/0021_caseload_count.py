"""caseload count: how many people each agency has on its caseload, kept as care teams change

`agency_caseload` holds, for each agency, the distinct people in whose care team it is now (a row
of care_team_member with left_at null). My work said "Your agency has N people on its caseload" by
counting them on every visit: at 2.4 million people a busy agency holds tens of thousands, so the
count grew with the district. Triggers on care_team_member keep it in the transaction that changes
a care team, and it is backfilled here.

A person counts once however many rows place the agency in their team (a second member of staff
from the same agency, say): a change adds one only if no other current row of that agency and
person is left, and takes one off only if none is left after it: on SQLite a row trigger each, as
each row changes; on PostgreSQL a statement trigger (POSTGRES_TRIGGERS says why), which locks the
agencies' counts first, so two teams changing at once for the same agency and person are counted
one after the other, the second seeing what the first committed.

SQLite caution (as for 0013_growth): `batch_alter_table` on care_team_member drops these triggers
(SQLITE_TRIGGERS): a migration that does so must make them again.

Revision ID: 0021_caseload_count
Revises: 0020_n_name_keys
Create Date: 2026-12-01 10:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_caseload_count"
down_revision = "0020_n_name_keys"
branch_labels = None
depends_on = None


def _others(row: str, besides: bool) -> str:
    """Whether any current row of care_team_member places `row`'s agency in `row`'s person's team
    (other than `row` itself, with `besides`)."""
    other = f" AND m.id <> {row}.id" if besides else ""
    return (
        "EXISTS (SELECT 1 FROM care_team_member m "
        f"WHERE m.agency_id = {row}.agency_id AND m.person_id = {row}.person_id AND m.left_at IS NULL{other})"
    )


def joins(row: str) -> str:
    """`row` (current) places its agency in its person's team: one more person, unless another row did already."""
    return (
        f"INSERT INTO agency_caseload (agency_id, people) SELECT {row}.agency_id, 1 "
        f"WHERE {row}.left_at IS NULL AND NOT {_others(row, besides=True)} "
        "ON CONFLICT (agency_id) DO UPDATE SET people = agency_caseload.people + 1"
    )


def leaves(row: str) -> str:
    """`row` (current before the change) no longer places its agency in its person's team: one fewer
    person, unless another current row still does."""
    return (
        f"UPDATE agency_caseload SET people = people - 1 WHERE agency_id = {row}.agency_id "
        f"AND {row}.left_at IS NULL AND NOT {_others(row, besides=False)}"
    )


# An update that leaves the agency, person and whether the row is current as they were changes nothing.
CHANGED = (
    "(old.left_at IS NULL OR new.left_at IS NULL) AND NOT (old.agency_id = new.agency_id "
    "AND old.person_id = new.person_id AND (old.left_at IS NULL) = (new.left_at IS NULL))"
)
SQLITE_TRIGGERS = {
    "care_team_caseload_insert": f"AFTER INSERT ON care_team_member WHEN new.left_at IS NULL BEGIN\n{joins('new')};\nEND",
    "care_team_caseload_delete": f"AFTER DELETE ON care_team_member WHEN old.left_at IS NULL BEGIN\n{leaves('old')};\nEND",
    "care_team_caseload_update": (
        f"AFTER UPDATE OF agency_id, person_id, left_at ON care_team_member WHEN {CHANGED} BEGIN\n{leaves('old')};\n{joins('new')};\nEND"
    ),
}


# PostgreSQL fires a row trigger only once the whole statement is done, so each row's would see the
# others' changes (two rows of one agency and person ended by one UPDATE would each take one off):
# a statement trigger instead, one for each kind of statement, reading the rows it changed as they
# were (`old_rows`) and as they are (`new_rows`). For each agency and person whose current rows it
# changed, the person counted before (current rows now, less those it made, plus those it ended) and
# after (current rows now). The agencies' counts are made if missing and locked first, so a
# concurrent change to the same agency waits for this transaction, and the statement that counts,
# taking a new snapshot, sees what an earlier one committed.
_NO_ROWS = "(SELECT agency_id, person_id, left_at FROM care_team_member WHERE false)"
POSTGRES_TRIGGERS = {
    # name: (event, transition tables, rows as they are, rows as they were)
    "care_team_caseload_insert": ("INSERT", "NEW TABLE AS new_rows", "new_rows", _NO_ROWS),
    "care_team_caseload_update": ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows", "new_rows", "old_rows"),
    "care_team_caseload_delete": ("DELETE", "OLD TABLE AS old_rows", _NO_ROWS, "old_rows"),
}


def postgres_function(name: str, new_rows: str, old_rows: str) -> str:
    changed = f"""SELECT agency_id, person_id, sum(delta) AS delta FROM (
            SELECT agency_id, person_id, 1 AS delta FROM {new_rows} AS n WHERE left_at IS NULL
            UNION ALL
            SELECT agency_id, person_id, -1 FROM {old_rows} AS o WHERE left_at IS NULL
        ) AS d GROUP BY agency_id, person_id HAVING sum(delta) <> 0"""
    return f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO agency_caseload (agency_id, people)
        SELECT DISTINCT agency_id, 0 FROM ({changed}) AS c ORDER BY agency_id
        ON CONFLICT (agency_id) DO NOTHING;
    PERFORM 1 FROM agency_caseload WHERE agency_id IN (SELECT agency_id FROM ({changed}) AS c) ORDER BY agency_id FOR UPDATE;
    WITH changed AS ({changed}),
    pairs AS (
        SELECT c.agency_id, c.delta, (
            SELECT count(*) FROM care_team_member m
            WHERE m.agency_id = c.agency_id AND m.person_id = c.person_id AND m.left_at IS NULL
        ) AS rows_now FROM changed c
    ),
    moved AS (
        SELECT agency_id, sum((rows_now > 0)::integer - ((rows_now - delta) > 0)::integer) AS people FROM pairs GROUP BY agency_id
    )
    UPDATE agency_caseload k SET people = k.people + moved.people FROM moved WHERE k.agency_id = moved.agency_id AND moved.people <> 0;
    RETURN NULL;
END $$"""


BACKFILL = """INSERT INTO agency_caseload (agency_id, people)
    SELECT agency_id, count(DISTINCT person_id) FROM care_team_member WHERE left_at IS NULL GROUP BY agency_id"""


def upgrade() -> None:
    op.create_table(
        "agency_caseload",
        sa.Column("agency_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("agency_id"),
    )
    if op.get_bind().dialect.name == "postgresql":
        for name, (event, tables, new_rows, old_rows) in POSTGRES_TRIGGERS.items():
            op.execute(postgres_function(name, new_rows, old_rows))
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON care_team_member REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
            )
    else:
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute(BACKFILL)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in POSTGRES_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON care_team_member")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("agency_caseload")
