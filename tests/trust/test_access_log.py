"""Who has looked at my record (key worker and network lead), and the administrators'
audit page, which filters and shows metadata only."""

from datetime import UTC

import pytest
from sqlmodel import select

from app.trust import audit, audit_log
from models import AuditEvent
from tests import factories
from tests.factories import World


@pytest.fixture
def world(db):
    return World(db)


def test_the_key_worker_sees_every_view_change_and_refusal_with_who_agency_when_and_why(client, auth, db, world):
    auth.sign_in("outsider")
    client.get(f"/people/{world.person.id}")  # refused
    auth.post(
        f"/people/{world.person.id}/break-glass", {"reason_code": "safeguarding", "reason_text": "Neighbour reported a fall tonight."}
    )
    client.get(f"/people/{world.person.id}")
    auth.sign_out()
    auth.sign_in("lead")
    client.get(f"/people/{world.person.id}/assessment")
    auth.sign_out()
    auth.sign_in("nurse")
    response = client.get(f"/people/{world.person.id}/access-log")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Who has looked at this record" in page
    assert "Adult Social Care" in page and "Refused" in page and "not in this person&#39;s care team" in page
    assert "Broke the glass to open the record" in page and "Neighbour reported a fall tonight." in page
    assert "Looked at the assessment" in page and "Northgate Surgery" in page and "Network lead" in page
    assert world.lead.full_name in page and world.outsider.full_name in page
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "view_access_log")).one().username == "nurse"


def test_the_record_links_to_the_access_log_only_for_those_who_may_read_it(client, auth, db, world):
    colleague = factories.user(db, world.nursing, username="colleague")
    auth.sign_in("nurse")
    assert f"/people/{world.person.id}/access-log" in client.get(f"/people/{world.person.id}").get_data(as_text=True)
    auth.sign_out()
    auth.sign_in(colleague.username)
    assert f"/people/{world.person.id}/access-log" not in client.get(f"/people/{world.person.id}").get_data(as_text=True)


@pytest.mark.parametrize("username", ["colleague", "outsider", "coordinator", "otherlead", "admin"])
def test_only_the_key_worker_and_network_lead_read_the_access_log(client, auth, db, world, username):
    factories.user(db, world.nursing, username="colleague")  # in the care team, not the key worker
    auth.sign_in(username)
    response = client.get(f"/people/{world.person.id}/access-log")
    assert response.status_code == 403
    refused = db.exec(select(AuditEvent).where(AuditEvent.action == "view_access_log")).one()
    assert refused.outcome.value == "refused" and refused.username == username


def test_the_access_log_pages_and_shows_the_newest_first(client, auth, db, world):
    for n in range(audit_log.PAGE_SIZE + 5):
        audit.record(db, "view_person", user=world.lead, person_id=world.person.id, reason=f"network lead {n}")
    db.commit()
    auth.sign_in("nurse")
    client.get(f"/people/{world.person.id}/access-log")  # this look is recorded as the request ends: newest next time
    first = client.get(f"/people/{world.person.id}/access-log").get_data(as_text=True)
    assert "page 1 of 2" in first and "Looked at who has seen the record" in first.split("network lead")[0]
    second = client.get(f"/people/{world.person.id}/access-log?page=2").get_data(as_text=True)
    assert "network lead 0" in second and "network lead 0" not in first
    assert client.get(f"/people/{world.person.id}/access-log?page=zzz").status_code == 200


def test_the_admin_audit_page_filters_and_shows_metadata_only(client, auth, db, world):
    auth.sign_in("nurse")
    client.get("/people?q=Lovelace")
    auth.post(f"/people/{world.person.id}/consent", {"version": "0", "shares_with_care_team": "yes", "carer_name": "Secret Carer Name"})
    auth.sign_out()
    auth.sign_in("outsider")
    client.get(f"/people/{world.person.id}")
    auth.post(f"/people/{world.person.id}/break-glass", {"reason_code": "other", "reason_text": "Typed clinical words here."})
    auth.sign_out()
    auth.sign_in("admin")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Audit trail" in page and "nurse" in page and "outsider" in page
    for private in ("Lovelace", "LOVELACE", "Secret Carer Name", "Typed clinical words", "not in this person"):
        assert private not in page, private
    refused = client.get("/admin/audit?outcome=refused").get_data(as_text=True)
    assert "outsider" in refused and "Refused" in refused and ">nurse<" not in refused
    only_nurse = client.get("/admin/audit?username=NURSE").get_data(as_text=True)
    assert "outsider" not in only_nurse and "Searched for people" in only_nurse
    by_action = client.get("/admin/audit?action=break_glass").get_data(as_text=True)
    assert "1 event" in by_action


def test_the_admin_audit_page_filters_by_date_in_englands_time(client, auth, db, world):
    from datetime import datetime

    auth.sign_in("admin")
    event = audit.record(db, "view_person", user=world.nurse, person_id=world.person.id)
    event.at = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 July in England (BST)
    db.commit()
    july = client.get("/admin/audit?from-day=1&from-month=7&from-year=2026&to-day=1&to-month=7&to-year=2026&action=view_person")
    june = client.get("/admin/audit?from-day=30&from-month=6&from-year=2026&to-day=30&to-month=6&to-year=2026&action=view_person")
    assert "1 event" in july.get_data(as_text=True) and "0 events" in june.get_data(as_text=True)


@pytest.mark.parametrize(
    "query, message",
    [
        ("from-day=31&from-month=2&from-year=2026", "The first date must be a real date"),
        ("to-day=1&to-month=1&to-year=2026&from-day=2&from-month=1&from-year=2026", "same as or after the first date"),
        ("outcome=maybe", "Select allowed or refused"),
        ("action=drop_tables", "Select an action from the list"),
        ("username=" + "x" * 65, "64 characters or fewer"),
    ],
)
def test_bad_filters_get_a_message_not_an_error(client, auth, world, query, message):
    auth.sign_in("admin")
    response = client.get("/admin/audit?" + query)
    assert response.status_code == 400 and message in response.get_data(as_text=True)


@pytest.mark.parametrize("username", ["nurse", "lead", "coordinator"])
def test_only_administrators_see_the_audit_page(client, auth, world, username):
    auth.sign_in(username)
    assert client.get("/admin/audit").status_code == 403


def test_viewing_the_audit_page_is_itself_audited(client, auth, db, world):
    auth.sign_in("admin")
    client.get("/admin/audit")
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "view_audit")).one().username == "admin"


def test_the_admin_audit_page_does_not_say_which_person_a_record_is_about(client, auth, db, world):
    audit.record(db, "view_person", user=world.nurse, person_id=7777777, record_type="person", record_id=7777777)
    audit.record(db, "view_referral", user=world.nurse, person_id=7777777, record_type="referral", record_id=8888888)
    audit.record(db, "unlock_account", user=world.admin, record_type="user", record_id=world.nurse.id)
    db.commit()
    auth.sign_in("admin")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "7777777" not in page and "8888888" not in page and "Person record" not in page
    assert f"user {world.nurse.id}" in page  # the accounts administrators manage keep their numbers
    assert "nurse" in page and "Looked at a referral" in page
