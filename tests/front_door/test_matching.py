from datetime import date

import pytest

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


def _record(given="Ada", family="Lovelace", born=date(1941, 3, 12), postcode="WF1 2AB", nhs="9990000050", person_id=1):
    """A person as read from the database, for scoring without one."""
    from app.front_door.search import name_key, postcode_key
    from models import Person

    return Person(
        id=person_id,
        nhs_number=nhs,
        given_name=given,
        family_name=family,
        given_name_key=name_key(given),
        family_name_key=name_key(family),
        date_of_birth=born,
        postcode_key=postcode_key(postcode),
    )


# What each kind of agreement is worth, written out: (details given, points, reasons).
POINTS = [
    (dict(given_name="", date_of_birth=None, postcode=""), 30, ["family name same"]),
    (dict(family_name="", date_of_birth=None, postcode=""), 20, ["given name same"]),
    (dict(family_name="Lovelase", given_name="", date_of_birth=None, postcode=""), 18, ["family name similar"]),
    (dict(family_name="", given_name="Adah", date_of_birth=None, postcode=""), 12, ["given name similar"]),
    (dict(family_name="", given_name="A", date_of_birth=None, postcode=""), 6, ["given name same initial"]),
    (dict(family_name="", given_name="", postcode=""), 30, ["date of birth the same"]),
    (dict(family_name="", given_name="", date_of_birth=date(1941, 12, 3), postcode=""), 20, ["date of birth with day and month swapped"]),
    (dict(family_name="", given_name="", date_of_birth=date(1941, 3, 13), postcode=""), 0, []),
    (dict(family_name="", given_name="", date_of_birth=None), 20, ["postcode the same"]),
    (dict(family_name="", given_name="", date_of_birth=None, postcode="wf1 9zz"), 5, ["same postcode district"]),
    (dict(family_name="", given_name="", date_of_birth=None, postcode="WF12 2AB"), 0, []),
    (dict(family_name="", given_name="", date_of_birth=None, postcode="2AB"), 0, []),
    (dict(), 100, ["family name same", "given name same", "date of birth the same", "postcode the same"]),
]


@pytest.mark.parametrize("details, points, reasons", POINTS)
def test_each_agreement_is_worth_its_points(details, points, reasons):
    candidate = matching.score(_details(**details), _record())
    assert (candidate.score, candidate.reasons, candidate.same_nhs_number) == (points, reasons, False)
    assert type(candidate.score) is int  # shown on the page as a whole number


def test_a_different_nhs_number_takes_forty_points_off_but_never_below_zero():
    different = matching.score(_details(nhs_number="9990000018"), _record())
    assert different.score == 60 and different.reasons[-1] == "a different NHS number is on record"
    alone = matching.score(_details(nhs_number="9990000018", given_name="", date_of_birth=None, postcode=""), _record())
    assert alone.score == 0


def test_a_record_without_an_nhs_number_loses_nothing_and_says_so():
    """A referral's number against a record with none: no evidence either way, so the same points as
    the rest earns, and the reason says there is no number on record."""
    said = matching.score(_details(nhs_number="9990000018"), _record(nhs=None))
    assert (said.score, said.same_nhs_number) == (100, False)
    assert said.reasons == ["family name same", "given name same", "date of birth the same", "postcode the same", "no NHS number on record"]
    partial = matching.score(_details(nhs_number="9990000018", postcode=""), _record(nhs=None))
    assert partial.score == 80 and partial.reasons[-1] == "no NHS number on record"


def test_no_number_on_either_side_says_nothing_of_numbers():
    neither = matching.score(_details(), _record(nhs=None))
    assert neither.score == 100 and not any("NHS number" in reason for reason in neither.reasons)
    unsaid = matching.score(_details(), _record())
    assert unsaid.score == 100 and not any("NHS number" in reason for reason in unsaid.reasons)


def test_the_same_nhs_number_is_decisive_whatever_else_differs():
    same = matching.score(matching.Details(nhs_number="9990000050", family_name="Smith"), _record())
    assert (same.score, same.reasons, same.same_nhs_number) == (100, ["NHS number is the same"], True)
    assert same.strength == "NHS number matches" and same.person_id == 1


