"""The demo's fast bulk path (`bulk.insert_rows`: the driver's executemany on SQLite, COPY on
PostgreSQL) writes exactly what SQLAlchemy's own INSERT would: a small district built both ways is
the same, table by table, value by value as stored."""

import hashlib
from datetime import UTC, datetime

from sqlalchemy import text
from sqlmodel import SQLModel

from app.demo import assessments, bulk, care_plans, contacts, district, network_work, referrals
from tests.conftest import _empty_all_tables

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
PEOPLE = 300
# Written outside the bulk path, with the clock's time: not part of the comparison.
TIMED = {"audit_event", "audit_chain_head", "person_account"}


def build(session) -> None:
    district.build(session, PEOPLE, 5, "not-a-real-hash", NOW.date())
    referrals.add_referrals(session, PEOPLE // 8, 5, NOW)
    assessments.add_assessments(session, 5, NOW)
    care_plans.add_care_plans(session, 5, NOW)
    network_work.add_network_work(session, 5, NOW, "not-a-real-hash")
    contacts.add_contacts(session, 5, NOW)
    session.commit()


def digests(session) -> dict[str, tuple[int, str]]:
    """Each table's rows as the driver returns them (no type processing), hashed."""
    quote = session.get_bind().dialect.identifier_preparer.quote
    found = {}
    for table in SQLModel.metadata.sorted_tables:
        if table.name in TIMED:
            continue
        columns = [quote(c.name) for c in table.c]
        order = [quote(c.name) for c in table.primary_key.columns] or columns
        rows = session.execute(text(f"SELECT {', '.join(columns)} FROM {quote(table.name)} ORDER BY {', '.join(order)}")).all()
        found[table.name] = (len(rows), hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest())
    return found


def test_the_fast_path_builds_the_same_district_as_sqlalchemys_insert(app, db, monkeypatch):
    fast_calls = []
    fast = bulk.insert_rows

    def counted(session, model, rows):
        fast_calls.append(model.__tablename__)
        fast(session, model, rows)

    with monkeypatch.context() as patch:
        patch.setattr(bulk, "insert_rows", bulk.insert_rows_plain)
        build(db)
        by_sqlalchemy = digests(db)
    db.rollback()
    _empty_all_tables(app.extensions["oneplan_engine"])
    monkeypatch.setattr(bulk, "insert_rows", counted)
    plain_calls = []
    monkeypatch.setattr(bulk, "insert_rows_plain", lambda session, model, rows: plain_calls.append(model.__tablename__))
    build(db)
    assert digests(db) == by_sqlalchemy
    assert by_sqlalchemy["person"][0] == PEOPLE and by_sqlalchemy["care_plan_action"][0] > 0
    assert {"person", "care_team_member", "referral", "assessment_revision", "care_plan_revision", "contact_record"} <= set(fast_calls)
    assert plain_calls == []  # every demo table took the fast path (constant defaults filled in)


def test_a_row_of_nones_and_a_left_out_constant_default_are_written_as_sqlalchemy_would(db):
    from models import User
    from tests.factories import World

    world = World(db)
    row = {
        c: getattr(world.nurse, c) for c in ("agency_id", "role", "profession", "network_id", "created_at", "is_active", "failed_sign_ins")
    }
    bulk.insert_rows(
        db, User, [{**row, "id": 900, "username": "fast", "password_hash": "x", "full_name": "F", "last_failed_sign_in_at": None}]
    )
    bulk.insert_rows_plain(
        db, User, [{**row, "id": 901, "username": "plain", "password_hash": "x", "full_name": "F", "last_failed_sign_in_at": None}]
    )
    db.commit()
    fast, plain = (db.execute(text("SELECT * FROM user_account WHERE id = :id"), {"id": n}).one()._asdict() for n in (900, 901))
    assert {k: v for k, v in fast.items() if k not in ("id", "username")} == {k: v for k, v in plain.items() if k not in ("id", "username")}


def test_postgresql_statistics_follow_the_bulk_load_as_each_table_doubles(app, db, monkeypatch):
    """The build ANALYZEs a table (with the summaries triggers keep) when its rows have doubled since
    it was last analysed, so the triggers' plans are made for what the tables hold; SQLite plans each
    statement afresh and is left alone."""
    from sqlalchemy import event

    analysed: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("ANALYZE"):
            analysed.append(statement.split('"')[1])

    monkeypatch.setattr(bulk, "ANALYZE_FROM", 40)
    monkeypatch.setattr(district, "CHUNK", 100)  # people in three chunks: 100, 200, 300 written
    engine = app.extensions["oneplan_engine"]
    event.listen(engine, "before_cursor_execute", seen)
    try:
        build(db)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    if db.get_bind().dialect.name != "postgresql":
        assert analysed == []
        return
    # Due at 100 people (past 40) and at 200 (doubled), not at 300; 37 referrals never reach 40.
    assert analysed.count("person") == 2
    assert "referral" not in analysed
    rounds = analysed.count("daily_figures")  # each round: the tables due, then every summary
    assert rounds >= 2 and all(analysed.count(summary) == rounds for summary in bulk.SUMMARIES)
