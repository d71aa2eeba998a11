"""The care team page: who is in a person's care team, adding an agency (so it can be given actions)
and taking one out, with the rules that keep the plan whole."""

import pytest
from sqlmodel import select

from models import AuditEvent, CareTeamMember
from tests.care_plan.test_plan_commands import add
from tests.factories import PlanWorld


@pytest.fixture
def world(db):
    return PlanWorld(db)


def team(world):
    return f"/people/{world.person.id}/team"


def test_the_team_page_lists_the_team_with_the_key_worker(client, auth, world):
    auth.sign_in("nurse")
    body = client.get(team(world)).get_data(as_text=True)
    assert world.nursing.name in body and world.social_care.name in body and "Key worker" in body
    assert "Add an agency to the care team" in body


def test_an_agency_is_added_once_with_its_role_and_audited(client, auth, db, world):
    auth.sign_in("nurse")
    assert auth.post(team(world), {"agency_id": world.therapy.id, "role": ""}).status_code == 302
    member = db.exec(select(CareTeamMember).where(CareTeamMember.agency_id == world.therapy.id)).one()
    assert member.role == "Therapy services" and member.left_at is None
    again = auth.post(team(world), {"agency_id": world.therapy.id})
    assert again.status_code == 400 and "already in the care team" in again.get_data(as_text=True)
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "add_to_care_team")).one().detail == world.therapy.name


@pytest.mark.parametrize(
    "values, words",
    [
        ({"agency_id": ""}, "Select the agency"),
        ({"agency_id": "99999999999"}, "Select the agency"),
        ({"agency_id": "THERAPY", "role": "r" * 81}, "80 characters or fewer"),
    ],
)
def test_bad_choices_get_a_message_and_add_no_one(client, auth, db, world, values, words):
    values = {k: (world.therapy.id if v == "THERAPY" else v) for k, v in values.items()}
    auth.sign_in("nurse")
    response = auth.post(team(world), values)
    assert response.status_code == 400 and words in response.get_data(as_text=True)
    assert db.exec(select(CareTeamMember).where(CareTeamMember.agency_id == world.therapy.id)).first() is None


def test_an_agency_with_open_actions_stays_until_they_are_handed_on(client, auth, db, world):
    add(db, world, "action", description="Care Act assessment", owner_agency_id=world.social_care.id)
    member = db.exec(select(CareTeamMember).where(CareTeamMember.agency_id == world.social_care.id)).one()
    auth.sign_in("nurse")
    refused = auth.post(f"{team(world)}/{member.id}/leave")
    assert refused.status_code == 409 and "still has 1 open action" in refused.get_data(as_text=True)


def test_the_key_worker_stays_and_another_agency_can_be_taken_out(client, auth, db, world):
    key = db.exec(select(CareTeamMember).where(CareTeamMember.is_key_worker.is_(True))).one()
    social = db.exec(select(CareTeamMember).where(CareTeamMember.agency_id == world.social_care.id)).one()
    auth.sign_in("nurse")
    assert auth.post(f"{team(world)}/{key.id}/leave").status_code == 409
    assert auth.post(f"{team(world)}/{social.id}/leave").status_code == 302
    db.expire_all()
    assert db.get(CareTeamMember, social.id).left_at is not None
    auth.sign_out()
    auth.sign_in("socialworker")
    assert client.get(f"/people/{world.person.id}/care-plan").status_code == 403  # out of the team, out of the record


def test_the_network_lead_sees_the_team_but_cannot_change_it(client, auth, world):
    auth.sign_in("lead")
    body = client.get(team(world)).get_data(as_text=True)
    assert world.nursing.name in body and "Add an agency to the care team" not in body
    assert auth.post(team(world), {"agency_id": world.therapy.id}).status_code == 403


def test_an_agency_the_person_objected_to_cannot_join_or_be_given_actions(client, auth, db, world):
    from app.care_plan import commands
    from models import ConsentObjection
    from tests.care_plan.test_plan_commands import item

    db.add(ConsentObjection(person_id=world.person.id, agency_id=world.therapy.id, recorded_by_id=world.nurse.id))
    db.add(ConsentObjection(person_id=world.person.id, agency_id=world.social_care.id, recorded_by_id=world.nurse.id))
    db.commit()
    auth.sign_in("nurse")
    page = client.get(team(world)).get_data(as_text=True)
    assert f">{world.therapy.name} (" not in page  # not offered
    refused = auth.post(team(world), {"agency_id": world.therapy.id})
    assert refused.status_code == 400 and "has objected to sharing their record" in refused.get_data(as_text=True)
    result = commands.add_item(
        db, world.plan, world.person, item("action", description="Visit", owner_agency_id=world.social_care.id), world.nurse
    )
    assert "owner_agency_id" in result.errors  # in the team still, but objected to: no actions for it


def test_the_header_links_to_the_access_log_exactly_when_the_access_log_rule_lets_the_user_read_it(db, world):
    from app.care_plan import care_team
    from app.trust import access, consent
    from models import ConsentObjection
    from tests import factories

    colleague = factories.user(db, world.nursing, username="colleague")  # in the care team, not the key worker
    users = [world.nurse, colleague, world.outsider, world.coordinator, world.lead, world.other_lead, world.admin]
    seen = []
    for objected in (False, True):
        if objected:
            db.add(ConsentObjection(person_id=world.person.id, agency_id=world.nursing.id))
            db.commit()
        team = care_team.current_members(db, world.person.id)
        objections = [(item.agency.id, item.agency.name) for item in consent.standing_objections(db, world.person.id)]
        for user in users:
            expected = access.access_log_rule(db, user, world.person).allowed
            assert care_team.header(db, world.person, user).may_read_access_log == expected, (user.username, objected)
            assert care_team.header(db, world.person, user, team, objections).may_read_access_log == expected, (user.username, objected)
            seen.append((user.username, objected, expected))
    assert ("nurse", False, True) in seen and ("nurse", True, False) in seen and ("lead", True, True) in seen
    assert ("colleague", False, False) in seen