@pytest.mark.parametrize(
    "said, recorded, agreement",
    [
        ("ada", "ada", (100, "same")),
        ("adah", "ada", (60, "similar")),
        ("adam", "ada", (60, "similar")),
        ("abel", "ada", (0, None)),  # two edits in a short name, and they sound different
        ("lovelase", "lovelace", (60, "similar")),
        ("lovlase", "lovelace", (60, "similar")),  # two edits in a longer name
        ("lpvxlace", "lovelace", (60, "similar")),
        ("lpvxlaqe", "lovelace", (0, None)),  # three edits, and they sound different
        ("smyth", "smith", (60, "similar")),
        ("zick", "jack", (0, None)),  # a four-letter name allows one typo, not two
        ("zicks", "jacks", (60, "similar")),  # a five-letter name allows two
        ("rupurt", "robert", (60, "similar")),  # three typos apart, but they sound alike
        ("a", "", (0, None)),
        ("a", "ada", (30, "same initial")),
        ("b", "ada", (0, None)),
        ("", "ada", (0, None)),
        ("ada", "", (0, None)),
    ],
)
def test_names_agree_exactly_nearly_or_by_initial(said, recorded, agreement):
    assert matching.name_agreement(said, recorded) == agreement


def test_names_that_sound_alike_agree_though_spelt_far_apart():
    assert matching.levenshtein("catherine", "kathryn") > 2
    assert matching.name_agreement("kathryn", "catherine") != (60, "similar")  # K635 and C365 differ
    assert matching.name_agreement("rupert", "robert") == (60, "similar")
    assert matching.levenshtein("rupert", "robert") == 2
    assert matching.name_agreement("ashcroft", "ashcraft") == (60, "similar")
    assert matching.name_agreement("pfister", "pfitzer") == (60, "similar")


@pytest.mark.parametrize(
    "word, code",
    [
        ("", ""),
        ("robert", "R163"),
        ("rupert", "R163"),
        ("ashcraft", "A261"),  # h does not separate two letters of the same code
        ("tymczak", "T522"),  # a vowel does
        ("pfister", "P236"),  # the first letter's code is not repeated
        ("lee", "L000"),
        ("washington", "W252"),
    ],
)
def test_soundex_codes(word, code):
    assert matching.soundex(word) == code


@pytest.mark.parametrize(
    "a, b, distance",
    [("", "", 0), ("", "abc", 3), ("abc", "", 3), ("abc", "abc", 0), ("kitten", "sitting", 3), ("flaw", "lawn", 2), ("ab", "ba", 2)],
)
def test_levenshtein_distance(a, b, distance):
    assert matching.levenshtein(a, b) == distance


def test_a_score_of_eighty_is_a_strong_match_and_seventy_nine_a_possible_one():
    person = _record()
    assert matching.Candidate(person, 80).strength == "Strong match"
    assert matching.Candidate(person, 79).strength == "Possible match"
    assert matching.Candidate(person, 100, same_nhs_number=True).strength == "NHS number matches"
    assert (matching.STRONG, matching.POSSIBLE, matching.CANDIDATE_LIMIT) == (80, 50, 10)


@pytest.mark.parametrize(
    "details, enough",
    [
        (matching.Details(nhs_number="9990000050"), True),
        (matching.Details(date_of_birth=date(1941, 3, 12)), True),
        (matching.Details(family_name="Lovelace", postcode="WF1 2AB"), True),
        (matching.Details(family_name="Lovelace"), False),
        (matching.Details(postcode="WF1 2AB"), False),
        (matching.Details(given_name="Ada", family_name="Lovelace"), False),
    ],
)
def test_a_match_needs_an_nhs_number_a_birth_date_or_a_family_name_and_postcode(details, enough):
    assert details.is_enough_to_match is enough


def test_swapped_dates():
    assert matching.swapped(date(2000, 1, 12)) == date(2000, 12, 1)
    assert matching.swapped(date(2000, 12, 1)) == date(2000, 1, 12)
    assert matching.swapped(date(2000, 2, 13)) is None


def test_candidates_come_best_first(db):
    world = World(db)
    near = factories.person(db, world.practice, given_name="Adah", postcode="WF1 9ZZ")  # 30 + 12 + 30 + 5 = 77
    far = factories.person(db, world.practice, given_name="Bea", postcode="WF1 9ZZ")  # 30 + 30 + 5 = 65
    found = matching.candidates(db, _details())
    assert [(c.person.id, c.score) for c in found] == [(world.person.id, 100), (near.id, 77), (far.id, 65)]


def test_candidates_of_equal_score_come_in_family_name_order_then_record_order(db):
    world = World(db)
    first = factories.person(db, world.practice, given_name="Bea", family_name="Byron", postcode="LS1 1AA")
    second = factories.person(db, world.practice, given_name="Bea", family_name="Byron", postcode="LS1 1AA")
    earlier = factories.person(db, world.practice, given_name="Bea", family_name="Abbott", postcode="LS1 1AA")
    found = matching.candidates(db, matching.Details(given_name="Bea", date_of_birth=date(1941, 3, 12), postcode="LS1 1AA"))
    assert [c.person.id for c in found] == [earlier.id, first.id, second.id]
    assert world.person.id not in [c.person.id for c in found]  # 30 points: below a possible match


