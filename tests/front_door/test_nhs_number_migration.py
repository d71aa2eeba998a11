"""0012_nhs_number_optional on SQLite: the batch recreate of `person` drops 0011's name-search
triggers, so the migration puts them back; the trigram index still matches every person after it,
and keeps matching as people are added, renamed and removed. A downgrade refuses while anyone has no
number. (PostgreSQL alters the column in place: every PostgreSQL test run upgrades through it.)"""

import sqlite3

import pytest
from alembic import command

from app.ops import migrate

COLUMNS = "nhs_number, given_name, family_name, given_name_key, family_name_key, date_of_birth, address_line_1, town, postcode, postcode_key, created_at"


def _add(connection, nhs, given, family):
    connection.execute(
        f"INSERT INTO person ({COLUMNS}) VALUES (?, ?, ?, ?, ?, '1940-01-01', '1 Test Street', 'Wakefield', 'WF1 2AB', 'WF12AB', '2026-01-01')",
        (nhs, given, family, given.lower(), family.lower()),
    )


def _trigram_index(connection) -> dict[int, set[str]]:
    """For every person: does the index find them by the first trigram of their family name?"""
    found = {}
    for person_id, family in connection.execute("SELECT id, family_name_key FROM person"):
        padded = f"  {family} "
        hits = [row[0] for row in connection.execute("SELECT rowid FROM person_name_trigram WHERE family MATCH ?", (f'"{padded[2:5]}"',))]
        found[person_id] = person_id in hits
    return found


def test_the_upgrade_keeps_the_name_search_index_and_its_triggers(tmp_path, is_postgres):
    if is_postgres:
        pytest.skip("the FTS5 index and its triggers are SQLite's")
    url = f"sqlite:///{tmp_path / 'nhs.db'}"
    migrate.upgrade(url, "0011_name_search")
    connection = sqlite3.connect(tmp_path / "nhs.db", isolation_level=None)
    _add(connection, "9990000018", "Ada", "Lovelace")
    _add(connection, "9990000026", "Grace", "Hopper")
    migrate.upgrade(url, "0012_nhs_number_optional")
    triggers = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'person'")}
    assert triggers == {"person_name_trigram_insert", "person_name_trigram_delete", "person_name_trigram_update"}
    assert _trigram_index(connection) == {1: True, 2: True}

    _add(connection, None, "Amal", "Hassan")  # no NHS number: allowed now, twice
    _add(connection, None, "Bo", "Quist")
    connection.execute("UPDATE person SET family_name = 'Byron', family_name_key = 'byron' WHERE id = 2")
    connection.execute("DELETE FROM person WHERE id = 4")
    assert _trigram_index(connection) == {1: True, 2: True, 3: True}
    assert [r[0] for r in connection.execute("SELECT rowid FROM person_name_trigram WHERE family MATCH '\"hop\"'")] == []
    assert [r[0] for r in connection.execute("SELECT rowid FROM person_name_trigram WHERE family MATCH '\"qui\"'")] == []
    with pytest.raises(sqlite3.IntegrityError):
        _add(connection, "999", "Short", "Number")  # the length check stays for a number that is given

    with pytest.raises(RuntimeError, match="1 people have no NHS number"):
        command.downgrade(migrate.alembic_config(url), "0011_name_search")
    assert migrate.current(url) == "0012_nhs_number_optional"
    connection.execute("UPDATE person SET nhs_number = '9990000034' WHERE id = 3")
    command.downgrade(migrate.alembic_config(url), "0011_name_search")
    with pytest.raises(sqlite3.IntegrityError):
        _add(connection, None, "No", "Number")
    assert _trigram_index(connection) == {1: True, 2: True, 3: True}

    migrate.upgrade(url, "0022_outward_names")  # and the later migrations keep them too
    triggers = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'person'")}
    assert {"person_name_trigram_insert", "person_name_trigram_delete", "person_name_trigram_update"} <= triggers
    # until 0023_drop_person_trigram drops them with their table, which nothing reads since 0020_n_name_keys
    migrate.upgrade(url, "0023_drop_person_trigram")
    triggers = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'person'")}
    assert not any(name.startswith("person_name_trigram") for name in triggers)
    assert {"person_name_key_insert", "person_name_key_update", "person_name_key_delete"} <= triggers
    assert connection.execute("SELECT count(*) FROM sqlite_master WHERE name = 'person_name_trigram'").fetchone() == (0,)
    _add(connection, "9990000042", "Alan", "Turing")  # a person still goes in, with nothing to keep
    # and back: the table and its triggers as 0011 made them, holding everyone
    command.downgrade(migrate.alembic_config(url), "0022_outward_names")
    assert _trigram_index(connection) == {1: True, 2: True, 3: True, 4: True}
    connection.close()
