"""Agencies carry their ODS code (how the GP system and the hospital name them over FHIR): the
administrator gives it when adding an agency, checked for shape and for being nobody else's."""

import pytest
from sqlmodel import select

from models import Agency
from tests.factories import World


@pytest.fixture
def world(db):
    return World(db)


@pytest.fixture
def admin(auth, world):
    auth.sign_in("admin")
    return auth


def test_an_agency_is_added_with_its_ods_code_in_capitals_and_listed_with_it(client, db, world, admin):
    response = admin.post(
        "/admin/agencies/new",
        {"name": "Eastmoor Surgery", "kind": "gp_practice", "network_id": str(world.network.id), "ods_code": " b87 016 "},
    )
    assert response.status_code == 302
    assert db.exec(select(Agency).where(Agency.name == "Eastmoor Surgery")).one().ods_code == "B87016"
    assert "B87016" in client.get("/admin/agencies").get_data(as_text=True)


@pytest.mark.parametrize("code, message", [("B8-7", "3 to 10 letters and numbers"), ("TAKEN1", "Another agency has this ODS code")])
def test_a_malformed_or_taken_ods_code_is_refused_beside_the_field(client, db, world, admin, code, message):
    world.practice.ods_code = "TAKEN1"
    db.add(world.practice)
    db.commit()
    response = admin.post("/admin/agencies/new", {"name": "Age UK Wakefield", "kind": "voluntary", "ods_code": code})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html and 'href="#ods_code"' in html
    assert db.exec(select(Agency).where(Agency.name == "Age UK Wakefield")).first() is None
