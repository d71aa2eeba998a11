"""The intake as a command: every rule checked without any form, one record per NHS number,
and the web form read into the same command (app/front_door/forms.py)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import func, select
from werkzeug.datastructures import MultiDict

from app.front_door import forms, intake
from models import AuditEvent, Person, Referral, ReferralSource, ReferralStatus, Urgency
from tests import factories
from tests.factories import World

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.fixture
def world(db):
    return World(db)


def count(db, model):
    return db.exec(select(func.count()).select_from(model)).one()


def for_person(person_id, **overrides):
    values = dict(
        source=ReferralSource.gp,
        referrer_name="Dr Rao",
        reason="Two falls this week",
        requested_urgency=Urgency.urgent,
        person_id=person_id,
    )
    values.update(overrides)
    return intake.ReceiveReferral(**values)


def grace(world, **overrides):
    values = dict(
        nhs_number=factories.valid_nhs_number(4242),
        given_name="Grace",
        family_name="Hopper",
        date_of_birth=date(1936, 12, 9),
        address_line_1="1 Mill Lane",
        town="Wakefield",
        postcode="wf2 7aa",
        gp_practice_id=world.practice.id,
    )
    values.update(overrides)
    return intake.NewPerson(**values)


def test_a_referral_is_taken_from_a_command_with_no_form_in_sight(db, world):
    result = intake.receive(db, for_person(world.person.id), world.coordinator, now=NOW)
    assert result.ok and result.linked_to is None
    db.commit()
    referral = db.exec(select(Referral)).one()
    assert (referral.person_id, referral.status, referral.received_via) == (world.person.id, ReferralStatus.received, "intake form")
    assert referral.due_by.replace(tzinfo=UTC) == NOW + timedelta(hours=2)
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "create_referral")).one().user_id == world.coordinator.id


def test_a_new_record_is_made_from_the_commands_details(db, world):
    result = intake.receive(db, for_person(None, new_person=grace(world)), world.coordinator, now=NOW)
    assert result.ok, result.errors
    db.commit()
    person = db.exec(select(Person).where(Person.family_name == "Hopper")).one()
    assert (person.postcode, person.postcode_key, person.given_name_key) == ("WF2 7AA", "WF27AA", "grace")
    assert person.created_at is not None and result.referral.person_id == person.id
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "create_person")).one().person_id == person.id


def test_every_rule_is_checked_by_the_intake_itself_by_command_field(db, world):
    errors = intake.check(db, intake.ReceiveReferral(reason="x" * 4001), today=NOW.date())
    assert errors == {
        "source": "Select where the referral came from",
        "referrer_name": "Enter the referrer's name",
        "reason": "The reason for referral must be 4000 characters or fewer",
        "requested_urgency": "Select how urgently the referrer asks for a response",
        "person_id": "Choose the person's record from the matches, or create a new record",
    }


def test_a_new_record_needs_real_details(db, world):
    details = grace(
        world,
        nhs_number="999 000 0019",
        given_name="123",
        family_name=None,
        date_of_birth=date(2030, 1, 1),
        postcode="WF AAA",
        gp_practice_id=world.nursing.id,
    )
    errors = intake.check(db, for_person(None, new_person=details), today=NOW.date())
    assert errors == {
        "nhs_number": "Enter a valid NHS number (the check digit does not match)",
        "given_name": "Names must include letters",
        "family_name": "Enter the person's family name",
        "date_of_birth": "The person's date of birth must be today or in the past",
        "postcode": "Enter a real postcode, like WF1 2AB",
        "gp_practice_id": "Select the person's GP practice",
    }


def test_an_nhs_number_that_has_a_record_is_refused(db, world):
    details = grace(world, nhs_number=world.person.display_nhs_number)
    result = intake.receive(db, for_person(None, new_person=details), world.coordinator, now=NOW)
    assert result.errors == {"nhs_number": "A record with this NHS number already exists: choose it from the matching records"}
    assert count(db, Person) == 1 and count(db, Referral) == 0


def test_a_record_made_a_moment_ago_by_someone_else_is_not_made_twice(db, world, monkeypatch):
    # As if the other coordinator's record arrived between this intake's check and its insert.
    monkeypatch.setattr(intake, "check_new_person", lambda *args: {})
    details = grace(world, nhs_number=world.person.nhs_number)
    result = intake.receive(db, for_person(None, new_person=details), world.coordinator, now=NOW)
    assert result.errors == {"nhs_number": "A record with this NHS number was created just now: choose it from the matching records"}
    db.commit()  # nothing to undo: the session carries on
    assert count(db, Person) == 1 and count(db, Referral) == 0
    assert not db.exec(select(AuditEvent).where(AuditEvent.action == "create_person")).all()


def test_a_hospital_discharge_needs_its_ward_and_an_optimised_date_that_has_passed(db, world):
    command = for_person(world.person.id, source=ReferralSource.hospital_discharge, medically_optimised_on=NOW.date() + timedelta(days=1))
    assert intake.check(db, command, today=NOW.date()) == {
        "ward": "Enter the ward",
        "medically_optimised_on": "The date the person was medically optimised for discharge must be today or in the past",
    }


def test_discharge_details_are_kept_only_for_a_referral_from_hospital(db, world):
    result = intake.receive(db, for_person(world.person.id, ward="Gate 12", expected_discharge_on=NOW.date()), world.coordinator, now=NOW)
    assert result.referral.ward is None and result.referral.expected_discharge_on is None


def test_a_record_that_no_longer_exists_is_chosen_again(db, world):
    assert intake.check(db, for_person(424242), today=NOW.date()) == {
        "person_id": "Choose the person's record again: the one chosen no longer exists",
    }


# --- The intake form, read into the command ---------------------------------------------


def intake_form(**overrides):
    form = {
        "action": "save",
        "source": "hospital_discharge",
        "referrer_name": " Dr Rao ",
        "referrer_agency": "",
        "reason": "Two falls",
        "requested_urgency": "two_day",
        "ward": "Gate 12",
        "expected_discharge-day": "3",
        "expected_discharge-month": "11",
        "expected_discharge-year": "2026",
        "person_choice": "new",
        "nhs_number": "999 000 0018",
        "given_name": "Grace",
        "family_name": "Hopper",
        "dob-day": "9",
        "dob-month": "12",
        "dob-year": "1936",
        "address_line_1": "1 Mill Lane",
        "town": "Wakefield",
        "postcode": "WF2 7AA",
        "gp_practice_id": "7",
    }
    form.update(overrides)
    return MultiDict(form)


def test_the_form_is_read_into_dates_enums_and_ids():
    command, unread = forms.intake_referral(intake_form())
    assert unread == {}
    assert command.source is ReferralSource.hospital_discharge and command.requested_urgency is Urgency.two_day
    assert (command.referrer_name, command.referrer_agency) == ("Dr Rao", None)
    assert command.expected_discharge_on == date(2026, 11, 3) and command.medically_optimised_on is None
    assert command.person_id is None
    assert command.new_person == intake.NewPerson(
        nhs_number="999 000 0018",
        given_name="Grace",
        family_name="Hopper",
        date_of_birth=date(1936, 12, 9),
        address_line_1="1 Mill Lane",
        town="Wakefield",
        postcode="WF2 7AA",
        gp_practice_id=7,
    )


def test_choosing_a_record_ignores_the_new_records_boxes_and_a_gp_source_its_discharge_boxes():
    command, unread = forms.intake_referral(intake_form(person_choice="12", source="gp", **{"dob-month": "13"}))
    assert unread == {}
    assert (command.person_id, command.new_person, command.ward, command.expected_discharge_on) == (12, None, None, None)


def test_options_and_ids_that_are_not_on_the_form_are_read_as_not_chosen():
    command, _ = forms.intake_referral(intake_form(source="pigeon", requested_urgency="whenever", person_choice="99999999999999"))
    assert (command.source, command.requested_urgency, command.person_id, command.new_person) == (None, None, None, None)


def test_a_date_that_cannot_be_read_is_the_forms_error_in_place_of_the_intakes(db, world):
    form = intake_form(**{"dob-day": "31", "dob-month": "2", "expected_discharge-year": "26", "gp_practice_id": ""})
    command, unread = forms.intake_referral(form)
    assert unread == {
        "dob-day": "The person's date of birth must be a real date",
        "expected_discharge-day": "The expected discharge date must be a real date",
    }
    errors = forms.intake_errors(intake.check(db, command, today=NOW.date()), unread)
    assert errors == {  # in the order the intake checks its fields
        "expected_discharge-day": "The expected discharge date must be a real date",
        "dob-day": "The person's date of birth must be a real date",
        "gp_practice_id": "Select the person's GP practice",
    }


def test_the_intakes_field_names_are_shown_by_the_forms_field_ids():
    errors = forms.intake_errors({"medically_optimised_on": "a", "person_id": "b", "source": "c"}, {})
    assert errors == {"source": "c", "medically_optimised-day": "a", "person_choice": "b"}


def test_live_matching_reads_what_has_been_typed_so_far_leniently():
    details = forms.person_details(MultiDict({"nhs_number": "999 000 001", "family_name": "Hopper", "dob-day": "9", "dob-month": "12"}))
    assert (details.nhs_number, details.family_name, details.date_of_birth) == (None, "Hopper", None)


def test_a_new_record_can_be_made_when_the_nhs_number_is_not_known(db, world):
    unknown = grace(world, nhs_number=None, nhs_number_not_known=True)
    result = intake.receive(db, for_person(None, new_person=unknown), world.coordinator, now=NOW)
    assert result.ok, result.errors
    second = grace(world, nhs_number="", given_name="Amal", family_name="Hassan", nhs_number_not_known=True)
    assert intake.receive(db, for_person(None, new_person=second), world.coordinator, now=NOW).ok  # NULLs are distinct
    db.commit()
    made = db.exec(select(Person).where(Person.nhs_number.is_(None)).order_by(Person.id)).all()
    assert [p.family_name for p in made] == ["Hopper", "Hassan"] and made[0].display_nhs_number == "Not known"


def test_the_nhs_number_is_given_or_said_to_be_not_known_but_not_both(db, world):
    def nhs_error(**overrides):
        return intake.check(db, for_person(None, new_person=grace(world, **overrides)), today=NOW.date()).get("nhs_number")

    assert nhs_error(nhs_number=None) == "Enter an NHS number, or select 'NHS number not known'"
    assert nhs_error(nhs_number="  ") == "Enter an NHS number, or select 'NHS number not known'"
    assert nhs_error(nhs_number_not_known=True) == "Enter the NHS number, or select 'NHS number not known', not both"
    assert nhs_error(nhs_number=None, nhs_number_not_known=True) is None


def test_the_form_reads_the_not_known_box(db, world):
    command, _ = forms.intake_referral(intake_form(nhs_number="", nhs_number_not_known="yes"))
    assert command.new_person.nhs_number is None and command.new_person.nhs_number_not_known
    command, _ = forms.intake_referral(intake_form())
    assert not command.new_person.nhs_number_not_known


def test_the_intake_page_takes_a_referral_for_someone_whose_nhs_number_is_not_known(client, auth, db, world):
    auth.sign_in("coordinator")
    page = client.get("/referrals/new").get_data(as_text=True)
    assert 'name="nhs_number_not_known"' in page and "NHS number not known" in page
    form = intake_form(source="gp", nhs_number="", gp_practice_id=str(world.practice.id))
    refused = auth.post("/referrals/new", dict(form))
    assert refused.status_code == 400 and "Enter an NHS number, or select" in refused.get_data(as_text=True)
    taken = auth.post("/referrals/new", {**dict(form), "nhs_number_not_known": "yes"})
    assert taken.status_code == 302, taken.get_data(as_text=True)
    person = db.exec(select(Person).where(Person.family_name == "Hopper")).one()
    assert person.nhs_number is None
    assert "Not known" in client.get(taken.headers["Location"]).get_data(as_text=True)
