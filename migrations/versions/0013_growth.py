"""growth: the discharge board read a page at a time from an index kept by triggers

`discharge_board_entry`: one row per referral on a network's discharge board (a hospital discharge
referral, not joined to another, with the day the person was ready to leave, not declined or
signposted), with its network (the one triage allocated, else that of the person's GP practice),
the day the person got home and what holds them. Written only by the triggers below, in the
transaction that changes a referral, its discharge wait, a person's GP practice or a practice's
network, and backfilled here. So the board reads one page of one network's waits, longest first,
from ix_discharge_board_entry_network, whatever the size of the district.

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
    for statement in _board("TRUE" if postgres else "1"):
        op.execute(statement)


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
    for name in BOARD_INDEXES:
        op.drop_index(name, table_name="discharge_board_entry")
    op.drop_table("discharge_board_entry")
