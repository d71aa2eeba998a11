"""The palliative care register (what is missing for each person) and the out-of-hours crisis summary
(by NHS number, with a reason, for people who share their record, audited)."""

import pytest
from sqlmodel import select

from app.care_plan import commands
from app.care_plan.commands import SavePart
from app.network import palliative
from models import (
    AgencyKind,
    AnticipatoryMedicines,
    AuditEvent,
    AuditOutcome,
    Consent,
    PalliativeEntry,
    PalliativeStage,
    Profession,
    Role,
)
from tests import factories
from tests.factories import PlanWorld


@pytest.fixture
def world(db):
    world = PlanWorld(db)
    ooh_service = factories.agency(db, AgencyKind.community_nursing, name="Out-of-Hours Service")
    world.ooh = factories.user(db, ooh_service, Role.out_of_hours, Profession.gp, username="ooh")
    return world


def _entry(stage, medicines):
    return PalliativeEntry(person_id=1, stage=stage, anticipatory_medicines=medicines)


def test_what_is_missing_follows_the_advance_care_part_and_the_stage():
    nothing = palliative.missing(_entry(PalliativeStage.stable, AnticipatoryMedicines.not_needed_yet), {})
    assert nothing == ["Preferred place of care", "Preferred place of death", "ReSPECT or DNACPR form"]
    answered = {"preferred_place_of_care": "home", "preferred_place_of_death": "home", "respect_form": "respect"}
    assert palliative.missing(_entry(PalliativeStage.stable, AnticipatoryMedicines.not_needed_yet), answered) == [
        "Where the ReSPECT or DNACPR form is kept"
    ]
    kept = {**answered, "respect_form_kept": "Kitchen drawer"}
    assert palliative.missing(_entry(PalliativeStage.unstable, AnticipatoryMedicines.prescribed), kept) == []
    assert palliative.missing(_entry(PalliativeStage.dying, AnticipatoryMedicines.prescribed), kept) == [
        "Anticipatory medicines in the home"
    ]
    assert palliative.missing(_entry(PalliativeStage.dying, AnticipatoryMedicines.in_home), kept) == []


def test_the_care_team_puts_a_person_on_the_register_and_the_lead_sees_what_is_missing(client, auth, db, world):
    auth.sign_in("nurse")
    bad = auth.post(f"/people/{world.person.id}/palliative", {"version": "0", "stage": "soon"})
    assert bad.status_code == 400 and "Select the stage" in bad.get_data(as_text=True)
    assert db.exec(select(PalliativeEntry)).all() == []
    saved = auth.post(
        f"/people/{world.person.id}/palliative", {"version": "0", "stage": "deteriorating", "anticipatory_medicines": "prescribed"}
    )
    assert saved.status_code == 302
    stale = auth.post(f"/people/{world.person.id}/palliative", {"version": "0", "stage": "dying", "anticipatory_medicines": "in_home"})
    assert stale.status_code == 409
    auth.sign_out()
    auth.sign_in("lead")
    assert (
        auth.post(
            f"/people/{world.person.id}/palliative", {"version": "1", "stage": "dying", "anticipatory_medicines": "in_home"}
        ).status_code
        == 403
    )
    page = client.get(f"/networks/{world.network.id}/register").get_data(as_text=True)
    assert "LOVELACE" in page and "Anticipatory medicines in the home" in page and "Preferred place of death" in page
    auth.sign_out()
    auth.sign_in("otherlead")
    assert client.get(f"/networks/{world.network.id}/register").status_code == 403


def _share(db, world, shares=True):
    db.add(Consent(person_id=world.person.id, shares_with_care_team=shares, recorded_by_id=world.nurse.id))
    db.commit()


def test_an_out_of_hours_clinician_reads_the_crisis_summary_with_a_reason_and_it_is_in_the_access_log(client, auth, db, world):
    _share(db, world)
    saved = commands.save_part(
        db, world.plan, world.person, SavePart("contingency", {"call_first": "Daughter Karen, 07700 900123"}, 0), world.nurse
    )
    assert saved.ok, saved
    db.commit()
    auth.sign_in("ooh")
    assert client.get("/out-of-hours").status_code == 200
    missing_reason = auth.post("/out-of-hours", {"nhs_number": world.person.nhs_number})
    assert missing_reason.status_code == 400 and "Select why you are reading" in missing_reason.get_data(as_text=True)
    unknown = auth.post("/out-of-hours", {"nhs_number": "9999999999", "reason": "visit"})
    assert unknown.status_code == 400 and "There is no record with that NHS number" in unknown.get_data(as_text=True)
    page = auth.post("/out-of-hours", {"nhs_number": world.person.display_nhs_number, "reason": "visit"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Daughter Karen, 07700 900123" in body
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "read_crisis_summary")).one()
    assert (event.username, event.person_id, event.reason) == ("ooh", world.person.id, "out of hours: Visiting the person now")
    auth.sign_out()
    auth.sign_in("nurse")
    log = client.get(f"/people/{world.person.id}/access-log").get_data(as_text=True)
    assert world.ooh.full_name in log and "out of hours: Visiting the person now" in log


def test_no_crisis_summary_for_a_person_who_does_not_share_and_the_refusal_is_audited(client, auth, db, world):
    _share(db, world, shares=False)
    auth.sign_in("ooh")
    response = auth.post("/out-of-hours", {"nhs_number": world.person.nhs_number, "reason": "visit"})
    assert response.status_code == 403 and "LOVELACE" not in response.get_data(as_text=True)
    refused = db.exec(select(AuditEvent).where(AuditEvent.outcome == AuditOutcome.refused)).one()
    assert refused.person_id == world.person.id


def test_the_out_of_hours_role_opens_nothing_else(client, auth, db, world):
    _share(db, world)
    auth.sign_in("ooh")
    for url in (f"/people/{world.person.id}", f"/people/{world.person.id}/care-plan", f"/networks/{world.network.id}", "/referrals"):
        assert client.get(url).status_code in (403, 302), url
    auth.sign_out()
    auth.sign_in("nurse")
    assert client.get("/out-of-hours").status_code == 403
