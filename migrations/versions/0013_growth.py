"""growth: the discharge board read a page at a time from an index kept by triggers

`discharge_board_entry`: one row per referral on a network's discharge board (a hospital discharge
referral, not joined to another, with the day the person was ready to leave, not declined or
signposted), with its network (the one triage allocated, else that of the person's GP practice),
the day the person got home and what holds them. Written only by the triggers below, in the
transaction that changes a referral, its discharge wait, a person's GP practice or a practice's
network, and backfilled here. So the board reads one page of one network's waits, longest first,
from ix_discharge_board_entry_network, whatever the size of the district.

`triage_time`: for the front door's median time from receipt to triage, how many referrals triaged
on each day in England, by urgency, took each time, in whole minutes rounded down, counted by
whole days of it (level 0), whole hours (level 1) and minutes (level 2); kept by triggers on
`referral` as `daily_figures` is, and backfilled here. England's date of a UTC time on SQLite is
0012_daily_figures' rule (repeated here: a migration does not change once written).

On SQLite, the person's names in order, family name first and given name first (as PostgreSQL's
ix_person_names_born), so a name search reads the first page of each kind of match in order
instead of sorting every person whose name starts with what was typed (app/front_door/search.py).

SQLite caution (as for 0012_daily_figures): `batch_alter_table` on referral, person, agency or
discharge_wait drops these triggers (SQLITE_TRIGGERS): a migration that does so must make them again.

Revision ID: 0013_growth
Revises: 0012_daily_figures
Create Date: 2026-11-30 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_growth"
down_revision = "0012_daily_figures"
branch_labels = None
depends_on = None

DELAY_REASONS = ("package_of_care", "equipment", "assessment", "housing", "family", "care_home", "transport", "medicines", "other")
# The columns of a referral that decide whether (and where) it is on the board.
BOARD_COLUMNS = "source, linked_to_id, medically_optimised_on, status, network_id, person_id"
BOARD_INDEXES = {
    "ix_discharge_board_entry_network": ["network_id", "home_on", "ready_on", "referral_id", "delay_reason"],
    "ix_discharge_board_entry_home_on": ["home_on", "ready_on", "network_id", "delay_reason"],
}


URGENCIES = ("urgent", "two_day", "routine")
TRIAGE_COLUMNS = "received_at, triaged_at, urgency"
LEVELS = ((0, 1440), (1, 60), (2, 1))  # level, minutes a bucket
# SQLite's name search (PostgreSQL has ix_person_names_born already, from 0012_daily_figures).
SQLITE_NAME_INDEXES = {
    "ix_person_names_born": ["given_name_key", "family_name_key", "date_of_birth", "id"],
    "ix_person_family_names_born": ["family_name_key", "given_name_key", "date_of_birth", "id"],
}


def sqlite_local_date(moment: str) -> str:
    """England's date of a stored UTC time, in SQLite (as in 0012_daily_figures)."""
    seconds = f"substr({moment}, 1, 19)"
    march = f"date({seconds}, 'start of year', '+3 months', 'weekday 0', '-7 days') || ' 01:00:00'"
    october = f"date({seconds}, 'start of year', '+10 months', 'weekday 0', '-7 days') || ' 01:00:00'"
    return f"(CASE WHEN {moment} >= {march} AND {moment} < {october} THEN date({seconds}, '+1 hour') ELSE date({seconds}) END)"


def whole_minutes(received: str, triaged: str, postgres: bool) -> str:
    """Whole minutes (rounded down, none below 0) from `received` to `triaged`. SQLite's date
    functions round to the millisecond and its julianday() is a float, so the stored text
    ('YYYY-MM-DD HH:MM:SS.ffffff') is read as whole seconds and microseconds: exact."""
    if postgres:
        return f"GREATEST(floor(extract(epoch FROM ({triaged}) - ({received})) / 60), 0)::integer"
    micro = (
        f"((strftime('%s', substr({triaged}, 1, 19)) - strftime('%s', substr({received}, 1, 19))) * 1000000"
        f" + CAST(substr({triaged}, 21, 6) AS INTEGER) - CAST(substr({received}, 21, 6) AS INTEGER))"
    )
    return f"(CASE WHEN {micro} < 0 THEN 0 ELSE {micro} / 60000000 END)"


def _levels(postgres: bool) -> str:
    return " UNION ALL ".join(f"SELECT {level} AS level, {width} AS width" for level, width in LEVELS)


