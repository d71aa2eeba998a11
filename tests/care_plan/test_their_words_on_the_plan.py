"""Staff see the person's own comments and questions on actions, and their carer's notes, in a fold
on the staff plan page (not only in the inbox), read in the page's fixed number of queries."""

import re

import pytest
from sqlmodel import select

from app.my_record import words
from models import PersonNote
from tests import factories
from tests.care_plan.test_plan_commands import add
from tests.factories import PlanWorld


@pytest.fixture
def world(db):
    return PlanWorld(db)


def _url(world):
    return f"/people/{world.person.id}/care-plan"


def _their_words(db, world, n=1, suffix=""):
    action = add(db, world, "action", description="Help with shopping on Tuesdays", owner_agency_id=world.social_care.id)
    person = factories.person_account(db, world.person, "ada" + suffix)
    carer = factories.person_account(db, world.person, "adascarer" + suffix, kind="carer")
    for i in range(n):
        command = words.NoteOnAction(action.id, "question" if i % 2 else "comment", f"Could it be Wednesdays instead? ({i})")
        assert words.note_on_action(db, world.plan, world.person, person, command).ok
        assert words.carer_note(db, world.person, carer, f"She was tired after the visit ({i})").ok
    db.commit()
    return action, carer


def test_the_staff_plan_shows_the_persons_and_carers_words_folded(client, auth, db, world):
    action, carer = _their_words(db, world)
    auth.sign_in("nurse")
    page = client.get(_url(world)).get_data(as_text=True)
    fold = re.search(r'<details[^>]*id="their-words".*?</details>', page, re.S)
    assert fold, "no fold of the person's words"
    html = fold.group(0)
    assert f"From {world.person.given_name} and their carer (2)" in html
    assert "Could it be Wednesdays instead? (0)" in html and f'href="#action-{action.id}"' in html
    assert "She was tired after the visit (0)" in html and f"{carer.full_name}, {world.person.given_name}'s carer" in html
    assert f"{world.person.given_name}, in their own words" in html


def test_without_their_words_there_is_no_fold(client, auth, db, world):
    auth.sign_in("nurse")
    assert 'id="their-words"' not in client.get(_url(world)).get_data(as_text=True)


def test_someone_outside_the_team_does_not_see_their_words(client, auth, db, world):
    _their_words(db, world)
    elsewhere = factories.agency(db, name="Elsewhere Nursing")
    factories.user(db, elsewhere, username="elsewhere")
    db.commit()
    auth.sign_in("elsewhere")
    page = client.get(_url(world))
    html = page.get_data(as_text=True)  # refused, or offered break-glass: never the plan
    assert "Wednesdays" not in html and 'id="their-words"' not in html and "tired after the visit" not in html


def test_their_words_are_read_in_a_fixed_number_of_queries(client, auth, db, world, count_queries):
    _their_words(db, world, n=1)
    auth.sign_in("nurse")
    client.get(_url(world))
    with count_queries() as few:
        assert client.get(_url(world)).status_code == 200
    _their_words(db, world, n=6, suffix="2")
    assert len(db.exec(select(PersonNote)).all()) == 14
    with count_queries() as many:
        assert client.get(_url(world)).status_code == 200
    assert many.count == few.count
