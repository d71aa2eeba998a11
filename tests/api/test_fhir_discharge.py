"""A ward's supported-discharge referral sent as a FHIR ServiceRequest: the ward, the expected
discharge date and the discharge-ready date go through the intake's own command, come back as
sent, and put the person on their network's discharge board as the web intake does."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from app.api.service_request import DISCHARGE_READY_URL, EXPECTED_DISCHARGE_URL, SOURCE_SYSTEM
from app.front_door import clocks
from app.network import discharge
from models import Referral, ReferralSource
from tests.api.test_fhir import _from_fhir, _from_form, issues, post, service_request, token_for
from tests.factories import World

TODAY = clocks.today_in_england(datetime.now(UTC))
READY = TODAY - timedelta(days=3)
EXPECTED = TODAY + timedelta(days=2)


@pytest.fixture
def world(db):
    return World(db)


def ward_referral(nhs, ready=None, expected=None, **overrides):
    ready, expected = ready or READY.isoformat(), expected or EXPECTED.isoformat()
    return service_request(
        nhs,
        category=[{"coding": [{"system": SOURCE_SYSTEM, "code": "hospital_discharge"}]}],
        locationCode=[{"text": "Ward 12, Pinderfields"}],
        extension=[{"url": EXPECTED_DISCHARGE_URL, "valueDate": expected}, {"url": DISCHARGE_READY_URL, "valueDate": ready}],
        **overrides,
    )


def test_a_ward_referral_keeps_its_two_dates_and_returns_them_as_sent(client, db, world):
    token = token_for(db, world.nurse)
    sent = ward_referral(world.person.nhs_number)
    response = post(client, token, sent)
    assert response.status_code == 201, response.get_data(as_text=True)
    referral = db.exec(select(Referral)).one()
    assert referral.source is ReferralSource.hospital_discharge and referral.ward == "Ward 12, Pinderfields"
    assert (referral.expected_discharge_on, referral.medically_optimised_on) == (EXPECTED, READY)
    read = client.get(f"/fhir/ServiceRequest/{referral.id}", headers={"Authorization": f"Bearer {token}"}).get_json(force=True)
    for returned in (response.get_json(force=True), read):
        assert sorted(returned["extension"], key=lambda e: e["url"]) == sorted(sent["extension"], key=lambda e: e["url"])
        assert returned["locationCode"] == sent["locationCode"]


def test_a_ward_referral_by_fhir_is_on_the_networks_discharge_board_with_its_days_since_ready(client, db, world):
    token = token_for(db, world.nurse)
    assert post(client, token, ward_referral(world.person.nhs_number)).status_code == 201
    board = discharge.board(db, world.network.id, TODAY)
    assert [(row.person.id, row.days_since_ready) for row in board.waiting] == [(world.person.id, 3)]
    assert discharge.board(db, world.other_network.id, TODAY).waiting == []


def test_the_api_and_the_form_build_the_same_discharge_command(db, world):
    from dataclasses import replace

    from_fhir = _from_fhir(db, world, ward_referral(world.person.nhs_number))
    from_form = _from_form(
        {
            "action": "save",
            "source": "hospital_discharge",
            "referrer_name": "Dr Ruth Okoye",
            "referrer_agency": world.nursing.name,
            "reason": "Two falls this week; lives alone",
            "presenting_needs": "Daughter visits on Sundays",
            "requested_urgency": "urgent",
            "ward": "Ward 12, Pinderfields",
            "expected_discharge-day": str(EXPECTED.day),
            "expected_discharge-month": str(EXPECTED.month),
            "expected_discharge-year": str(EXPECTED.year),
            "medically_optimised-day": str(READY.day),
            "medically_optimised-month": str(READY.month),
            "medically_optimised-year": str(READY.year),
            "person_choice": str(world.person.id),
        }
    )
    assert from_fhir.medically_optimised_on == READY and from_fhir.expected_discharge_on == EXPECTED
    assert replace(from_fhir, received_via=from_form.received_via) == from_form


def test_a_discharge_ready_date_still_to_come_is_refused_naming_its_extension(client, db, world):
    token = token_for(db, world.nurse)
    response = post(client, token, ward_referral(world.person.nhs_number, ready=(TODAY + timedelta(days=1)).isoformat()))
    assert response.status_code == 422
    assert any(issue.get("expression") == [f"ServiceRequest.extension('{DISCHARGE_READY_URL}')"] for issue in issues(response))
    assert db.exec(select(Referral)).first() is None


def test_a_discharge_date_without_its_day_is_refused(client, db, world):
    token = token_for(db, world.nurse)
    response = post(client, token, ward_referral(world.person.nhs_number, expected=EXPECTED.strftime("%Y-%m")))
    assert response.status_code == 422
    assert issues(response)[0]["expression"] == [f"ServiceRequest.extension('{EXPECTED_DISCHARGE_URL}')"]
    assert db.exec(select(Referral)).first() is None