def _triage_time(r: str, delta: str, postgres: bool) -> str:
    """The statement that adds referral `r`'s time to triage to `triage_time`, `delta` times (1 or -1)."""
    day = f"(({r}.triaged_at) AT TIME ZONE 'Europe/London')::date" if postgres else sqlite_local_date(f"{r}.triaged_at")
    minutes = whole_minutes(f"{r}.received_at", f"{r}.triaged_at", postgres)
    return f"""INSERT INTO triage_time (level, day, urgency, bucket, referrals)
        SELECT levels.level, {day}, {r}.urgency, {minutes} / levels.width, {delta} FROM ({_levels(postgres)}) AS levels
        WHERE {r}.triaged_at IS NOT NULL
        ON CONFLICT (level, day, urgency, bucket) DO UPDATE SET referrals = triage_time.referrals + excluded.referrals"""


def _board(where: str) -> list[str]:
    """The statements that make the board entries of the referrals `where` picks (`r` a referral)
    what they are now: taken off, then put back if the referral is on the board."""
    return [
        f"DELETE FROM discharge_board_entry WHERE referral_id IN (SELECT r.id FROM referral r WHERE {where})",
        f"""INSERT INTO discharge_board_entry (referral_id, network_id, ready_on, home_on, delay_reason)
        SELECT r.id, COALESCE(r.network_id, a.network_id), r.medically_optimised_on, w.home_on, w.delay_reason
        FROM referral r JOIN person p ON p.id = r.person_id
        LEFT JOIN agency a ON a.id = p.gp_practice_id
        LEFT JOIN discharge_wait w ON w.referral_id = r.id
        WHERE ({where}) AND r.source = 'hospital_discharge' AND r.linked_to_id IS NULL
        AND r.medically_optimised_on IS NOT NULL AND r.status NOT IN ('declined', 'signposted')""",
    ]


def _statements(new: str, old: str) -> dict[str, list[str]]:
    """Per table, what a change to one of its rows (`new`, and `old` before an update) redoes."""
    return {
        "referral": _board(f"r.id IN ({old}.id, {new}.id)"),
        "discharge_wait": _board(f"r.id IN ({old}.referral_id, {new}.referral_id)"),
        "person": _board(f"r.person_id = {new}.id"),
        "agency": _board(f"r.person_id IN (SELECT id FROM person WHERE gp_practice_id = {new}.id)"),
    }


SQLITE_TRIGGERS = {
    "referral_discharge_board_insert": ("AFTER INSERT ON referral", _board("r.id = new.id")),
    "referral_discharge_board_update": (f"AFTER UPDATE OF {BOARD_COLUMNS} ON referral", _statements("new", "old")["referral"]),
    "referral_discharge_board_delete": ("AFTER DELETE ON referral", ["DELETE FROM discharge_board_entry WHERE referral_id = old.id"]),
    "discharge_wait_board_insert": ("AFTER INSERT ON discharge_wait", _board("r.id = new.referral_id")),
    "discharge_wait_board_update": (
        "AFTER UPDATE OF referral_id, home_on, delay_reason ON discharge_wait",
        _statements("new", "old")["discharge_wait"],
    ),
    "person_discharge_board_update": ("AFTER UPDATE OF gp_practice_id ON person", _statements("new", "old")["person"]),
    "agency_discharge_board_update": ("AFTER UPDATE OF network_id ON agency", _statements("new", "old")["agency"]),
    "referral_triage_time_insert": ("AFTER INSERT ON referral", [_triage_time("new", "1", False)]),
    "referral_triage_time_update": (
        f"AFTER UPDATE OF {TRIAGE_COLUMNS} ON referral",
        [_triage_time("old", "-1", False), _triage_time("new", "1", False)],
    ),
}

POSTGRES_TRIGGERS = {
    # name: (when, function)
    "referral_discharge_board_change": (f"AFTER INSERT OR UPDATE OF {BOARD_COLUMNS} ON referral", "referral_discharge_board"),
    "referral_discharge_board_delete": ("AFTER DELETE ON referral", "referral_discharge_board_gone"),
    "discharge_wait_board_change": (
        "AFTER INSERT OR UPDATE OF referral_id, home_on, delay_reason ON discharge_wait",
        "discharge_wait_board",
    ),
    "person_discharge_board_update": ("AFTER UPDATE OF gp_practice_id ON person", "person_discharge_board"),
    "agency_discharge_board_update": ("AFTER UPDATE OF network_id ON agency", "agency_discharge_board"),
    "referral_triage_time_insert": ("AFTER INSERT ON referral", "referral_triage_time"),
    "referral_triage_time_update": (f"AFTER UPDATE OF {TRIAGE_COLUMNS} ON referral", "referral_triage_time"),
}


