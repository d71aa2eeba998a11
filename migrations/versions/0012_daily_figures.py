"""daily figures: the front door's figures kept as referrals change, so the figures page counts nothing

`daily_figures`: per day in England, source and urgency, the referrals received, falling due (and
of those, triaged in time) and triaged that day. `open_referral_count`: open referrals per network.
Both are written only by the triggers below, in the transaction that changes a referral (or a
person's GP practice, or a practice's network), and backfilled here from the referrals.

England's local date of a UTC time: PostgreSQL knows Europe/London; SQLite is given the rule (British
Summer Time, UTC+1, from 01:00 UTC on the last Sunday in March to 01:00 UTC on the last Sunday in
October), checked hour by hour against zoneinfo by tests/front_door/test_daily_figures.py.

Referrals are never deleted: no trigger takes a deleted referral off (and emptying the tables
between tests leaves the counts to be emptied with them).

On PostgreSQL, also the pairs of name keys people hold, for name search at the size of West
Yorkshire (app/front_door/search.py, NAME_PAIRS).

Revision ID: 0012_daily_figures
Revises: 0012_nhs_number_optional
Create Date: 2026-11-30 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_daily_figures"
down_revision = "0012_nhs_number_optional"
branch_labels = None
depends_on = None

SOURCES = (
    "gp",
    "hospital_discharge",
    "social_care",
    "ambulance",
    "community_health",
    "mental_health",
    "voluntary",
    "self_referral",
    "family",
    "other",
)
URGENCIES = ("urgent", "two_day", "routine")
# Which columns of a referral each summary depends on: the triggers fire on changes to these only.
DAILY_COLUMNS = "received_at, due_by, triaged_at, source, urgency"
OPEN_COLUMNS = "status, linked_to_id, network_id, person_id"
INDEXES = {
    # Today's figures so far come from the referrals themselves: one day of each, by these.
    "ix_referral_received_at": ["received_at"],
    "ix_referral_due_by": ["due_by"],
    # Time to triage over the period: the triaged referrals, read from the index alone.
    "ix_referral_triaged": ["triaged_at", "received_at", "urgency"],
    # The referral queue: those awaiting a decision (or open), not joined to another, by due time,
    # with their person (read from the index alone); without it the queue read every referral not
    # joined to another (ix_referral_linked_to_id).
    "ix_referral_queue": ["status", "linked_to_id", "due_by", "person_id"],
    # Delayed discharges: hospital referrals awaiting a decision, by the day medically optimised.
    "ix_referral_awaiting_discharge": ["status", "source", "medically_optimised_on"],
}


def sqlite_local_date(moment: str) -> str:
    """England's date of a stored UTC time (text 'YYYY-MM-DD HH:MM:SS.ffffff'), in SQLite. Its date
    functions round to the millisecond (23:59:59.9999 would be tomorrow), so they get whole seconds."""
    seconds = f"substr({moment}, 1, 19)"
    march = f"date({seconds}, 'start of year', '+3 months', 'weekday 0', '-7 days') || ' 01:00:00'"
    october = f"date({seconds}, 'start of year', '+10 months', 'weekday 0', '-7 days') || ' 01:00:00'"
    return f"(CASE WHEN {moment} >= {march} AND {moment} < {october} THEN date({seconds}, '+1 hour') ELSE date({seconds}) END)"


def _local_date(moment: str, postgres: bool) -> str:
    return f"(({moment}) AT TIME ZONE 'Europe/London')::date" if postgres else sqlite_local_date(moment)


def _daily(r: str, delta: str, postgres: bool) -> list[str]:
    """The statements that add referral `r`'s part to the daily figures, `delta` times (1 or -1)."""
    upsert = "INSERT INTO daily_figures (day, source, urgency, received, due, due_in_time, triaged)"
    conflict = "ON CONFLICT (day, source, urgency) DO UPDATE SET"
    in_time = f"(CASE WHEN {r}.triaged_at IS NOT NULL AND {r}.triaged_at <= {r}.due_by THEN {delta} ELSE 0 END)"
    return [
        f"""{upsert} VALUES ({_local_date(f"{r}.received_at", postgres)}, {r}.source, {r}.urgency, {delta}, 0, 0, 0)
            {conflict} received = daily_figures.received + excluded.received""",
        f"""{upsert} VALUES ({_local_date(f"{r}.due_by", postgres)}, {r}.source, {r}.urgency, 0, {delta}, {in_time}, 0)
            {conflict} due = daily_figures.due + excluded.due, due_in_time = daily_figures.due_in_time + excluded.due_in_time""",
        f"""{upsert} SELECT {_local_date(f"{r}.triaged_at", postgres)}, {r}.source, {r}.urgency, 0, 0, 0, {delta}
            WHERE {r}.triaged_at IS NOT NULL
            {conflict} triaged = daily_figures.triaged + excluded.triaged""",
    ]


