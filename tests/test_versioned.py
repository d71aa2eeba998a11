"""Saves that carry the version the user saw (app/versioned.py): the write happens only if nobody
saved first, and whoever loses is shown both versions and who saved theirs."""

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from app.versioned import Conflict, SaveResult, conflict_with, save_if_unchanged
from models import CarePlan, CarePlanPart, Consent
from tests.factories import PlanWorld


@pytest.fixture
def world(db):
    return PlanWorld(db)


def part(db, world) -> CarePlanPart:
    return db.exec(select(CarePlanPart).where(CarePlanPart.care_plan_id == world.plan.id).order_by(CarePlanPart.id)).first()


def test_a_save_at_the_version_seen_writes_and_raises_the_version(db, world):
    row = part(db, world)
    seen = row.version
    assert save_if_unchanged(db, CarePlanPart, row.id, seen, {"answers": {"x": "1"}}) is True
    db.commit()
    db.refresh(row)
    assert (row.version, row.answers) == (seen + 1, {"x": "1"})


def test_a_save_at_an_older_version_writes_nothing(db, world):
    row = part(db, world)
    seen = row.version
    assert save_if_unchanged(db, CarePlanPart, row.id, seen + 1, {"answers": {"x": "1"}}) is False
    assert save_if_unchanged(db, CarePlanPart, row.id, seen - 1, {"answers": {"x": "1"}}) is False
    db.commit()
    db.refresh(row)
    assert (row.version, row.answers) == (seen, {})


def test_a_save_writes_only_the_row_named_and_only_if_its_conditions_hold(db, world):
    first, second = db.exec(select(CarePlanPart).where(CarePlanPart.care_plan_id == world.plan.id).order_by(CarePlanPart.id)).all()[:2]
    versions = (first.version, second.version)
    assert not save_if_unchanged(db, CarePlanPart, first.id, first.version, {"answers": {"x": "1"}}, CarePlanPart.part_key == "nothing")
    assert save_if_unchanged(db, CarePlanPart, first.id, first.version, {"answers": {"x": "1"}}, CarePlanPart.part_key == first.part_key)
    db.commit()
    db.refresh(first)
    db.refresh(second)
    assert (first.version, second.version) == (versions[0] + 1, versions[1]) and second.answers == {}


def test_a_conflict_shows_the_row_as_it_is_now_and_who_saved_it(db, world):
    row = part(db, world)
    at = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
    saved = {
        "answers": {"x": "theirs"},
        "updated_by_id": world.social_worker.id,
        "updated_agency_id": world.social_care.id,
        "updated_at": at,
    }
    assert save_if_unchanged(db, CarePlanPart, row.id, row.version, saved)
    db.commit()
    conflict = conflict_with(db, row, {"x": "mine"}, {"x": "theirs"})
    assert conflict == Conflict({"x": "mine"}, {"x": "theirs"}, world.social_worker, world.social_care, conflict.at, row.version)
    assert conflict.version == 1 and conflict.at.replace(tzinfo=UTC) == at


def test_a_conflict_on_a_row_that_does_not_say_who_saved_it_names_nobody(db, world):
    plan = db.get(CarePlan, world.plan.id)
    plan.updated_by_id = None
    db.add(plan)
    db.commit()
    conflict = conflict_with(db, plan, {}, {})
    assert (conflict.writer, conflict.agency, conflict.version) == (None, None, plan.version)
    row = part(db, world)
    assert conflict_with(db, row, {}, {}).writer is None  # never saved: nobody to name


def test_a_conflict_on_a_record_that_keeps_no_saver_or_time_names_none(db, world):
    row = Consent(person_id=world.person.id, shares_with_care_team=True, recorded_by_id=world.nurse.id, version=4)
    db.add(row)
    db.commit()
    conflict = conflict_with(db, row, {"a": 1}, {"a": 2})
    assert (conflict.writer, conflict.agency, conflict.at, conflict.version) == (None, None, None, 4)


@pytest.mark.parametrize(
    "result, ok",
    [
        (SaveResult(item=1), True),
        (SaveResult(), True),
        (SaveResult(errors={"x": "Enter x"}), False),
        (SaveResult(conflict=Conflict({}, {}, None, None, None, 1)), False),
        (SaveResult(refused="No"), False),
        (SaveResult(forbidden="No"), False),
    ],
)
def test_a_result_is_ok_only_without_errors_conflict_refusal_or_prohibition(result, ok):
    assert result.ok is ok
    assert result.answers == {} and (result.errors == {} or not ok)
