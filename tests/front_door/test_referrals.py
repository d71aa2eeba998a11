"""The single point of access over HTTP: intake, matching, the queue, triage and the inbox."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from models import (
    AgencyKind,
    Assessment,
    AuditEvent,
    AuditOutcome,
    CarePlan,
    CareTeamMember,
    ConsentObjection,
    Notification,
    Person,
    Referral,
    ReferralStatus,
    Urgency,
)
from tests import factories
from tests.factories import World


@pytest.fixture
def world(db):
    world = World(db)
    world.nurse.network_id = world.network.id
    db.add(world.nurse)
    db.commit()
    return world


def referral_form(**overrides):
    form = {
        "action": "save",
        "source": "gp",
        "referrer_name": "Dr Rao",
        "referrer_agency": "Northgate Surgery",
        "reason": "Two falls this week; lives alone",
        "requested_urgency": "urgent",
    }
    form.update(overrides)
    return form


def new_person_form(**overrides):
    form = {
        "person_choice": "new",
        "nhs_number": factories.valid_nhs_number(4242),
        "given_name": "Grace",
        "family_name": "Hopper",
        "dob-day": "9",
        "dob-month": "12",
        "dob-year": "1936",
        "postcode": "wf2 7aa",
        "address_line_1": "1 Mill Lane",
        "town": "Wakefield",
    }
    form.update(overrides)
    return form


def count(db, model):
    return db.exec(select(func.count()).select_from(model)).one()


def make_referral(db, world, person=None, urgency=Urgency.urgent, received_at=None, **fields):
    return factories.open_referral(db, person or world.person, urgency, received_at, **fields)


# --- Intake -----------------------------------------------------------------------------


def test_a_coordinator_takes_a_referral_for_an_existing_person(client, auth, db, world):
    auth.sign_in("coordinator")
    response = auth.post("/referrals/new", referral_form(person_choice=str(world.person.id)))
    assert response.status_code == 302
    referral = db.exec(select(Referral)).one()
    assert (referral.person_id, referral.status, referral.urgency) == (world.person.id, ReferralStatus.received, Urgency.urgent)
    assert referral.due_by == referral.received_at + timedelta(hours=2)
    assert response.headers["Location"].endswith(f"/referrals/{referral.id}?notice=received")
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "create_referral")).one().person_id == world.person.id


def test_a_coordinator_creates_a_new_record_from_the_same_form(client, auth, db, world):
    auth.sign_in("coordinator")
    form = new_person_form(gp_practice_id=str(world.practice.id))
    response = auth.post("/referrals/new", referral_form(**form))
    assert response.status_code == 302, response.get_data(as_text=True)
    person = db.exec(select(Person).where(Person.family_name == "Hopper")).one()
    assert person.postcode == "WF2 7AA" and person.gp_practice_id == world.practice.id
    assert db.exec(select(Referral)).one().person_id == person.id


def test_a_second_record_for_an_nhs_number_can_never_be_created(client, auth, db, world):
    auth.sign_in("coordinator")
    form = new_person_form(nhs_number=world.person.display_nhs_number, gp_practice_id=str(world.practice.id))
    response = auth.post("/referrals/new", referral_form(**form))
    assert response.status_code == 400
    assert "A record with this NHS number already exists" in response.get_data(as_text=True)
    assert count(db, Person) == 1 and count(db, Referral) == 0


def test_live_matching_offers_the_exact_nhs_number_first(client, auth, db, world):
    factories.person(db, world.practice)  # another Ada Lovelace with the same birthday
    auth.sign_in("coordinator")
    response = client.get(
        "/referrals/match",
        query_string={
            "nhs_number": world.person.display_nhs_number,
            "family_name": "Lovelace",
            "given_name": "Ada",
            "dob-day": "12",
            "dob-month": "3",
            "dob-year": "1941",
        },
        headers={"HX-Request": "true"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert body.index("NHS number matches") < body.index(world.person.display_nhs_number)
    # The other Ada shares name and birthday but has a different NHS number: not offered.
    assert body.count("Born ") == 1


def test_live_matching_without_htmx_gives_the_whole_form_with_its_matches(client, auth, db, world):
    """A reloaded matching address (or no script) gets the whole intake form, its practices listed,
    with the matching records in it; htmx gets only the matches."""
    auth.sign_in("coordinator")
    query = {"nhs_number": world.person.display_nhs_number}
    page = client.get("/referrals/match", query_string=query)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in body
    assert world.practice.name in body and world.person.display_nhs_number in body
    fragment = client.get("/referrals/match", query_string=query, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and world.practice.name not in fragment and world.person.display_nhs_number in fragment


def test_matching_by_name_date_of_birth_and_postcode_flags_an_open_referral(client, auth, db, world):
    make_referral(db, world)
    auth.sign_in("coordinator")
    body = client.get(
        "/referrals/match",
        query_string={
            "given_name": "ada",
            "family_name": "LOVELACE",
            "dob-day": "12",
            "dob-month": "3",
            "dob-year": "1941",
            "postcode": "WF12AB",
        },
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert "Strong match" in body and "Has an open referral" in body


def test_without_javascript_the_find_button_shows_matches_and_keeps_what_was_typed(client, auth, db, world):
    auth.sign_in("coordinator")
    response = auth.post("/referrals/new", referral_form(action="match", nhs_number=world.person.nhs_number, reason="Kept text"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "NHS number matches" in page and "Kept text" in page
    assert count(db, Referral) == 0


def test_missing_fields_get_errors_next_to_them_and_keep_what_was_typed(client, auth, db, world):
    auth.sign_in("coordinator")
    response = auth.post(
        "/referrals/new",
        {
            "action": "save",
            "referrer_name": "Dr Rao",
            "reason": "x" * 4001,
            "dob-day": "31",
            "dob-month": "2",
            "dob-year": "1940",
            "person_choice": "new",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in [
        "Select where the referral came from",
        "Select how urgently the referrer asks for a response",
        "The reason for referral must be 4000 characters or fewer",
        "The person&#39;s date of birth must be a real date",
        "Enter the person&#39;s given name",
        "Select the person&#39;s GP practice",
    ]:
        assert message in page, message
    assert 'value="Dr Rao"' in page
    assert count(db, Referral) == 0 and count(db, Person) == 1


def test_choosing_no_record_is_an_error(client, auth, db, world):
    auth.sign_in("coordinator")
    page = auth.post("/referrals/new", referral_form()).get_data(as_text=True)
    assert "Choose the person&#39;s record from the matches, or create a new record" in page


def test_a_hospital_discharge_referral_needs_its_ward(client, auth, db, world):
    auth.sign_in("coordinator")
    response = auth.post("/referrals/new", referral_form(source="hospital_discharge", person_choice=str(world.person.id)))
    assert response.status_code == 400 and "Enter the ward" in response.get_data(as_text=True)
    response = auth.post(
        "/referrals/new",
        referral_form(
            source="hospital_discharge",
            person_choice=str(world.person.id),
            ward="Gate 12",
            **{"medically_optimised-day": "1", "medically_optimised-month": "1", "medically_optimised-year": "2026"},
        ),
    )
    assert response.status_code == 302
    referral = db.exec(select(Referral)).one()
    assert referral.ward == "Gate 12" and referral.medically_optimised_on.isoformat() == "2026-01-01"


def test_a_new_referral_for_someone_with_an_open_one_joins_it_and_tightens_its_clock(client, auth, db, world):
    routine = make_referral(db, world, urgency=Urgency.routine)
    auth.sign_in("coordinator")
    response = auth.post("/referrals/new", referral_form(person_choice=str(world.person.id), requested_urgency="urgent"))
    assert response.headers["Location"].endswith(f"/referrals/{routine.id}?notice=linked")
    db.refresh(routine)
    assert routine.urgency is Urgency.urgent and routine.version == 2
    linked = db.exec(select(Referral).where(Referral.linked_to_id == routine.id)).one()
    assert linked.status is ReferralStatus.closed
    queue = client.get("/referrals").get_data(as_text=True)
    assert queue.count("LOVELACE") == 1
    assert "Further referrals joined to this one" in client.get(f"/referrals/{routine.id}").get_data(as_text=True)


def test_only_coordinators_take_referrals(client, auth, db, world):
    auth.sign_in("nurse")
    assert client.get("/referrals/new").status_code == 403
    assert auth.post("/referrals/new", referral_form(person_choice=str(world.person.id))).status_code == 403
    assert count(db, Referral) == 0
    assert db.exec(select(AuditEvent).where(AuditEvent.outcome == AuditOutcome.refused)).all()


# --- Queue ------------------------------------------------------------------------------


def test_the_queue_is_ordered_by_due_by_and_says_overdue_in_words(client, auth, db, world):
    other = factories.person(db, world.practice, given_name="Bea", family_name="Zeta")
    make_referral(db, world, urgency=Urgency.routine)
    make_referral(db, world, person=other, received_at=datetime.now(UTC) - timedelta(hours=5))
    auth.sign_in("coordinator")
    page = client.get("/referrals").get_data(as_text=True)
    assert page.index("ZETA") < page.index("LOVELACE")
    assert "Overdue by 3 hours" in page and "app-clock--overdue" in page


def test_the_queue_filters_by_urgency_source_status_and_network(client, auth, db, world):
    make_referral(db, world, urgency=Urgency.routine)
    auth.sign_in("coordinator")
    assert "LOVELACE" in client.get("/referrals?urgency=routine").get_data(as_text=True)
    assert "LOVELACE" not in client.get("/referrals?urgency=urgent").get_data(as_text=True)
    assert "LOVELACE" not in client.get("/referrals?source=ambulance").get_data(as_text=True)
    assert "LOVELACE" in client.get(f"/referrals?network={world.network.id}").get_data(as_text=True)
    assert "LOVELACE" not in client.get(f"/referrals?network={world.other_network.id}").get_data(as_text=True)
    assert "LOVELACE" not in client.get("/referrals?status=closed").get_data(as_text=True)
    assert client.get("/referrals?status=nonsense&urgency='; DROP TABLE referral;--&network=abc").status_code == 200


def test_the_queue_refreshes_itself_keeping_its_filters(client, auth, db, world):
    make_referral(db, world)
    auth.sign_in("coordinator")
    page = client.get("/referrals?urgency=urgent").get_data(as_text=True)
    assert 'hx-trigger="every 30s"' in page and 'hx-get="/referrals?urgency=urgent"' in page
    fragment = client.get("/referrals?urgency=urgent", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="queue"') and "LOVELACE" in fragment


def test_a_network_lead_sees_their_networks_queue_but_cannot_triage(client, auth, db, world):
    referral = make_referral(db, world)
    auth.sign_in("lead")
    assert "LOVELACE" in client.get("/referrals").get_data(as_text=True)
    assert client.get(f"/referrals/{referral.id}").status_code == 200
    response = auth.post(
        f"/referrals/{referral.id}/decision", {"version": "1", "urgency": "urgent", "decision": "decline", "decline_reason": "x"}
    )
    assert response.status_code == 403


QUEUE_FILTERS = [
    "",
    "?status=all",
    "?status=all&network=",
    "?status=open&network=",
    "?status=received",
    "?network={other}",
    "?status=all&network={other}",
    "?network=abc&status=all",
    "?status=all&urgency=urgent&source=gp&network=",
]


@pytest.mark.parametrize("query", QUEUE_FILTERS)
def test_a_network_lead_never_lists_another_networks_referrals_whatever_the_filters(client, auth, db, world, query):
    """Filters are choices inside what the lead may see (their own network), never the access rule."""
    elsewhere = factories.person(db, factories.agency(db, AgencyKind.gp_practice, world.other_network), "Grace", "Hopper")
    make_referral(db, world, person=elsewhere)
    make_referral(db, world)
    url = "/referrals" + query.format(other=world.other_network.id)
    auth.sign_in("lead")
    for headers in ({}, {"HX-Request": "true"}):
        page = client.get(url, headers=headers).get_data(as_text=True)
        assert "HOPPER" not in page and elsewhere.display_nhs_number not in page, (url, headers)
    auth.sign_out()
    auth.sign_in("coordinator")  # the single point of access lists every network's
    assert "HOPPER" in client.get("/referrals?status=all").get_data(as_text=True)


def test_the_queue_leaves_out_people_who_objected_to_the_viewers_agency(client, auth, db, world):
    make_referral(db, world)
    db.add(ConsentObjection(person_id=world.person.id, agency_id=world.practice.id, recorded_by_id=world.nurse.id))
    db.commit()
    auth.sign_in("lead")  # the lead works for the practice the person objected to
    assert "LOVELACE" not in client.get("/referrals?status=all").get_data(as_text=True)
    auth.sign_out()
    auth.sign_in("coordinator")
    assert "LOVELACE" in client.get("/referrals?status=all").get_data(as_text=True)


def test_practitioners_do_not_see_the_queue(client, auth, db, world):
    auth.sign_in("nurse")
    assert client.get("/referrals").status_code == 403


def test_the_queue_runs_a_fixed_number_of_queries(client, auth, db, world, count_queries):
    make_referral(db, world)
    auth.sign_in("coordinator")
    with count_queries() as one:
        client.get("/referrals")
    for _n in range(6):
        make_referral(db, world, person=factories.person(db, world.practice))
    with count_queries() as seven:
        client.get("/referrals")
    assert one.count == seven.count


# --- Triage -----------------------------------------------------------------------------


def accept_form(world, version=1, **overrides):
    form = {
        "version": str(version),
        "urgency": "urgent",
        "decision": "accept",
        "network_id": str(world.network.id),
        "key_worker_id": str(world.nurse.id),
    }
    form.update(overrides)
    return form


def test_the_spa_may_open_the_record_while_the_referral_is_open(client, auth, db, world):
    referral = make_referral(db, world)
    auth.sign_in("coordinator")
    assert client.get(f"/people/{world.person.id}").status_code == 200
    referral.status = ReferralStatus.closed
    db.add(referral)
    db.commit()
    assert client.get(f"/people/{world.person.id}").status_code == 403


def test_accepting_allocates_the_key_worker_opens_the_assessment_and_plan_and_tells_them(client, auth, db, world):
    other_nurse_agency = factories.agency(db, network=world.network)
    new_key_worker = factories.user(db, other_nurse_agency, network=world.network, username="newkw")
    referral = make_referral(db, world)
    auth.sign_in("coordinator")
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert re.search(rf'<option value="{world.network.id}" selected\s*>', page)  # network defaults from the GP practice
    response = auth.post(f"/referrals/{referral.id}/decision", accept_form(world, key_worker_id=str(new_key_worker.id)))
    assert response.status_code == 302, response.get_data(as_text=True)
    db.refresh(referral)
    assert referral.status is ReferralStatus.accepted and referral.key_worker_id == new_key_worker.id
    team = db.exec(select(CareTeamMember).where(CareTeamMember.person_id == world.person.id)).all()
    key_workers = [m for m in team if m.is_key_worker]
    assert [(m.user_id, m.agency_id) for m in key_workers] == [(new_key_worker.id, other_nurse_agency.id)]
    assert count(db, Assessment) == 1 and count(db, CarePlan) == 1
    note = db.exec(select(Notification)).one()
    assert note.user_id == new_key_worker.id and "key worker for Ada Lovelace" in note.message
    auth.sign_out()
    auth.sign_in("newkw")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "You are now key worker for Ada Lovelace" in inbox
    assert 'class="app-count"' in client.get("/").get_data(as_text=True)


def test_accepting_twice_for_one_person_keeps_one_assessment_and_one_plan(client, auth, db, world):
    first = make_referral(db, world)
    auth.sign_in("coordinator")
    auth.post(f"/referrals/{first.id}/decision", accept_form(world))
    auth.post(f"/referrals/{first.id}/close", {"version": "2"})
    second = make_referral(db, world)
    assert auth.post(f"/referrals/{second.id}/decision", accept_form(world)).status_code == 302
    assert count(db, Assessment) == 1 and count(db, CarePlan) == 1


def test_the_key_worker_must_come_from_the_chosen_network(client, auth, db, world):
    stranger = factories.user(db, world.social_care, network=world.other_network, username="far")
    referral = make_referral(db, world)
    auth.sign_in("coordinator")
    response = auth.post(f"/referrals/{referral.id}/decision", accept_form(world, key_worker_id=str(stranger.id)))
    assert response.status_code == 400
    assert "Select a key worker from Wakefield North" in response.get_data(as_text=True)
    db.refresh(referral)
    assert referral.status is ReferralStatus.received


def test_the_triage_form_labels_each_key_worker_with_their_network(client, auth, db, world):
    far = factories.user(db, world.social_care, network=world.other_network, username="far")
    far.full_name = "Far Away"
    db.add(far)
    db.commit()
    referral = make_referral(db, world)
    auth.sign_in("coordinator")
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert '<optgroup label="Pontefract">' in page and '<optgroup label="Wakefield North">' in page
    assert "Far Away (" in page and ", Pontefract)</option>" in page
    assert f'hx-get="/referrals/{referral.id}"' in page and 'hx-target="#key-worker-field"' in page


def test_choosing_a_network_narrows_the_key_workers_to_it(client, auth, db, world):
    far = factories.user(db, world.social_care, network=world.other_network, username="far")
    far.full_name = "Far Away"
    db.add(far)
    db.commit()
    referral = make_referral(db, world)
    auth.sign_in("coordinator")
    response = client.get(f"/referrals/{referral.id}?network_id={world.other_network.id}", headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment and 'id="key-worker-field"' in fragment
    assert "Far Away" in fragment and "Wakefield North" not in fragment and world.nurse.full_name not in fragment
    nearer = client.get(f"/referrals/{referral.id}?network_id={world.network.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert world.nurse.full_name in nearer and "Far Away" not in nearer
    unknown = client.get(f"/referrals/{referral.id}?network_id=nonsense", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Far Away" in unknown and world.nurse.full_name in unknown  # nothing to narrow to: all of them
    empty = factories.network(db, "Nowhere Yet")
    none_there = client.get(f"/referrals/{referral.id}?network_id={empty.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Far Away" not in none_there and world.nurse.full_name not in none_there  # a network with no key workers lists none
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "view_referral")).all()
    assert len(events) >= 4  # each narrowing is a view of the referral, audited


@pytest.mark.parametrize(
    "form, message",
    [
        ({"decision": "signpost"}, "Enter who the person is signposted to"),
        ({"decision": "decline"}, "Enter the reason for declining"),
        ({"decision": "redirect", "redirect_reason": "closer"}, "Select the network to redirect to"),
        ({"decision": "maybe"}, "Select what happens to this referral"),
        ({"urgency": "whenever", "decision": "decline", "decline_reason": "x"}, "Select the urgency you have decided"),
    ],
)
def test_each_decision_needs_its_details(client, auth, db, world, form, message):
    referral = make_referral(db, world)
    auth.sign_in("coordinator")
    response = auth.post(f"/referrals/{referral.id}/decision", {"version": "1", "urgency": "urgent", **form})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    db.refresh(referral)
    assert referral.status is ReferralStatus.received and referral.version == 1


def test_signpost_decline_and_redirect_record_their_reasons(client, auth, db, world):
    auth.sign_in("coordinator")
    signposted = make_referral(db, world)
    auth.post(
        f"/referrals/{signposted.id}/decision",
        {"version": "1", "urgency": "routine", "decision": "signpost", "signposted_to": "Carers' centre"},
    )
    db.refresh(signposted)
    assert signposted.status is ReferralStatus.signposted and signposted.signposted_to == "Carers' centre"
    assert signposted.urgency is Urgency.routine and signposted.due_by > signposted.received_at + timedelta(days=10)
    redirected = make_referral(db, world, person=factories.person(db, world.practice))
    auth.post(
        f"/referrals/{redirected.id}/decision",
        {
            "version": "1",
            "urgency": "urgent",
            "decision": "redirect",
            "redirect_network_id": str(world.other_network.id),
            "redirect_reason": "Moved house",
        },
    )
    db.refresh(redirected)
    assert redirected.status is ReferralStatus.redirected and redirected.network_id == world.other_network.id
    assert db.exec(select(Notification).where(Notification.user_id == world.other_lead.id)).one()


def test_redirecting_to_the_persons_own_network_is_refused(client, auth, db, world):
    referral = make_referral(db, world)
    auth.sign_in("coordinator")
    response = auth.post(
        f"/referrals/{referral.id}/decision",
        {"version": "1", "urgency": "urgent", "decision": "redirect", "redirect_network_id": str(world.network.id), "redirect_reason": "x"},
    )
    assert "Select a different network" in response.get_data(as_text=True)


def test_the_second_coordinator_is_told_it_was_already_triaged_and_nothing_is_overwritten(client, auth, db, world, app):
    referral = make_referral(db, world)
    other = factories.user(db, world.spa, role=world.coordinator.role, username="coordinator2")
    auth.sign_in("coordinator")
    assert auth.post(f"/referrals/{referral.id}/decision", accept_form(world)).status_code == 302

    second_client = app.test_client()
    from tests.conftest import AuthActions

    second = AuthActions(second_client)
    second.sign_in("coordinator2")
    response = second.post(
        f"/referrals/{referral.id}/decision", {"version": "1", "urgency": "routine", "decision": "decline", "decline_reason": "Not for us"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This referral was already triaged" in page and world.coordinator.full_name in page
    assert "Nothing you entered has been saved" in page and "decline" in page
    db.refresh(referral)
    assert referral.status is ReferralStatus.accepted and referral.decline_reason is None and referral.decided_by_id == world.coordinator.id
    assert other.id != world.coordinator.id


def test_a_stale_version_is_refused_even_before_any_decision(client, auth, db, world):
    referral = make_referral(db, world)
    referral.version = 3
    db.add(referral)
    db.commit()
    auth.sign_in("coordinator")
    response = auth.post(f"/referrals/{referral.id}/decision", accept_form(world, version=2))
    assert response.status_code == 409


def test_a_decision_without_a_version_is_a_clear_400(client, auth, db, world):
    referral = make_referral(db, world)
    auth.sign_in("coordinator")
    form = accept_form(world)
    del form["version"]
    response = auth.post(f"/referrals/{referral.id}/decision", form)
    assert response.status_code == 400 and "version" in response.get_data(as_text=True)


def test_closing_a_decided_referral(client, auth, db, world):
    referral = make_referral(db, world)
    auth.sign_in("coordinator")
    auth.post(f"/referrals/{referral.id}/decision", accept_form(world))
    assert auth.post(f"/referrals/{referral.id}/close", {"version": "2"}).status_code == 302
    db.refresh(referral)
    assert referral.status is ReferralStatus.closed and referral.closed_by_id == world.coordinator.id


def test_an_unknown_referral_is_a_404(client, auth, db, world):
    auth.sign_in("coordinator")
    assert client.get("/referrals/424242").status_code == 404


def test_triage_writes_an_audit_event(client, auth, db, world):
    referral = make_referral(db, world)
    auth.sign_in("coordinator")
    auth.post(f"/referrals/{referral.id}/decision", accept_form(world))
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "triage_referral")).one()
    assert event.person_id == world.person.id and event.detail == "accept; urgency urgent"


# --- Inbox ------------------------------------------------------------------------------


def test_marking_inbox_items_read(client, auth, db, world):
    from app.work import notifications

    first = notifications.notify(db, "x", "First", user_id=world.nurse.id)
    notifications.notify(db, "x", "Second", user_id=world.nurse.id)
    notifications.notify(db, "x", "For my agency", agency_id=world.nursing.id)
    notifications.notify(db, "x", "Someone else's", user_id=world.outsider.id)
    db.commit()
    auth.sign_in("nurse")
    page = client.get("/inbox").get_data(as_text=True)
    assert "First" in page and "For my agency" in page and "Someone else" not in page
    auth.post("/inbox/read", {"notification_id": str(first.id)})
    db.refresh(first)
    assert first.read_at is not None
    auth.post("/inbox/read", {})
    assert all(n.read_at for n in db.exec(select(Notification).where(Notification.user_id == world.nurse.id)))


def test_administrators_have_no_inbox(client, auth, db, world):
    auth.sign_in("admin")
    assert client.get("/inbox").status_code == 403
