"""The HTTP floor (bench/floor_app.py) serves each of the bench's page scenarios with the rows the
app's own page shows, so that the bench compares like with like. Not timed: figures are the
bench's business."""

import html
import random
import re

import pytest

from app.demo import district
from bench import floor, floor_app
from bench.__main__ import build_scenarios
from tests.conftest import AuthActions

_CELL = re.compile(r"<td>(.*?)</td>", re.S)
_ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
_NHS = re.compile(r"\b999 ?\d{3} ?\d{4}\b")


@pytest.fixture
def district_built(app, runner):
    result = runner.invoke(args=["demo-data", "--people", "300", "--seed", "3"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def floor_client(database_url):
    served = floor_app.create_app(database_url)
    yield served.test_client()
    served.extensions["floor_engine"].dispose()


def _rows(page: str) -> list[list[str]]:
    return [[html.unescape(cell) for cell in _CELL.findall(row)] for row in _ROW.findall(page)]


def _nhs_numbers(page: str) -> set[str]:
    return {found.replace(" ", "") for found in _NHS.findall(page)}


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", page))


def _per_query(connection, scenario: str, parameters: dict) -> list[list[list[str]]]:
    """Each of the scenario's floor queries' rows, as the floor's page shows them."""
    found = []
    for statement, names in floor.statements(connection.dialect.name, scenario):
        rows = connection.execute(statement, {k: v for k, v in parameters.items() if k in names}).all()
        found.append([[str(value) for value in row] for row in rows])
    return found


def _column(queries: list, query: int, index: int) -> set[str]:
    return {row[index] for row in queries[query] if row[index] not in ("", "None")}


# What of the floor's rows each page shows: (which query, which column).
PERSON_NHS = (0, 4)  # floor.PERSON_COLUMNS: its nhs_number
SHOWN = {
    "person_summary": [(1, 2), (1, 3)],  # the care team: its agencies, its people
    "assessment": [(2, 0)],  # the needs it suggests
    "referral_queue": [(0, 7)],  # the people's NHS numbers
    "intake_matching": [PERSON_NHS],
    "care_plan": [(2, 1), (4, 1)],  # the needs, the actions
    "care_plan_30_needs_100_actions": [(2, 1), (4, 1)],
    "worklist_busy_agency": [(1, 1), (1, 7)],  # the actions, the people's NHS numbers
    "my_work_busy_agency": [(2, 0)],  # how many people the agency holds
    "discharge_board": [(0, 4)],  # the people's family names
    "mdt_meeting": [(0, 0), (0, 4)],  # the questions, the people's NHS numbers
}
# What the page says when the floor finds nothing (a small district may have no one waiting).
NOTHING = {"discharge_board": "No one is waiting."}
# The lists: the app's page shows these people, no more and no fewer.
LISTS = {"search_nhs_number": PERSON_NHS, "search_name": PERSON_NHS, "search_name_htmx": PERSON_NHS, "search_postcode": PERSON_NHS}
LISTS |= {"search_name_and_dob": PERSON_NHS, "referral_queue": (0, 7)}


def test_the_floor_app_serves_every_page_scenario_with_the_rows_the_app_shows(app, db, database_url, district_built, floor_client):
    engine = app.extensions["oneplan_engine"]
    scenarios = build_scenarios(engine, random.Random(1), big_person=0)
    scenarios["care_plan_30_needs_100_actions"] = ("nurse", [])  # no big plan here: the same queries as care_plan
    signed_in: dict = {}
    compared = []
    for name, (who, entries) in scenarios.items():
        if not entries:
            continue
        if who not in signed_in:
            signed_in[who] = app.test_client()
            assert AuthActions(signed_in[who]).sign_in(who, district.DEMO_PASSWORD).status_code in (302, 303)
        path, htmx, parameters = entries[0]
        answer = signed_in[who].get(path, headers={"HX-Request": "true"} if htmx else {})
        assert answer.status_code == 200, (name, path)
        page = answer.get_data(as_text=True)
        served = floor_client.get(floor.address(name, parameters))
        assert served.status_code == 200, name
        with engine.connect() as connection:
            queries = _per_query(connection, name, parameters)
        assert _rows(served.get_data(as_text=True)) == [row for rows in queries for row in rows], name

        if name in LISTS:
            shown = _column(queries, *LISTS[name])
            assert shown, name
            asked = {parameters.get("nhs")}
            assert _nhs_numbers(page) - asked == shown - asked, name
        text = _text(page)
        for query, index in SHOWN.get(name, []):
            expected = _column(queries, query, index)
            if not expected and name in NOTHING:
                assert NOTHING[name] in text, name  # none on the floor, and none on the page
                continue
            assert expected, (name, query, index)
            missing = {value for value in expected if value not in text and value.upper() not in text} - _nhs_numbers(page)
            assert not missing, (name, missing)
        compared.append(name)
    assert {"search_nhs_number", "person_summary", "assessment", "care_plan", "worklist_busy_agency", "my_work_busy_agency"} <= set(
        compared
    )


def test_the_floor_apps_parameters_travel_with_their_types():
    from datetime import date, datetime

    parameters = {"person_id": 7, "dob": date(1940, 2, 3), "since": datetime(2026, 11, 2, 9, 30), "low": "smi", "high": "smj"}
    address = floor.address("search_name_and_dob", parameters)
    assert address.startswith("/floor/search_name_and_dob?")
    from urllib.parse import parse_qsl, urlsplit

    assert floor.parameters_from(dict(parse_qsl(urlsplit(address).query))) == parameters


def test_the_floor_apps_save_writes_a_revision(app, db, district_built, floor_client):
    from sqlalchemy import text

    engine = app.extensions["oneplan_engine"]
    with engine.connect() as connection:
        person_id = connection.execute(text("SELECT person_id FROM assessment ORDER BY id LIMIT 1")).scalar()
        before = connection.execute(text("SELECT count(*) FROM assessment_revision")).scalar()
    assert floor_client.post("/floor/assessment_section_save", data={"person_id": person_id, "label": "test"}).status_code == 200
    assert floor_client.get("/healthz").status_code == 200
    assert floor_client.get("/floor/no_such_page").status_code == 404
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM assessment_revision")).scalar() == before + 1


def test_on_postgresql_the_floors_name_search_by_pairs_finds_the_people_reading_person_by_person_would(app, db, district_built):
    """The app finds names pair by pair on PostgreSQL (person_name_pair); so does its floor there,
    and a page of the pairs gives the same people, in the same order, as reading person by person."""
    from sqlalchemy import text

    engine = app.extensions["oneplan_engine"]
    if engine.dialect.name != "postgresql":
        pytest.skip("person_name_pair is PostgreSQL's")
    with engine.connect() as connection:
        keys = connection.execute(text("SELECT family_name_key, given_name_key FROM person ORDER BY id LIMIT 40")).all()
        terms = {key[:n] for pair in keys for key in pair for n in (1, 2, 4) if key[:n]} | {pair[0] for pair in keys}
        compared = 0
        for term in sorted(terms):
            parameters = {"low": term, "high": term[:-1] + chr(ord(term[-1]) + 1)}
            by_person = connection.execute(text(floor.BY_NAME), parameters).all()
            assert connection.execute(text(floor.BY_NAME_PAIRS), parameters).all() == by_person, term
            compared += len(by_person) == floor.LIMIT
    assert compared, "some names fill the page, so which pairs make it matters"
