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
