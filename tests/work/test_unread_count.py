"""The unread count shown on every page: read from the notification indexes alone, whatever the
size of the district."""

import pytest
from sqlalchemy import text
from sqlmodel import col, func, select

from app.work import notifications
from models import Notification
from tests import factories


def test_the_unread_count_reads_only_covering_indexes_on_sqlite(app, db, is_postgres):
    if is_postgres:
        pytest.skip("SQLite's query plan; PostgreSQL chooses by its statistics")
    agency = factories.agency(db)
    user = factories.user(db, agency)
    statement = select(func.count(col(Notification.id))).where(notifications._mine(user)).where(col(Notification.read_at).is_(None))
    engine = app.extensions["oneplan_engine"]
    sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
    plan = [row[-1] for row in db.exec(text("EXPLAIN QUERY PLAN " + sql)).all()]  # type: ignore[call-overload]
    notification_steps = [step for step in plan if "notification" in step.split(" USING")[0]]
    assert notification_steps and all("USING COVERING INDEX" in step for step in notification_steps), plan


def _header_count(client) -> int:
    import re

    page = client.get("/").get_data(as_text=True)
    found = re.search(r'<span class="app-count">(\d+)<span class="nhsuk-u-visually-hidden"> unread</span>', page)
    return int(found.group(1)) if found else 0


def test_the_headers_count_read_with_the_session_leaves_out_items_about_a_person_who_objected_later(app, db, client):
    from models import ConsentObjection
    from tests.conftest import AuthActions

    agency = factories.agency(db)
    user, colleague = factories.user(db, agency), factories.user(db, agency)
    practice = factories.agency(db)
    objecting, other = factories.person(db, practice), factories.person(db, practice)
    for person in (objecting, other, None):
        for recipient in ({"user_id": user.id}, {"agency_id": agency.id}, {"user_id": colleague.id}):
            db.add(Notification(kind="test", message="item", person_id=person.id if person else None, **recipient))
    db.commit()
    assert AuthActions(client).sign_in(user.username).status_code in (302, 303)
    assert _header_count(client) == notifications.unread_count(db, user) == 6  # no objection: the index ranges alone
    db.add(ConsentObjection(person_id=objecting.id, agency_id=agency.id))
    db.commit()
    assert _header_count(client) == notifications.unread_count(db, user) == 4  # item by item
    db.add(ConsentObjection(person_id=other.id, agency_id=factories.agency(db).id))  # another agency's: no change
    db.commit()
    assert _header_count(client) == 4


def test_the_headers_count_reads_only_indexes_when_the_agency_has_no_standing_objection(app, db, is_postgres):
    if is_postgres:
        pytest.skip("SQLite's query plan; PostgreSQL chooses by its statistics")
    from models import User

    engine = app.extensions["oneplan_engine"]
    statement = select(col(User.id), notifications.signed_in_unread_count()).where(col(User.id) == 1)
    sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
    plan = [row[-1] for row in db.exec(text("EXPLAIN QUERY PLAN " + sql)).all()]  # type: ignore[call-overload]
    assert any("consent_objection USING INDEX ix_consent_objection_agency_standing" in step for step in plan), plan
    # Each part is counted up to its most from a subquery (a co-routine, "SCAN anon_2"): its rows, not a table's.
    steps = [step for step in plan if step.startswith(("SEARCH", "SCAN")) and not step.startswith("SCAN anon_")]
    assert all("USING COVERING INDEX" in step or "INTEGER PRIMARY KEY" in step or "USING INDEX" in step for step in steps), plan
    assert not any(step.startswith("SCAN") for step in steps), plan