def _open(r: str, delta: str) -> str:
    """The statement that adds referral `r` to the open count of its network, if it is open."""
    practice_network = f"(SELECT a.network_id FROM person p JOIN agency a ON a.id = p.gp_practice_id WHERE p.id = {r}.person_id)"
    return f"""INSERT INTO open_referral_count (network_id, count)
        SELECT COALESCE({r}.network_id, {practice_network}, 0), {delta}
        WHERE {r}.status <> 'closed' AND {r}.linked_to_id IS NULL
        ON CONFLICT (network_id) DO UPDATE SET count = open_referral_count.count + excluded.count"""


def _moved(network: str, delta: str, where: str, join: str = "") -> str:
    """Move the open referrals with no network of their own (those `where` picks) to or from `network`."""
    return f"""INSERT INTO open_referral_count (network_id, count)
        SELECT COALESCE({network}, 0), {delta} * count(*) FROM referral r {join}
        WHERE {where} AND r.network_id IS NULL AND r.status <> 'closed' AND r.linked_to_id IS NULL
        ON CONFLICT (network_id) DO UPDATE SET count = open_referral_count.count + excluded.count"""


def _practice_network(practice_id: str) -> str:
    return f"(SELECT network_id FROM agency WHERE id = {practice_id})"


SQLITE_TRIGGERS = {
    "referral_daily_figures_insert": ("AFTER INSERT ON referral", [*_daily("new", "1", False), _open("new", "1")]),
    "referral_daily_figures_update": (
        f"AFTER UPDATE OF {DAILY_COLUMNS} ON referral",
        [*_daily("old", "-1", False), *_daily("new", "1", False)],
    ),
    "referral_open_count_update": (f"AFTER UPDATE OF {OPEN_COLUMNS} ON referral", [_open("old", "-1"), _open("new", "1")]),
    "person_open_count_update": (
        "AFTER UPDATE OF gp_practice_id ON person",
        [
            _moved(_practice_network("old.gp_practice_id"), "-1", "r.person_id = old.id"),
            _moved(_practice_network("new.gp_practice_id"), "1", "r.person_id = new.id"),
        ],
    ),
    "agency_open_count_update": (
        "AFTER UPDATE OF network_id ON agency",
        [
            _moved("old.network_id", "-1", "p.gp_practice_id = old.id", "JOIN person p ON p.id = r.person_id"),
            _moved("new.network_id", "1", "p.gp_practice_id = new.id", "JOIN person p ON p.id = r.person_id"),
        ],
    ),
}

POSTGRES_FUNCTIONS = {
    "referral_daily_figures": [*_daily("OLD", "-1", True), *_daily("NEW", "1", True)],
    "referral_open_count": [_open("OLD", "-1"), _open("NEW", "1")],
    "person_open_count": [
        _moved(_practice_network("OLD.gp_practice_id"), "-1", "r.person_id = OLD.id"),
        _moved(_practice_network("NEW.gp_practice_id"), "1", "r.person_id = NEW.id"),
    ],
    "agency_open_count": [
        _moved("OLD.network_id", "-1", "p.gp_practice_id = OLD.id", "JOIN person p ON p.id = r.person_id"),
        _moved("NEW.network_id", "1", "p.gp_practice_id = NEW.id", "JOIN person p ON p.id = r.person_id"),
    ],
}
POSTGRES_TRIGGERS = {
    "referral_daily_figures_insert": ("AFTER INSERT ON referral", "referral_daily_figures"),
    "referral_daily_figures_update": (f"AFTER UPDATE OF {DAILY_COLUMNS} ON referral", "referral_daily_figures"),
    "referral_open_count_insert": ("AFTER INSERT ON referral", "referral_open_count"),
    "referral_open_count_update": (f"AFTER UPDATE OF {OPEN_COLUMNS} ON referral", "referral_open_count"),
    "person_open_count_update": ("AFTER UPDATE OF gp_practice_id ON person", "person_open_count"),
    "agency_open_count_update": ("AFTER UPDATE OF network_id ON agency", "agency_open_count"),
}


def _postgres_function(name: str, statements: list[str]) -> str:
    """A trigger function: the OLD row's part taken off (on UPDATE), the NEW row's added."""
    half = len(statements) // 2
    old = "".join(f"        {statement};\n" for statement in statements[:half])
    new = "".join(f"    {statement};\n" for statement in statements[half:])
    return f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
{old}    END IF;
{new}    RETURN NULL;
END $$"""


# Name search on PostgreSQL (app/front_door/search.py, NAME_PAIRS): the pairs of name keys people
# hold, with how many hold each, found by trigram (or start) and ranked pair by pair; then only the
# people of the pairs that make the page are read, in order, from ix_person_names_born. Not a model
# (SQLite has its FTS5 table instead): the schema comparison leaves these out (NAME_SEARCH_OBJECTS).
NAME_PAIRS_SQL = [
    """CREATE TABLE person_name_pair (
        given_name_key VARCHAR(80) NOT NULL,
        family_name_key VARCHAR(80) NOT NULL,
        people INTEGER NOT NULL,
        PRIMARY KEY (family_name_key, given_name_key)
    )""",
    """INSERT INTO person_name_pair (given_name_key, family_name_key, people)
        SELECT given_name_key, family_name_key, count(*) FROM person GROUP BY given_name_key, family_name_key""",
    "CREATE INDEX ix_person_name_pair_given ON person_name_pair (given_name_key)",
    "CREATE INDEX ix_person_name_pair_given_trgm ON person_name_pair USING gin (given_name_key gin_trgm_ops)",
    "CREATE INDEX ix_person_name_pair_family_trgm ON person_name_pair USING gin (family_name_key gin_trgm_ops)",
    "CREATE INDEX ix_person_names_born ON person (given_name_key, family_name_key, date_of_birth, id)",
    """CREATE FUNCTION person_name_pair_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM person_name_pair;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE person_name_pair SET people = people - 1
            WHERE given_name_key = OLD.given_name_key AND family_name_key = OLD.family_name_key;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO person_name_pair (given_name_key, family_name_key, people) VALUES (NEW.given_name_key, NEW.family_name_key, 1)
            ON CONFLICT (family_name_key, given_name_key) DO UPDATE SET people = person_name_pair.people + 1;
    END IF;
    RETURN NULL;
