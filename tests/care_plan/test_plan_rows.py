"""The plan's parts, needs, goals, actions and contacts are read as plain rows (named tuples of their columns)
with who changed and owns them as names: each row holds what the item's ORM object holds, by the same
names, and a user or agency named on many items is one name for the page."""

import pytest

from app.care_plan import handshake, read_model
from models import CarePlanAction, CarePlanContact, CarePlanGoal, CarePlanNeed, CarePlanPart, PlanItemType
from tests.care_plan.test_plan_commands import add, look, move
from tests.factories import PlanWorld


@pytest.fixture
def world(db):
    return PlanWorld(db)


def _columns(model, row) -> dict:
    return {column.key: getattr(row, column.key) for column in model.__table__.c}


def test_each_item_row_holds_what_its_orm_object_holds(db, world):
    need = add(db, world, PlanItemType.need, need="Help to stop falling", status="active", detail="Two falls since May")
    add(db, world, PlanItemType.goal, goal="Walk to the shop", status="proposed", need_id=need.id)
    action = add(
        db,
        world,
        PlanItemType.action,
        description="Pendant alarm",
        owner_agency_id=world.social_care.id,
        need_id=need.id,
        due_on="2031-05-01",
    )
    move(db, world, action, handshake.Transition.accept, world.social_worker, action.version)
    add(db, world, PlanItemType.action, description="Bath board", owner_agency_id=world.nursing.id)
    add(db, world, PlanItemType.contact, kind="personal", name="Sam Carer", phone="0113 496 0000", out_of_hours="yes")

    record = look(db, world, world.nurse)
    group = record.need_view(need.id)
    items = [(CarePlanNeed, group.need), *[(CarePlanGoal, g.goal) for n in record.needs for g in n.goals]]
    items += [(CarePlanAction, a.action) for n in record.needs for a in n.actions]
    items += [(CarePlanContact, c.contact) for c in record.contacts]
    assert len(items) == 5
    items += [(CarePlanPart, p.row) for p in record.parts if p.row is not None]
    assert len(items) > 5
    db.expire_all()
    for model, row in items:
        assert isinstance(row, read_model.ROW_TYPES[model])
        assert _columns(model, row) == _columns(model, db.get(model, row.id))

    accepted = record.action_view(action.id)
    assert (accepted.owner.id, accepted.owner.name, accepted.owner_user) == (world.social_care.id, world.social_care.name, None)
    assert (accepted.stamp.writer.id, accepted.stamp.writer.full_name) == (world.social_worker.id, world.social_worker.full_name)
    assert accepted.stamp.agency.name == world.social_care.name


def test_a_user_or_agency_named_on_many_items_is_one_name_for_the_page(db, world):
    for n in range(3):
        add(db, world, PlanItemType.action, description=f"Visit {n}", owner_agency_id=world.nursing.id)

    actions = look(db, world, world.nurse).other.actions
    assert len({id(a.owner) for a in actions}) == 1
    assert len({id(a.stamp.writer) for a in actions}) == 1
