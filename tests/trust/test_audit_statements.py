"""A request's audit trail is written in one statement, however many events it records: the
database reads the chain head, hashes each event and moves the head (SQLite: an INSERT ... SELECT
and the trigger audit_event_moves_head; PostgreSQL: the function audit_event_append())."""

from sqlmodel import select

from app.trust import audit, audit_chain
from models import AuditEvent
from tests import factories


def _audit_statements(statements: list[str]) -> list[str]:
    return [s for s in statements if "audit_event" in s or "audit_chain_head" in s]


def test_a_commit_writes_its_events_in_one_statement(app, db, count_queries, is_postgres):
    agency = factories.agency(db)
    user = factories.user(db, agency)
    audit.record(db, "warm_up", user=user)
    db.commit()  # not the first events: the hash before them is read
    for events in (1, 2, 5):
        for n in range(events):
            audit.record(db, "view_person", user=user, record_id=n)
        with count_queries() as counted:
            db.commit()
        (written,) = _audit_statements(counted.statements)
        if is_postgres:
            assert written.startswith("SELECT audit_event_append(")
        else:
            columns = [c.strip() for c in written.split("(", 1)[1].split(")", 1)[0].split(",")]
            assert written.startswith("INSERT INTO audit_event") and "seq" in columns and "id" not in columns
            assert "oneplan_chain_hash(" in written and "audit_chain_head" in written  # the place and the hash, in the database
    with app.extensions["oneplan_engine"].connect() as connection:
        verdict = audit_chain.verify(connection)
    assert verdict.ok and verdict.checked == 1 + 1 + 2 + 5
    chained = db.exec(select(AuditEvent).order_by(AuditEvent.seq)).all()  # type: ignore[arg-type]
    assert [e.record_id for e in chained[-5:]] == ["0", "1", "2", "3", "4"]


def test_a_page_view_writes_its_audit_event_in_one_statement(client, auth, db, count_queries):
    from tests.factories import World

    world = World(db)
    auth.sign_in("nurse")
    client.get(f"/people/{world.person.id}")
    with count_queries() as counted:
        assert client.get(f"/people/{world.person.id}").status_code == 200
    assert len(_audit_statements(counted.statements)) == 1
