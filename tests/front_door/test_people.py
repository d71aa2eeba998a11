from sqlmodel import select

from models import AuditEvent, AuditOutcome
from tests import factories
from tests.factories import World


def test_search_page_shows_only_matching_details(client, auth, db):
    world = World(db)
    auth.sign_in("outsider")  # anyone signed in may search, even outside the care team
    page = client.get("/people?q=lovelace").get_data(as_text=True)
    assert "LOVELACE, Ada" in page
    assert world.person.display_nhs_number in page
    assert "12 March 1941" in page and "WF1 2AB" in page
    assert "Test Street" not in page  # the address is for the record, not the search list


def test_search_with_htmx_returns_only_the_results_fragment(client, auth, db):
    World(db)
    auth.sign_in("nurse")
    response = client.get("/people?q=lovelace", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "LOVELACE, Ada" in body
    assert "<html" not in body and "<h1>" not in body


def test_search_is_audited_with_the_query(client, auth, db):
    World(db)
    auth.sign_in("nurse")
    client.get("/people?q=lovelace")
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "search_people")).one()
    assert event.detail == "lovelace" and event.username == "nurse"


def test_search_explains_input_it_cannot_use(client, auth, db):
    World(db)
    auth.sign_in("nurse")
    page = client.get("/people?q=999+123+4560").get_data(as_text=True)
    assert "check digit" in page


def test_sql_injection_in_search_is_just_text(client, auth, db):
    World(db)
    auth.sign_in("nurse")
    for attack in ["' OR 1=1 --", "lovelace'; DROP TABLE person; --", "%", "_"]:
        response = client.get("/people", query_string={"q": attack})
        assert response.status_code == 200
        assert "LOVELACE" not in response.get_data(as_text=True)
    assert "LOVELACE" in client.get("/people?q=lovelace").get_data(as_text=True)


def test_summary_shows_practice_network_and_care_team_with_key_worker(client, auth, db):
    world = World(db)
    factories.team_member(db, world.person, world.social_care, role="Social work")
    auth.sign_in("nurse")
    page = client.get(f"/people/{world.person.id}").get_data(as_text=True)
    assert "Northgate Surgery" in page and "Wakefield North" in page
    assert "North Community Nursing" in page and "Adult Social Care" in page
    assert "Key worker" in page and world.nurse.full_name in page


def test_viewing_a_record_writes_an_audit_event(client, auth, db):
    world = World(db)
    auth.sign_in("nurse")
    client.get(f"/people/{world.person.id}")
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "view_person")).one()
    assert (event.user_id, event.person_id, event.outcome) == (world.nurse.id, world.person.id, AuditOutcome.allowed)
    assert event.agency_id == world.nursing.id and event.client_address == "127.0.0.1"


def test_an_unknown_person_is_a_404_page(client, auth, db):
    World(db)
    auth.sign_in("nurse")
    response = client.get("/people/999999")
    assert response.status_code == 404
    assert "There is no person with that record number." in response.get_data(as_text=True)


def test_the_summary_page_runs_a_fixed_number_of_queries_whatever_the_team_size(client, auth, db, count_queries):
    world = World(db)
    auth.sign_in("nurse")
    client.get(f"/people/{world.person.id}")
    with count_queries() as small:
        assert client.get(f"/people/{world.person.id}").status_code == 200
    for _n in range(8):
        agency = factories.agency(db)
        factories.team_member(db, world.person, agency, factories.user(db, agency))
    with count_queries() as large:
        assert client.get(f"/people/{world.person.id}").status_code == 200
    assert small.count == large.count
    # The signed-in session (with the header's unread count), the person with the record rule's facts,
    # the GP practice, the care team, the standing objections (the header's too: with the team, they
    # say whether to link to the access log), the referral that brought the person in, what the
    # network's meetings decided, and its audit event (one statement on either database, app/trust/audit_chain.py).
    # Whether the reader may see the record's clinical content is the decision made when it was opened.
    assert large.count == 8, large.statements
    assert sum(1 for s in large.statements if "care_team_member.agency_id" in s and "FROM person" in s) == 1  # the record rule, once
    assert not any(s.startswith("SELECT EXISTS") for s in large.statements)  # and with the person