END $$""",
    "CREATE TRIGGER person_name_pair_change AFTER INSERT OR DELETE OR UPDATE OF given_name_key, family_name_key ON person "
    "FOR EACH ROW EXECUTE FUNCTION person_name_pair_count()",
    "CREATE TRIGGER person_name_pair_truncate AFTER TRUNCATE ON person FOR EACH STATEMENT EXECUTE FUNCTION person_name_pair_count()",
]
NAME_PAIRS_DROP = [
    "DROP TRIGGER IF EXISTS person_name_pair_truncate ON person",
    "DROP TRIGGER IF EXISTS person_name_pair_change ON person",
    "DROP FUNCTION IF EXISTS person_name_pair_count()",
    "DROP INDEX IF EXISTS ix_person_names_born",
    "DROP TABLE IF EXISTS person_name_pair",
]


def backfill(connection, postgres: bool) -> None:
    """Both summaries from the referrals as they stand (in one statement each)."""
    r = "referral"
    parts = [
        f"SELECT {_local_date('received_at', postgres)} AS day, source, urgency, 1 AS received, 0 AS due, 0 AS due_in_time, 0 AS triaged FROM {r}",
        f"SELECT {_local_date('due_by', postgres)}, source, urgency, 0, 1, "
        f"CASE WHEN triaged_at IS NOT NULL AND triaged_at <= due_by THEN 1 ELSE 0 END, 0 FROM {r}",
        f"SELECT {_local_date('triaged_at', postgres)}, source, urgency, 0, 0, 0, 1 FROM {r} WHERE triaged_at IS NOT NULL",
    ]
    connection.execute(sa.text("DELETE FROM daily_figures"))
    connection.execute(
        sa.text(
            "INSERT INTO daily_figures (day, source, urgency, received, due, due_in_time, triaged) "
            "SELECT day, source, urgency, sum(received), sum(due), sum(due_in_time), sum(triaged) "
            f"FROM ({' UNION ALL '.join(parts)}) AS parts GROUP BY day, source, urgency"
        )
    )
    connection.execute(sa.text("DELETE FROM open_referral_count"))
    connection.execute(
        sa.text(
            "INSERT INTO open_referral_count (network_id, count) "
            "SELECT COALESCE(r.network_id, a.network_id, 0) AS network, count(*) FROM referral r "
            "JOIN person p ON p.id = r.person_id LEFT JOIN agency a ON a.id = p.gp_practice_id "
            "WHERE r.status <> 'closed' AND r.linked_to_id IS NULL GROUP BY COALESCE(r.network_id, a.network_id, 0)"
        )
    )


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "daily_figures",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", sa.Enum(*SOURCES, name="referral_source", native_enum=False, length=32), nullable=False),
        sa.Column("urgency", sa.Enum(*URGENCIES, name="urgency", native_enum=False, length=32), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("due", sa.Integer(), nullable=False),
        sa.Column("due_in_time", sa.Integer(), nullable=False),
        sa.Column("triaged", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "source", "urgency"),
    )
    op.create_table(
        "open_referral_count",
        sa.Column("network_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("network_id"),
    )
    for name, columns in INDEXES.items():
        op.create_index(name, "referral", columns, unique=False)
    if postgres:
        for name, statements in POSTGRES_FUNCTIONS.items():
            op.execute(_postgres_function(name, statements))
        for name, (when, function) in POSTGRES_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} FOR EACH ROW EXECUTE FUNCTION {function}()")
        for statement in NAME_PAIRS_SQL:
            op.execute(statement)
    else:
        for name, (when, statements) in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} BEGIN\n" + ";\n".join(statements) + ";\nEND")
    backfill(op.get_bind(), postgres)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        for statement in NAME_PAIRS_DROP:
            op.execute(statement)
        for name, (when, _function) in POSTGRES_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {when.split(' ON ')[1]}")
        for name in POSTGRES_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for name in INDEXES:
        op.drop_index(name, table_name="referral")
    op.drop_table("open_referral_count")
    op.drop_table("daily_figures")
