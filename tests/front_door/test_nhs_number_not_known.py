"""A person whose NHS number is not (yet) known: not registered with a GP, newly arrived, awaiting a
trace, or beyond the demo range's 909,091. They have a record like anyone else's: found by name,
shown with "Not known", assessed, given a plan; an NHS-number search never finds them."""

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from app.front_door import matching, search
from models import Person, format_nhs_number
from tests import factories
from tests.factories import World


@pytest.fixture
def world(db):
    return World(db)


@pytest.fixture
def unknown(db, world):
    """Grace Okafor, with no NHS number, on the nurse's caseload (the nurse is her key worker)."""
    person = factories.person(db, world.practice, given_name="Grace", family_name="Okafor", date_of_birth=date(1938, 6, 1), nhs_known=False)
    factories.team_member(db, person, world.nursing, world.nurse, key_worker=True)
    return person


def test_not_known_is_shown_for_a_missing_number():
    assert format_nhs_number(None) == "Not known"
    assert Person(nhs_number=None).display_nhs_number == "Not known"


def test_in_a_sentence_a_missing_number_reads_not_known_in_lower_case():
    assert format_nhs_number(None, in_sentence=True) == "not known"
    assert Person(nhs_number=None).nhs_number_in_sentence == "not known"
    assert Person(nhs_number="9990000018").nhs_number_in_sentence == "999 000 0018" == format_nhs_number("9990000018")


def test_two_people_without_a_number_coexist_and_a_number_is_still_unique(db, world, unknown):
    second = factories.person(db, world.practice, given_name="Amal", family_name="Hassan", nhs_known=False)
    assert second.id != unknown.id
    assert db.exec(select(Person).where(Person.nhs_number.is_(None))).all() == [unknown, second]  # type: ignore[union-attr]
    db.add(Person(**{**world.person.model_dump(exclude={"id"}), "nhs_number": world.person.nhs_number}))
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()


def test_a_number_of_the_wrong_length_is_still_refused(db, world):
    db.add(Person(**{**world.person.model_dump(exclude={"id"}), "nhs_number": "999"}))
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()


def test_found_by_name_and_typo_but_never_by_an_nhs_number(db, world, unknown):
    found, _ = search.search_people(db, search.parse("okafor"))
    assert [p.id for p in found] == [unknown.id]
    found, _ = search.search_people(db, search.parse("grace okafro"))  # typo-tolerant search (trigrams) too
    assert unknown.id in [p.id for p in found]
    for number in (world.person.nhs_number, factories.valid_nhs_number(424242)):
        found, _ = search.search_people(db, search.parse(number))
        assert unknown.id not in [p.id for p in found]


def test_a_referral_without_a_number_matches_by_name_date_of_birth_and_postcode(db, world, unknown):
    details = matching.Details(given_name="Grace", family_name="Okafor", date_of_birth=date(1938, 6, 1), postcode="WF1 2AB")
    found = matching.candidates(db, details)
    assert [c.person.id for c in found] == [unknown.id] and found[0].strength == "Strong match"
    # A referral that does give a number: none on record is no evidence against her.
    with_number = matching.candidates(db, matching.Details(**{**details.__dict__, "nhs_number": factories.valid_nhs_number(424242)}))
    assert with_number[0].person.id == unknown.id and with_number[0].score == found[0].score
    assert "no NHS number on record" in with_number[0].reasons


def test_the_search_page_and_the_summary_show_not_known(client, auth, world, unknown):
    auth.sign_in("nurse")
    page = client.get("/people?q=okafor").get_data(as_text=True)
    assert "OKAFOR" in page and "Not known" in page
    summary = client.get(f"/people/{unknown.id}")
    assert summary.status_code == 200 and "Not known" in summary.get_data(as_text=True)  # the summary list's value
    assert 'NHS number <span class="app-nowrap">not known</span>' in summary.get_data(as_text=True)  # the header
    assert client.get("/").status_code == 200  # the nurse's caseload lists her


def test_assessed_and_given_a_plan_with_its_pages_and_print_view(client, auth, db, world, unknown):
    auth.sign_in("nurse")
    assert auth.post(f"/people/{unknown.id}/assessment").status_code == 302
    assessment_page = client.get(f"/people/{unknown.id}/assessment")
    assert assessment_page.status_code == 200 and "not known</span>" in assessment_page.get_data(as_text=True)
    factories.care_plan(db, unknown, world.nurse)
    for path, words in (
        ("care-plan", 'NHS number <span class="app-nowrap">not known</span>'),
        ("care-plan/print", "NHS number not known."),
        ("care-plan/history", 'NHS number <span class="app-nowrap">not known</span>'),
    ):
        page = client.get(f"/people/{unknown.id}/{path}").get_data(as_text=True)
        assert words in page and "Not known" not in page, path