def test_the_search_page_runs_a_fixed_number_of_queries_whatever_the_results(client, auth, db, count_queries):
    world = World(db)
    auth.sign_in("nurse")
    with count_queries() as one:
        client.get("/people?q=lovelace")
    for _ in range(10):
        factories.person(db, world.practice)
    with count_queries() as eleven:
        client.get("/people?q=lovelace")
    assert one.count == eleven.count


def test_administrators_cannot_search_people_and_the_refusal_is_audited(client, auth, db):
    world = World(db)
    auth.sign_in("admin")
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get("/people?q=lovelace", headers=headers)
        body = response.get_data(as_text=True)
        assert response.status_code == 403
        assert "LOVELACE" not in body and world.person.display_nhs_number not in body
    refused = db.exec(select(AuditEvent).where(AuditEvent.outcome == AuditOutcome.refused)).all()
    assert [(e.action, e.username) for e in refused] == [("search_people", "admin")] * 2
    assert not db.exec(select(AuditEvent).where(AuditEvent.action == "search_people", AuditEvent.outcome == AuditOutcome.allowed)).all()
    home = client.get("/").get_data(as_text=True)
    assert "/people" not in home  # no "Find a person" for an administrator


def _standing_in_search(client, text="lovelace"):
    page = client.get(f"/people?q={text}").get_data(as_text=True)
    row = page.split("LOVELACE, Ada", 1)[1].split("</tr>", 1)[0]
    return row


def test_search_says_the_person_is_in_your_care_team(client, auth, db):
    World(db)
    auth.sign_in("nurse")
    assert "In your care team" in _standing_in_search(client)


def test_search_says_someone_outside_the_team_would_need_to_break_glass(client, auth, db):
    World(db)
    auth.sign_in("outsider")
    row = _standing_in_search(client)
    assert "Not in your care team (you would need to break glass)" in row and "In your care team" not in row


def test_search_says_a_break_glass_grant_opens_the_record_for_now(client, auth, db):
    world = World(db)
    auth.sign_in("outsider")
    auth.post(f"/people/{world.person.id}/break-glass", {"reason_code": "urgent_care", "reason_text": "Called to a fall at home tonight."})
    assert "Open to you with break-glass access for now" in _standing_in_search(client)


def test_search_says_a_network_lead_can_read_their_networks_records_and_not_others(client, auth, db):
    World(db)
    auth.sign_in("lead")
    assert "In your network: you can read the record" in _standing_in_search(client)
    auth.sign_out()
    auth.sign_in("otherlead")
    row = _standing_in_search(client)
    assert "Not in your care team" in row and "break glass" not in row


def test_search_says_when_the_person_has_objected_to_your_agency(client, auth, db):
    from models import ConsentObjection

    world = World(db)
    db.add(ConsentObjection(person_id=world.person.id, agency_id=world.nursing.id))
    db.commit()
    auth.sign_in("nurse")
    row = _standing_in_search(client)
    assert "Has objected to sharing with your agency" in row and "In your care team" not in row


def test_search_standing_is_read_in_a_fixed_number_of_queries_whatever_the_mix(client, auth, db, count_queries):
    world = World(db)
    auth.sign_in("nurse")
    with count_queries() as one:
        client.get("/people?q=lovelace")
    for number in range(6):
        other = factories.person(db, world.practice)
        if number % 2:
            factories.team_member(db, other, world.nursing, world.nurse)
    with count_queries() as seven:
        page = client.get("/people?q=lovelace").get_data(as_text=True)
    assert one.count == seven.count
    assert page.count("In your care team") == 1 + 3 and page.count("Not in your care team") == 3


def test_a_search_by_nhs_number_says_where_each_user_stands_as_a_name_search_does(client, auth, db):
    world = World(db)
    for who in ("nurse", "outsider", "lead", "otherlead"):
        auth.sign_in(who)
        assert _standing_in_search(client, world.person.nhs_number) == _standing_in_search(client), who
        auth.sign_out()


def test_a_search_by_nhs_number_reads_the_person_and_the_standing_in_one_statement(client, auth, db, count_queries):
    world = World(db)
    auth.sign_in("nurse")
    client.get(f"/people?q={world.person.nhs_number}")
    with count_queries() as counted:
        page = client.get(f"/people?q={world.person.nhs_number}").get_data(as_text=True)
    assert "In your care team" in page and "1 person matches" in page
    # The signed-in session with the header's unread count, the person with where the nurse stands,
    # and the search's audit event (one statement on either database).
    assert counted.count == 3, counted.statements
