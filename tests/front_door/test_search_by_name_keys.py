"""Name search on SQLite reads the distinct name keys (search._NameKeys, migration 0020_n_name_keys),
on PostgreSQL the pairs of names (search._people_of_pairs), with the first half of a postcode too
(migration 0022_outward_names): the keys follow the people who hold them, and on both databases the
people found, and their order, are what the ranking rule gives when worked out person by person over
everyone (the brute force below)."""

import random
from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import select

from app.db import similarity
from app.front_door import search
from models import Person
from tests import factories
from tests.factories import World

GIVEN = ["John", "Jon", "Joan", "Jonah", "Ann", "Anne", "Annabel", "Al", "Jo", "Peter", "Margaret", "Margret"]
FAMILY = ["Smith", "Smyth", "Smythe", "Smithson", "Jones", "Johns", "Brown", "Browne", "Wright", "Li", "Lee", "Ng"]
POSTCODES = ["WF1 2AB", "WF1 3CD", "WF10 1AA", "WF2 7XY", "LS1 1AA"]
QUERIES = [
    "Jonh Smith",  # a transposition in the given name
    "Smtih",  # and in the family name
    "Smyth",
    "Jnoes",
    "Broun",
    "Margret",
    "smith john",  # family name first
    "ann jnoes",
    "jo smyth",  # a short name, found by its start only
    "li",
    "al smtih",
    "Jonh Smith Smyth",  # three names
    "smyth WF1",  # with the first half of a postcode
    "jonh WF2",
    "broun WF10",
    "Xqzv",
    "an",
    "zz smtih",  # a start with no upper bound ("zz": every key after it starts with it)
]


@pytest.fixture
def sqlite_only(is_postgres):
    if is_postgres:
        pytest.skip("the name keys are SQLite's; PostgreSQL has pg_trgm and person_name_pair")


def _brute_force(everyone: list[Person], query: search.PersonQuery) -> list[int]:
    """Every person's place by the rule, worked out one by one: those every typed name starts a
    name of (in full first, then by name), then those it is only alike to, the most alike first."""
    terms = query.names

    def starts(p: Person, term: str) -> bool:
        return p.family_name_key.startswith(term) or p.given_name_key.startswith(term)

    def alike(p: Person, term: str) -> bool:
        return (
            len(term) >= search.FUZZY_MIN_LENGTH
            and max(similarity(p.family_name_key, term), similarity(p.given_name_key, term)) >= search.SIMILARITY_THRESHOLD
        )

    def narrowed(p: Person) -> bool:
        outward = query.postcode_outward
        return not outward or (p.postcode_key.startswith(outward) and len(p.postcode_key) == len(outward) + 3)

    def score(p: Person) -> float:
        scores = [
            max(similarity(p.family_name_key, t), similarity(p.given_name_key, t)) for t in terms if len(t) >= search.FUZZY_MIN_LENGTH
        ]
        return sum(scores[1:], scores[0])

    people = [p for p in everyone if narrowed(p)]
    first = [p for p in people if all(starts(p, t) for t in terms)]
    first.sort(key=lambda p: (not all(t in (p.family_name_key, p.given_name_key) for t in terms), *_name_order(p)))
    if not any(len(t) >= search.FUZZY_MIN_LENGTH for t in terms):
        return [p.id for p in first]
    then = [p for p in people if p not in first and all(starts(p, t) or alike(p, t) for t in terms)]
    then.sort(key=lambda p: (-score(p), *_name_order(p)))
    return [p.id for p in first + then]


def _name_order(p: Person) -> tuple:
    return (p.family_name_key, p.given_name_key, p.date_of_birth, p.id)


def _keys(db) -> dict[str, tuple[int, int]]:
    rows = db.execute(text("SELECT name_key, given, family FROM person_name_key")).all()
    return {name: (given, family) for name, given, family in rows}


def _recounted(db) -> dict[str, tuple[int, int]]:
    counts: dict[str, list[int]] = {}
    for person in db.exec(select(Person)).all():
        counts.setdefault(person.given_name_key, [0, 0])[0] += 1
        counts.setdefault(person.family_name_key, [0, 0])[1] += 1
    return {name: (given, family) for name, (given, family) in counts.items()}


def _trigram_keys(db) -> set[str]:
    """The keys the trigram table finds by the first trigram each key has (two spaces, its first letter)."""
    found = set()
    for name in _keys(db):
        rows = db.execute(
            text(
                "SELECT k.name_key FROM person_name_key_trigram t JOIN person_name_key k ON k.id = t.rowid "
                "WHERE person_name_key_trigram MATCH :pattern"
            ),
            {"pattern": f'"  {name[0]}" AND "{name[-2:]} "' if len(name) > 1 else f'"  {name}"'},
        ).all()
        found |= {row[0] for row in rows if row[0] == name}
    return found


def _many(db, world, n: int, seed: int = 17) -> None:
    rng = random.Random(seed)
    for _ in range(n):
        factories.person(
            db,
            world.practice,
            given_name=rng.choice(GIVEN),
            family_name=rng.choice(FAMILY),
            date_of_birth=date(1930 + rng.randint(0, 3), rng.randint(1, 12), rng.randint(1, 28)),
            postcode=rng.choice(POSTCODES),
        )