def test_a_score_of_fifty_is_offered_and_forty_seven_is_not(db):
    world = World(db)
    fifty = factories.person(db, world.practice, given_name="Quin", family_name="Quist", postcode="LS1 1AA")  # 30 + 20
    factories.person(db, world.practice, given_name="Zeb", family_name="Quist", postcode="LS1 9ZZ")  # 30 + 12 + 5
    found = matching.candidates(db, matching.Details(given_name="Zed", date_of_birth=date(1941, 3, 12), postcode="LS1 1AA"))
    assert [(c.person.id, c.score) for c in found] == [(fifty.id, 50)]
    assert world.person.id not in [c.person.id for c in found]


def test_at_most_ten_candidates_are_offered(db):
    world = World(db)
    for _ in range(11):
        factories.person(db, world.practice)
    found = matching.candidates(db, _details())
    assert len(found) == 10 and found[0].person.id == world.person.id


def test_a_swapped_birth_date_alone_finds_the_record(db):
    world = World(db)
    found = matching.candidates(db, _details(family_name="Lovelase", date_of_birth=date(1941, 12, 3), postcode="LS1 1AA"))
    assert [(c.person.id, c.score) for c in found] == [(world.person.id, 58)]


def test_a_family_name_and_postcode_find_a_record_only_together(db):
    world = World(db)
    found = matching.candidates(db, matching.Details(given_name="Ada", family_name="Lovelace", postcode="WF1 2AB"))
    assert [(c.person.id, c.score) for c in found] == [(world.person.id, 70)]
    assert matching.candidates(db, matching.Details(given_name="Ada", family_name="Lovelace", postcode="LS1 1AA")) == []


def test_an_nhs_number_nobody_has_still_matches_on_the_rest(db):
    world = World(db)
    found = matching.candidates(db, _details(nhs_number="9990000050"))
    assert [(c.person.id, c.score) for c in found] == [(world.person.id, 60)]


def test_a_postcode_district_of_two_characters_counts_too():
    candidate = matching.score(matching.Details(postcode="E1 7AA"), _record(postcode="E1 6AN"))
    assert (candidate.score, candidate.reasons) == (5, ["same postcode district"])


def test_an_nhs_number_alone_finds_the_record_whatever_else_differs(db):
    world = World(db)
    factories.person(db, world.practice, given_name="Bea", family_name="Byron", date_of_birth=date(1950, 1, 1))
    details = matching.Details(nhs_number=world.person.nhs_number, family_name="Smith", date_of_birth=date(1950, 1, 1))
    found = matching.candidates(db, details)
    assert [(c.person.id, c.score, c.same_nhs_number) for c in found][0] == (world.person.id, 100, True)
    assert world.person.id not in [c.person.id for c in found[1:]]


def test_a_similar_family_name_at_the_same_postcode_is_not_a_candidate_without_the_birth_date(db):
    world = World(db)
    factories.person(db, world.practice, family_name="Lovelase", date_of_birth=date(1950, 1, 1))
    found = matching.candidates(db, _details(date_of_birth=date(1960, 6, 6)))
    assert [c.person.id for c in found] == [world.person.id]


def test_a_family_name_without_a_postcode_finds_nobody_recorded_without_one(db):
    world = World(db)
    factories.person(db, world.practice, postcode="", date_of_birth=date(1950, 1, 1))
    assert matching.candidates(db, _details(postcode="", date_of_birth=date(1960, 6, 6))) == []


@pytest.mark.parametrize(
    "record, said, likely",
    [
        (_record(), _details(), True),
        (_record(given="Adah", family="Lovelase"), _details(), True),  # both names alike: 12 + 18 + 30 + 20
        (_record(given="Augusta"), _details(), False),  # a twin: 80 points, but the given name disagrees
        (_record(family="Byron"), _details(), False),  # 70: the family name disagrees
        (_record(given="A"), _details(), False),  # an initial is not enough
        (_record(postcode="LS1 1AA"), _details(), True),  # moved house: 80 on both names and the birth date
        (_record(given="Adah", postcode="LS1 1AA"), _details(), False),  # 72: only possible
    ],
)
def test_a_likely_record_is_a_strong_match_on_both_names(record, said, likely):
    assert matching.is_likely(matching.score(said, record), said) is likely


def test_the_same_nhs_number_is_always_likely():
    said = _details(nhs_number="9990000050", given_name="Someone", family_name="Else")
    assert matching.is_likely(matching.score(said, _record()), said)