def _postgres_functions() -> dict[str, str]:
    def function(name: str, statements: list[str]) -> str:
        body = "".join(f"    {statement};\n" for statement in statements)
        return f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n{body}    RETURN NULL;\nEND $$"

    # On INSERT, OLD is null in PL/pgSQL: NEW stands in for it.
    on_insert_too = "(CASE WHEN TG_OP = 'INSERT' THEN NEW ELSE OLD END)"
    changed = _statements("NEW", "OLD")
    return {
        "referral_discharge_board": function(
            "referral_discharge_board", [s.replace("OLD.id", f"{on_insert_too}.id") for s in changed["referral"]]
        ),
        "referral_discharge_board_gone": function(
            "referral_discharge_board_gone", ["DELETE FROM discharge_board_entry WHERE referral_id = OLD.id"]
        ),
        "discharge_wait_board": function(
            "discharge_wait_board", [s.replace("OLD.referral_id", f"{on_insert_too}.referral_id") for s in changed["discharge_wait"]]
        ),
        "person_discharge_board": function("person_discharge_board", changed["person"]),
        "agency_discharge_board": function("agency_discharge_board", changed["agency"]),
        "referral_triage_time": (
            "CREATE FUNCTION referral_triage_time() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
            f"    IF TG_OP = 'UPDATE' THEN\n        {_triage_time('OLD', '-1', True)};\n    END IF;\n"
            f"    {_triage_time('NEW', '1', True)};\n    RETURN NULL;\nEND $$"
        ),
    }


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "discharge_board_entry",
        sa.Column("referral_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=True),
        sa.Column("ready_on", sa.Date(), nullable=False),
        sa.Column("home_on", sa.Date(), nullable=True),
        sa.Column("delay_reason", sa.Enum(*DELAY_REASONS, name="delay_reason", native_enum=False, length=32), nullable=True),
        sa.PrimaryKeyConstraint("referral_id"),
    )
    op.create_table(
        "triage_time",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("urgency", sa.Enum(*URGENCIES, name="urgency", native_enum=False, length=32), nullable=False),
        sa.Column("bucket", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("referrals", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("level", "day", "urgency", "bucket"),
    )
    for name, columns in BOARD_INDEXES.items():
        op.create_index(name, "discharge_board_entry", columns, unique=False)
    if postgres:
        for statement in _postgres_functions().values():
            op.execute(statement)
        for name, (when, function) in POSTGRES_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} FOR EACH ROW EXECUTE FUNCTION {function}()")
    else:
        for name, (when, statements) in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} BEGIN\n" + ";\n".join(statements) + ";\nEND")
        for name, columns in SQLITE_NAME_INDEXES.items():
            op.create_index(name, "person", columns, unique=False)
    for statement in _board("TRUE" if postgres else "1"):
        op.execute(statement)
    backfill_triage_time(op.get_bind(), postgres)


def backfill_triage_time(connection, postgres: bool) -> None:
    """`triage_time` from the referrals as they stand, in one statement."""
    day = "(r.triaged_at AT TIME ZONE 'Europe/London')::date" if postgres else sqlite_local_date("r.triaged_at")
    minutes = whole_minutes("r.received_at", "r.triaged_at", postgres)
    connection.execute(sa.text("DELETE FROM triage_time"))
    connection.execute(
        sa.text(
            "INSERT INTO triage_time (level, day, urgency, bucket, referrals) "
            f"SELECT levels.level, t.day, t.urgency, t.minutes / levels.width, count(*) "
            f"FROM (SELECT {day} AS day, r.urgency AS urgency, {minutes} AS minutes FROM referral r WHERE r.triaged_at IS NOT NULL) AS t "
            f"CROSS JOIN ({_levels(postgres)}) AS levels GROUP BY levels.level, t.day, t.urgency, t.minutes / levels.width"
        )
    )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        for name, (when, _function) in POSTGRES_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {when.split(' ON ')[1]}")
        for name in _postgres_functions():
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for name in SQLITE_NAME_INDEXES:
            op.drop_index(name, table_name="person")
    for name in BOARD_INDEXES:
        op.drop_index(name, table_name="discharge_board_entry")
    op.drop_table("discharge_board_entry")
    op.drop_table("triage_time")