def _names(found) -> list[str]:
    return [f"{p.given_name} {p.family_name}" for p in found]


def test_a_transposed_pair_of_letters_still_finds_the_person(db, sqlite_only):
    world = World(db)
    factories.person(db, world.practice, given_name="John", family_name="Smith")
    factories.person(db, world.practice, given_name="Peter", family_name="Jones")
    assert _names(search.search_people(db, search.parse("Jonh Smith"))[0]) == ["John Smith"]
    assert _names(search.search_people(db, search.parse("Smtih"))[0]) == ["John Smith"]
    assert _names(search.search_people(db, search.parse("peter jnoes"))[0]) == ["Peter Jones"]


def test_a_short_name_is_matched_by_its_start_beside_a_typo(db, sqlite_only):
    world = World(db)
    factories.person(db, world.practice, given_name="Jo", family_name="Smyth")
    factories.person(db, world.practice, given_name="Al", family_name="Smith")
    factories.person(db, world.practice, given_name="Ann", family_name="Li")
    assert _names(search.search_people(db, search.parse("jo smiht"))[0]) == ["Jo Smyth"]
    assert _names(search.search_people(db, search.parse("li anne"))[0]) == ["Ann Li"]


def test_a_typo_with_half_a_postcode_finds_only_those_living_there(db):
    world = World(db)
    factories.person(db, world.practice, given_name="Ann", family_name="Smith", postcode="WF1 2AB")
    factories.person(db, world.practice, given_name="Ann", family_name="Smith", postcode="WF10 2AB")
    factories.person(db, world.practice, given_name="Ann", family_name="Smith", postcode="LS1 1AA")
    found, _ = search.search_people(db, search.parse("smyth WF1"))
    assert [p.postcode for p in found] == ["WF1 2AB"]


def test_the_keys_count_the_people_holding_them_as_they_come_change_and_go(db, sqlite_only):
    world = World(db)  # Ada Lovelace
    ann = factories.person(db, world.practice, given_name="Ann", family_name="Smith")
    bob = factories.person(db, world.practice, given_name="Smith", family_name="Smith")
    assert _keys(db) == {"ada": (1, 0), "lovelace": (0, 1), "ann": (1, 0), "smith": (1, 2)}
    ann.family_name, ann.family_name_key = "Brown", "brown"
    db.add(ann)
    db.delete(bob)
    db.commit()
    assert _keys(db) == _recounted(db) == {"ada": (1, 0), "lovelace": (0, 1), "ann": (1, 0), "brown": (0, 1)}
    assert _trigram_keys(db) == {"ada", "lovelace", "ann", "brown"}
    assert search.search_people(db, search.parse("smiht"))[0] == []
    assert _names(search.search_people(db, search.parse("Broun"))[0]) == ["Ann Brown"]


def test_the_keys_stay_right_through_many_changes(db, sqlite_only):
    world = World(db)
    _many(db, world, 60)
    rng = random.Random(3)
    people = db.exec(select(Person)).all()
    for person in rng.sample(people, 20):
        person.given_name = rng.choice(GIVEN)
        person.given_name_key = search.name_key(person.given_name)
        db.add(person)
    for person in rng.sample(people, 15):
        db.delete(person)
    db.commit()
    assert _keys(db) == _recounted(db)
    assert _trigram_keys(db) == set(_recounted(db))


def test_the_people_found_and_their_order_are_the_rules_worked_out_person_by_person(db):
    world = World(db)
    _many(db, world, 240)
    everyone = db.exec(select(Person)).all()
    for text_ in QUERIES:
        query = search.parse(text_)
        expected = _brute_force(everyone, query)
        for limit in (1, 7, 50):
            found, more = search.search_people(db, query, limit=limit)
            assert [p.id for p in found] == expected[:limit] and more == (len(expected) > limit), (text_, limit)


def test_a_typo_runs_the_same_statements_whatever_the_number_of_people(db, sqlite_only, count_queries):
    world = World(db)
    factories.person(db, world.practice, given_name="John", family_name="Smith", postcode="WF1 2AB")
    counts = []
    for n in (0, 100):
        _many(db, world, n, seed=n)
        for text_ in ("Jonh Smith", "Smtih", "jonh WF1"):
            with count_queries() as ran:
                search.search_people(db, search.parse(text_))
            counts.append(ran.count)
    assert counts[:3] == counts[3:] and max(counts) <= 3, counts


def test_on_postgresql_the_pairs_statement_is_built_once_for_each_shape_of_query(db, is_postgres):
    """Building the pairs statement (a CTE, a lateral join, an alias of every column of person) was
    a fifth of a typo search's CPU: it is built once for each shape of query, its words parameters."""
    if not is_postgres:
        pytest.skip("the pairs statement is PostgreSQL's")
    world = World(db)
    _many(db, world, 40)
    search._pairs_statement.cache_clear()
    search.search_people(db, search.parse("Jonh Smith"))  # names by their start, then by likeness: two shapes
    built = search._pairs_statement.cache_info().misses
    assert built == 2
    found, _ = search.search_people(db, search.parse("Ptere Jnoes"))  # the same shapes, other words
    assert search._pairs_statement.cache_info().misses == built
    assert found and all(p.family_name in ("Jones", "Johns") for p in found[:1])
