from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.front_door import search
from tests import factories
from tests.factories import World


def test_it_reads_an_nhs_number_with_spaces():
    query = search.parse("943 476 5919")
    assert query.nhs_number == "9434765919" and not query.problems


def test_it_reports_an_nhs_number_with_a_wrong_check_digit():
    query = search.parse("943 476 5918")
    assert query.nhs_number is None
    assert "check digit" in query.problems[0]


def test_it_reads_a_name_and_a_date_of_birth_in_either_order():
    for text in ("smith 12/03/1941", "12/03/1941 Smith", "Smith 1941-03-12"):
        query = search.parse(text)
        assert query.names == ["smith"] and query.date_of_birth == date(1941, 3, 12), text


def test_it_reads_full_postcodes_and_outward_codes():
    assert search.parse("wf12ab").postcode == "WF12AB"
    assert search.parse("Jones WF1 2AB").postcode == "WF12AB"
    assert search.parse("WF10").postcode_outward == "WF10"


def test_it_says_when_a_date_is_impossible():
    query = search.parse("Smith 31/02/1941")
    assert query.problems == ["31/02/1941 is not a real date. Enter a date of birth like 31/12/1940"]


def test_it_refuses_over_long_searches():
    assert search.parse("a" * 101).problems


def test_names_are_keyed_without_case_accents_or_punctuation():
    assert search.name_key("O'Brien") == "obrien"
    assert search.name_key("Zoë") == "zoe"
    assert search.name_key("Smith-Jones") == "smithjones"


def test_prefix_upper_bound_rolls_over_z():
    assert search._prefix_upper_bound("smi") == "smj"
    assert search._prefix_upper_bound("taz") == "tb"
    assert search._prefix_upper_bound("zz") is None


def test_search_finds_by_part_of_name_in_any_case(db):
    world = World(db)
    factories.person(db, world.practice, given_name="Zoë", family_name="O'Brien")
    found, more = search.search_people(db, search.parse("o'bri"))
    assert [p.family_name for p in found] == ["O'Brien"] and not more
    found, _ = search.search_people(db, search.parse("ZOE"))
    assert [p.given_name for p in found] == ["Zoë"]


def test_search_combines_name_date_of_birth_and_postcode(db):
    world = World(db)
    factories.person(db, world.practice, given_name="Ann", family_name="Smith", date_of_birth=date(1940, 1, 2), postcode="WF1 2AB")
    factories.person(db, world.practice, given_name="Ann", family_name="Smith", date_of_birth=date(1950, 1, 2), postcode="WF1 2AB")
    factories.person(db, world.practice, given_name="Ann", family_name="Smith", date_of_birth=date(1940, 1, 2), postcode="WF9 9ZZ")
    found, _ = search.search_people(db, search.parse("ann smith 02/01/1940 wf1 2ab"))
    assert len(found) == 1 and found[0].date_of_birth == date(1940, 1, 2) and found[0].postcode == "WF1 2AB"
    assert len(search.search_people(db, search.parse("WF1"))[0]) == 2 + 1  # World's person lives in WF1 2AB too


def test_search_caps_results_and_says_there_are_more(db):
    world = World(db)
    for _n in range(5):
        factories.person(db, world.practice, family_name="Taylor")
    found, more = search.search_people(db, search.parse("taylor"), limit=3)
    assert len(found) == 3 and more


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(text=st.text(max_size=120))
def test_any_search_text_gives_results_or_a_reason_never_an_error(db, text):
    query = search.parse(text)
    people, _ = search.search_people(db, query)
    assert isinstance(people, list)
