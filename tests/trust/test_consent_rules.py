"""The person's sharing decisions as commands, without HTTP: checked, recorded against the version
seen, objections withdrawn rather than deleted, and audited."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlmodel import select
from werkzeug.datastructures import MultiDict

from app.trust import consent, forms
from models import AuditEvent, Consent, ConsentObjection
from tests.factories import World


@pytest.fixture
def world(db):
    return World(db)


def _sharing(**changes) -> consent.RecordSharing:
    values = dict(
        shares_with_care_team=True,
        keep_objection_ids=frozenset(),
        object_to_agency_id=None,
        carer_name=None,
        carer_relationship=None,
        carer_contact=None,
        seen_version=0,
    )
    return consent.RecordSharing(**{**values, **changes})


def test_the_sharing_command_is_checked_without_any_form(db, world):
    result = consent.record(
        db, world.person, _sharing(shares_with_care_team=None, object_to_agency_id=world.nursing.id, carer_contact="x" * 121), world.nurse
    )
    assert result.errors == {
        "shares_with_care_team": "Select whether the person agrees to share their record with their care team",
        "object_to_agency_id": ("You cannot record an objection to your own agency: ask another agency in the care team to record it"),
        "carer_contact": "How to contact the carer must be 120 characters or fewer",
        "carer_name": "Enter the carer's name",
    }
    assert consent.record(db, world.person, _sharing(object_to_agency_id=999999), world.nurse).errors == {
        "object_to_agency_id": "Select an agency from the list"
    }
    assert consent.record(db, world.person, _sharing(carer_relationship="Son"), world.nurse).errors == {
        "carer_name": "Enter the carer's name"
    }
    db.commit()
    assert db.exec(select(Consent)).all() == [] and db.exec(select(AuditEvent)).all() == []


def test_the_first_record_and_each_change_take_the_next_version_and_are_audited(db, world):
    first = consent.record(db, world.person, _sharing(object_to_agency_id=world.social_care.id), world.nurse)
    assert first.ok and first.item.version == 1
    objection = db.exec(select(ConsentObjection)).one()
    second = consent.record(
        db, world.person, _sharing(seen_version=1, keep_objection_ids=frozenset({objection.id}), carer_name="Grace Hopper"), world.nurse
    )
    assert second.ok and second.item.version == 2 and second.item.carer_name == "Grace Hopper"
    db.commit()
    assert db.exec(select(ConsentObjection)).one().withdrawn_at is None
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "record_consent")).all()) == 2


def test_two_first_records_at_once_keep_the_first_and_the_second_gets_the_conflict(db, world):
    assert consent.record(db, world.person, _sharing(carer_name="First Carer"), world.nurse).ok
    late = consent.record(db, world.person, _sharing(carer_name="Second Carer"), world.nurse)
    assert late.conflict is not None and late.item is None
    assert late.conflict.yours["carer_name"] == "Second Carer" and late.conflict.theirs["carer_name"] == "First Carer"
    assert late.conflict.writer.id == world.nurse.id and late.conflict.version == 1
    db.commit()
    assert db.exec(select(Consent)).one().carer_name == "First Carer"
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "record_consent")).all()) == 1


def test_a_save_against_an_old_version_writes_nothing(db, world):
    consent.record(db, world.person, _sharing(), world.nurse)
    consent.record(db, world.person, _sharing(seen_version=1, shares_with_care_team=False), world.nurse)
    stale = consent.record(db, world.person, _sharing(seen_version=1, object_to_agency_id=world.social_care.id), world.nurse)
    assert stale.conflict is not None and stale.conflict.version == 2
    db.commit()
    assert db.exec(select(Consent)).one().shares_with_care_team is False and db.exec(select(ConsentObjection)).all() == []


def test_the_form_reads_into_the_same_command(world):
    form = MultiDict(
        [
            ("version", "3"),
            ("shares_with_care_team", "no"),
            ("keep_objection", "7"),
            ("keep_objection", "9"),
            ("object_to", str(world.social_care.id)),
            ("carer_name", "  Grace Hopper "),
            ("carer_contact", ""),
        ]
    )
    command, errors = forms.record_sharing(form)
    assert errors == {}
    assert command == _sharing(
        shares_with_care_team=False,
        keep_objection_ids=frozenset({7, 9}),
        object_to_agency_id=world.social_care.id,
        carer_name="Grace Hopper",
        seen_version=3,
    )


def test_ids_that_cannot_be_read_are_errors_of_the_form(world):
    form = MultiDict([("version", "0"), ("keep_objection", "x1"), ("object_to", "9" * 40)])
    command, errors = forms.record_sharing(form)
    assert errors == {"keep_objection_ids": "Select objections from the list", "object_to_agency_id": "Select an agency from the list"}
    assert command.object_to_agency_id is None and command.keep_objection_ids == frozenset()


def test_the_sharing_view_lists_standing_objections_by_agency_name_with_whether_each_is_in_the_team(db, world):
    from tests import factories

    empty = consent.view(db, world.person.id)
    assert (empty.consent, empty.objections, empty.version, empty.shares_with_care_team) == (None, [], 0, None)
    zeta = factories.agency(db, name="Zeta Housing")
    factories.team_member(db, world.person, zeta)
    assert consent.record(db, world.person, _sharing(object_to_agency_id=zeta.id), world.nurse).ok
    kept = frozenset({db.exec(select(ConsentObjection.id)).one()})
    second = _sharing(seen_version=1, keep_objection_ids=kept, object_to_agency_id=world.social_care.id)
    assert consent.record(db, world.person, second, world.nurse).ok
    db.commit()
    seen = consent.view(db, world.person.id)
    assert (seen.version, seen.shares_with_care_team) == (2, True)
    assert [(o.agency.name, o.in_care_team) for o in seen.objections] == [("Adult Social Care", False), ("Zeta Housing", True)]
    rows = {o.agency_id: o.id for o in db.exec(select(ConsentObjection)).all()}
    assert [o.objection.id for o in seen.objections] == [rows[world.social_care.id], rows[zeta.id]]


def test_objections_not_kept_are_withdrawn_by_the_recorder_and_kept_ones_stand(db, world):
    from tests import factories

    housing = factories.agency(db, name="Housing")
    assert consent.record(db, world.person, _sharing(object_to_agency_id=world.social_care.id), world.nurse).ok
    kept = db.exec(select(ConsentObjection)).one()
    result = consent.record(
        db, world.person, _sharing(seen_version=1, keep_objection_ids=frozenset({kept.id}), object_to_agency_id=housing.id), world.nurse
    )
    assert result.ok
    withdrawn = db.exec(select(ConsentObjection).where(ConsentObjection.agency_id == housing.id)).one()
    result = consent.record(db, world.person, _sharing(seen_version=2, keep_objection_ids=frozenset({withdrawn.id})), world.nurse)
    db.commit()
    db.refresh(kept)
    db.refresh(withdrawn)
    assert kept.withdrawn_at is not None and kept.withdrawn_by_id == world.nurse.id
    assert withdrawn.withdrawn_at is None and withdrawn.recorded_by_id == world.nurse.id
    reasons = db.exec(select(AuditEvent.reason).where(AuditEvent.action == "record_consent").order_by(AuditEvent.seq)).all()
    assert reasons == [
        "shares with care team: yes; objections withdrawn: 0; objection added: yes",
        "shares with care team: yes; objections withdrawn: 0; objection added: yes",
        "shares with care team: yes; objections withdrawn: 1; objection added: no",
    ]


def test_an_objection_already_standing_is_not_recorded_twice(db, world):
    assert consent.record(db, world.person, _sharing(object_to_agency_id=world.social_care.id), world.nurse).ok
    standing = db.exec(select(ConsentObjection)).one()
    again = _sharing(seen_version=1, shares_with_care_team=False, keep_objection_ids=frozenset({standing.id}))
    assert consent.record(db, world.person, replace(again, object_to_agency_id=world.social_care.id), world.nurse).ok
    db.commit()
    assert db.exec(select(ConsentObjection)).all() == [standing]
    assert db.exec(select(AuditEvent.reason).order_by(AuditEvent.seq.desc())).first() == (
        "shares with care team: no; objections withdrawn: 0; objection added: no"
    )


@pytest.mark.parametrize(
    "field, limit, message",
    [
        ("carer_name", 120, "The carer's name must be 120 characters or fewer"),
        ("carer_relationship", 60, "The carer's relationship to the person must be 60 characters or fewer"),
        ("carer_contact", 120, "How to contact the carer must be 120 characters or fewer"),
    ],
)
def test_each_carer_field_has_its_length(db, world, field, limit, message):
    named = {"carer_name": "Grace Hopper"} if field != "carer_name" else {}
    assert consent.check(db, _sharing(**named, **{field: "x" * limit}), world.nurse) == {}
    assert consent.check(db, _sharing(**named, **{field: "x" * (limit + 1)}), world.nurse) == {field: message}


def test_a_carer_with_only_a_way_to_contact_them_needs_a_name(db, world):
    assert consent.check(db, _sharing(carer_contact="07700 900000"), world.nurse) == {"carer_name": "Enter the carer's name"}
    assert consent.check(db, _sharing(carer_name="Grace Hopper", carer_contact="07700 900000"), world.nurse) == {}
    assert consent.check(db, _sharing(carer_name="x" * 121, carer_contact="07700 900000"), world.nurse) == {
        "carer_name": "The carer's name must be 120 characters or fewer"
    }


def test_an_objection_to_another_agency_that_exists_is_accepted(db, world):
    assert consent.check(db, _sharing(object_to_agency_id=world.social_care.id), world.nurse) == {}


def test_a_conflict_names_who_recorded_the_decisions_their_agency_and_when(db, world):
    assert consent.record(db, world.person, _sharing(shares_with_care_team=False, carer_name="Grace Hopper"), world.outsider).ok
    db.commit()
    recorded = db.exec(select(Consent)).one()
    late = consent.record(db, world.person, _sharing(carer_name="Ada"), world.nurse).conflict
    assert late.yours == {"shares_with_care_team": True, "carer_name": "Ada", "carer_relationship": None, "carer_contact": None}
    assert late.theirs == {"shares_with_care_team": False, "carer_name": "Grace Hopper", "carer_relationship": None, "carer_contact": None}
    assert (late.writer.id, late.agency.id, late.at, late.version) == (world.outsider.id, world.social_care.id, recorded.recorded_at, 1)


def test_a_version_sent_for_decisions_never_recorded_is_a_conflict_with_nothing(db, world):
    result = consent.record(db, world.person, _sharing(seen_version=3, carer_name="Ada"), world.nurse)
    assert result.conflict is not None and result.item is None
    assert result.conflict.yours == {"shares_with_care_team": True, "carer_name": "Ada", "carer_relationship": None, "carer_contact": None}
    assert (result.conflict.theirs, result.conflict.writer, result.conflict.agency, result.conflict.at, result.conflict.version) == (
        {},
        None,
        None,
        None,
        0,
    )


def test_every_decision_is_saved_dated_and_audited_against_the_person(db, world):
    carer = dict(carer_name="Grace Hopper", carer_relationship="Daughter", carer_contact="07700 900000")
    first = consent.record(db, world.person, _sharing(object_to_agency_id=world.social_care.id, **carer), world.nurse)
    db.commit()
    saved = db.get(Consent, first.item.id)
    assert (saved.carer_name, saved.carer_relationship, saved.carer_contact, saved.recorded_by_id) == (
        "Grace Hopper",
        "Daughter",
        "07700 900000",
        world.nurse.id,
    )
    objection = db.exec(select(ConsentObjection)).one()
    assert (objection.recorded_by_id, objection.recorded_at) == (world.nurse.id, saved.recorded_at)
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "record_consent")).one()
    assert (event.user_id, event.person_id, event.record_type, event.record_id) == (
        world.nurse.id,
        world.person.id,
        "consent",
        str(world.person.id),
    )


def test_a_change_is_dated_when_it_is_recorded(db, world):
    first = consent.record(db, world.person, _sharing(), world.nurse).item
    db.commit()
    first.recorded_at = datetime(2020, 1, 1, tzinfo=UTC)
    db.add(first)
    db.commit()
    changed = consent.record(db, world.person, _sharing(seen_version=1, shares_with_care_team=False), world.nurse).item
    db.commit()
    assert changed.recorded_at.replace(tzinfo=UTC) > datetime(2025, 1, 1, tzinfo=UTC)


def test_a_conflict_shows_what_another_request_saved_not_what_this_one_read_before(app, db, world):
    from sqlmodel import Session

    assert consent.record(db, world.person, _sharing(carer_name="First"), world.nurse).ok
    db.commit()
    loaded = consent.view(db, world.person.id).consent  # held, so it stays in this session
    assert loaded.carer_name == "First"
    db.commit()
    with Session(app.extensions["oneplan_engine"]) as other:
        row = other.exec(select(Consent)).one()
        row.carer_name, row.version = "Second", 2
        other.add(row)
        other.commit()
    late = consent.record(db, world.person, _sharing(seen_version=1, carer_name="Mine"), world.nurse).conflict
    assert (late.theirs["carer_name"], late.version) == ("Second", 2) and loaded.carer_name == "Second"


def test_a_conflict_with_decisions_whose_recorder_is_unknown_names_nobody(db, world):
    first = consent.record(db, world.person, _sharing(), world.nurse).item
    db.commit()
    first.recorded_by_id = None
    db.add(first)
    db.commit()
    late = consent.record(db, world.person, _sharing(), world.nurse).conflict
    assert (late.writer, late.agency, late.version) == (None, None, 1)


def test_the_person_records_their_own_decisions_audited_as_the_person_under_their_accounts_name(db, world):
    result = consent.record(db, world.person, _sharing(object_to_agency_id=world.nursing.id), None, by_person="ada.lovelace")
    db.commit()
    assert result.ok
    saved = db.get(Consent, result.item.id)
    assert (saved.recorded_by_id, saved.shares_with_care_team) == (None, True)
    objection = db.exec(select(ConsentObjection)).one()  # the person may object to any agency, their key worker's included
    assert (objection.agency_id, objection.recorded_by_id) == (world.nursing.id, None)
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "record_consent")).one()
    assert (event.user_id, event.username, event.agency_id, event.role, event.person_id) == (
        None,
        "ada.lovelace",
        None,
        "person",
        world.person.id,
    )
    withdrawn = consent.record(db, world.person, _sharing(seen_version=1), None, by_person="ada.lovelace")
    db.commit()
    assert withdrawn.ok
    objection = db.exec(select(ConsentObjection)).one()
    assert objection.withdrawn_at is not None and objection.withdrawn_by_id is None


def test_staff_recording_the_decisions_are_audited_in_their_own_name_and_role(db, world):
    consent.record(db, world.person, _sharing(), world.nurse, by_person="ada.lovelace")
    db.commit()
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "record_consent")).one()
    assert (event.user_id, event.username, event.role) == (world.nurse.id, "nurse", "practitioner")
