"""Name search on PostgreSQL reads pair by pair (search.NAME_PAIRS): the pairs are kept in step with
the people who hold them, and the people found, and their order, are those the person-by-person
statements find."""

import random
from datetime import date

import pytest
from sqlmodel import select

from app.front_door import search
from tests import factories
from tests.factories import World

GIVEN = ["John", "Joan", "Jon", "Ann", "Anne", "Annabel", "Peter", "Margaret", "Margret"]
FAMILY = ["Smith", "Smyth", "Smythe", "Smithson", "Jones", "Johns", "Brown", "Browne", "Wright"]
QUERIES = ["Jonh Smith", "Smyth", "smit", "Margret", "jonh", "ann smyth", "jo sm", "Broun", "Smith John", "Xqzv", "an"]


@pytest.fixture
def postgres_only(is_postgres):
    if not is_postgres:
        pytest.skip("the pairs are PostgreSQL's; SQLite has its FTS5 table")


def _pairs(db) -> dict[tuple[str, str], int]:
    rows = db.execute(select(search.NAME_PAIRS).where(search.NAME_PAIRS.c.people > 0)).all()
    return {(given, family): people for given, family, people in rows}


def test_the_pairs_follow_the_people_who_hold_them(db, postgres_only):
    world = World(db)  # Ada Lovelace
    ann = factories.person(db, world.practice, given_name="Ann", family_name="Smith")
    factories.person(db, world.practice, given_name="Ann", family_name="Smith")
    assert _pairs(db) == {("ada", "lovelace"): 1, ("ann", "smith"): 2}
    ann.family_name, ann.family_name_key = "Brown", "brown"
    db.add(ann)
    db.commit()
    assert _pairs(db) == {("ada", "lovelace"): 1, ("ann", "smith"): 1, ("ann", "brown"): 1}


def test_pair_by_pair_finds_what_person_by_person_finds_in_the_same_order(db, postgres_only, monkeypatch):
    world = World(db)
    rng = random.Random(17)
    for _ in range(240):
        factories.person(
            db,
            world.practice,
            given_name=rng.choice(GIVEN),
            family_name=rng.choice(FAMILY),
            date_of_birth=date(1930 + rng.randint(0, 60), rng.randint(1, 12), rng.randint(1, 28)),
        )
    for limit in (1, 7, 50):
        for text in QUERIES:
            by_pairs = search.search_people(db, search.parse(text), limit=limit)
            db.rollback()
            with monkeypatch.context() as patched:
                patched.setattr(search, "_by_pairs", lambda *args: False)
                by_people = search.search_people(db, search.parse(text), limit=limit)
            db.rollback()
            assert [p.id for p in by_pairs[0]] == [p.id for p in by_people[0]] and by_pairs[1] == by_people[1], (text, limit)
