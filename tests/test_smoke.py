from tests.factories import World


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_a_nurse_signs_in_and_opens_a_person_in_her_care_team(client, auth, db):
    world = World(db)
    assert auth.sign_in("nurse").status_code == 302
    page = client.get(f"/people/{world.person.id}")
    assert page.status_code == 200, page.get_data(as_text=True)
    assert "LOVELACE" in page.get_data(as_text=True)
