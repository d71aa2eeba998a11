from datetime import date

from app.front_door import matching
from tests import factories
from tests.factories import World


def _details(**kwargs):
    defaults = dict(given_name="Ada", family_name="Lovelace", date_of_birth=date(1941, 3, 12), postcode="WF1 2AB")
    defaults.update(kwargs)
    return matching.Details(**defaults)


def test_an_exact_nhs_number_is_offered_first(db):
    world = World(db)
    factories.person(db, world.practice)  # a second Ada Lovelace, same birthday and postcode
    found = matching.candidates(db, _details(nhs_number=world.person.nhs_number))
    assert found[0].person.id == world.person.id and found[0].score == 100
    assert found[0].strength == "NHS number matches"
    assert found[1].score < 100


def test_a_different_nhs_number_on_record_weakens_a_match(db):
    World(db)
    other = factories.valid_nhs_number(987654)
    found = matching.candidates(db, _details(nhs_number=other))
    assert all(c.score < matching.STRONG for c in found)


def test_without_an_nhs_number_name_date_of_birth_and_postcode_make_a_strong_match(db):
    world = World(db)
    found = matching.candidates(db, _details())
    assert [c.person.id for c in found] == [world.person.id]
    assert found[0].score == 100 and found[0].strength == "Strong match"


def test_a_misspelt_name_is_still_found(db):
    world = World(db)
    found = matching.candidates(db, _details(family_name="Lovelase", given_name="Adah"))
    assert found and found[0].person.id == world.person.id
    assert "family name similar" in found[0].reasons and "given name similar" in found[0].reasons


def test_a_swapped_day_and_month_is_found(db):
    world = World(db)
    found = matching.candidates(db, _details(date_of_birth=date(1941, 12, 3)))
    assert found and found[0].person.id == world.person.id
    assert "date of birth with day and month swapped" in found[0].reasons


def test_family_name_and_postcode_find_someone_whose_birth_date_is_unknown(db):
    world = World(db)
    found = matching.candidates(db, _details(date_of_birth=None))
    assert [c.person.id for c in found] == [world.person.id]


def test_a_different_person_with_the_same_birthday_is_not_offered(db):
    world = World(db)
    factories.person(db, world.practice, given_name="Bob", family_name="Jones", postcode="WF9 9ZZ")
    found = matching.candidates(db, _details())
    assert [c.person.family_name for c in found] == ["Lovelace"]


def test_too_little_to_match_gives_no_candidates(db):
    World(db)
    assert matching.candidates(db, matching.Details(given_name="Ada")) == []


def test_soundex_and_levenshtein():
    assert matching.soundex("robert") == matching.soundex("rupert") == "R163"
    assert matching.levenshtein("lovelace", "lovelase") == 1
    assert matching.swapped(date(1941, 3, 12)) == date(1941, 12, 3)
    assert matching.swapped(date(1941, 3, 31)) is None
    assert matching.swapped(date(1941, 5, 5)) is None
