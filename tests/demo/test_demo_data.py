"""The demo district: built by `flask --app app demo-data`, deterministic, complete, synthetic."""

from collections import Counter

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from app.demo import district
from app.front_door import nhs_number
from models import (
    Agency,
    AgencyKind,
    CareTeamMember,
    Network,
    Person,
    Profession,
    Referral,
    ReferralStatus,
    Role,
    User,
)
from tests.conftest import AuthActions, _empty_all_tables

PEOPLE = 600


@pytest.fixture
def built(app, runner, db):
    result = runner.invoke(args=["demo-data", "--people", str(PEOPLE), "--seed", "7"])
    assert result.exit_code == 0, result.output
    return result


def rebuild(app, runner, db, seed):
    db.rollback()  # end the test session's transaction, or PostgreSQL's TRUNCATE waits on its locks
    _empty_all_tables(app.extensions["oneplan_engine"])
    result = runner.invoke(args=["demo-data", "--people", str(PEOPLE), "--seed", str(seed)])
    assert result.exit_code == 0, result.output


def snapshot(db):
    people = db.exec(
        select(Person.nhs_number, Person.given_name, Person.family_name, Person.date_of_birth, Person.postcode).order_by(Person.id)
    ).all()
    users = db.exec(select(User.username, User.full_name, User.role).order_by(User.id)).all()
    teams = db.exec(select(CareTeamMember.person_id, CareTeamMember.agency_id, CareTeamMember.user_id).order_by(CareTeamMember.id)).all()
    referrals = db.exec(select(Referral.person_id, Referral.source, Referral.status, Referral.urgency).order_by(Referral.id)).all()
    return people, users, teams, referrals


def test_the_same_seed_builds_the_same_district_and_another_seed_does_not(app, runner, db, built):
    first = snapshot(db)
    rebuild(app, runner, db, 7)
    assert snapshot(db) == first
    rebuild(app, runner, db, 8)
    assert snapshot(db)[0] != first[0]


def test_the_district_has_seven_networks_forty_practices_and_every_kind_role_and_profession(db, built):
    networks = db.exec(select(Network)).all()
    assert len(networks) == 7
    agencies = db.exec(select(Agency)).all()
    kinds = Counter(agency.kind for agency in agencies)
    assert set(kinds) == set(AgencyKind)
    assert 35 <= kinds[AgencyKind.gp_practice] <= 45
    for network in networks:  # each network has its GP practices and its own hub services
        in_network = [a for a in agencies if a.network_id == network.id]
        assert any(a.kind is AgencyKind.gp_practice for a in in_network)
        assert any(a.kind is AgencyKind.community_nursing for a in in_network)
    users = db.exec(select(User)).all()
    assert {u.role for u in users} == set(Role)
    assert {u.profession for u in users} == set(Profession)
    assert len({u.username for u in users}) == len(users)
    assert "Built the demo district" in built.output and "people:" in built.output  # it shows progress


def test_every_agency_has_its_own_synthetic_ods_code(db, built):
    codes = [agency.ods_code for agency in db.exec(select(Agency)).all()]
    assert all(code and code.startswith("OP") and code[2:].isdigit() and len(code) == 7 for code in codes)
    assert len(set(codes)) == len(codes)


def test_people_have_valid_nhs_numbers_from_the_999_test_range(db, built):
    numbers = db.exec(select(Person.nhs_number)).all()
    assert len(numbers) == PEOPLE == len(set(numbers))
    assert all(n.startswith("999") and nhs_number.is_valid(n) for n in numbers)


def test_everyone_on_a_caseload_has_exactly_one_key_worker(db, built):
    members = db.exec(select(CareTeamMember)).all()
    key_workers = Counter(m.person_id for m in members if m.is_key_worker)
    on_caseload = {m.person_id for m in members}
    assert on_caseload, "no one is on a caseload"
    assert all(key_workers[person_id] == 1 for person_id in on_caseload)
    named = [m for m in members if m.is_key_worker]
    assert all(m.user_id is not None for m in named)


def test_referrals_flow_over_the_last_90_days_some_open_some_breached(db, built):
    referrals = db.exec(select(Referral)).all()
    assert len(referrals) >= PEOPLE // 10
    statuses = Counter(r.status for r in referrals)
    assert statuses[ReferralStatus.received] + statuses[ReferralStatus.triaged] > 0  # some open
    assert statuses[ReferralStatus.accepted] > 0
    breached = [r for r in referrals if r.triaged_at is not None and r.triaged_at > r.due_by]
    assert breached, "some referrals were answered late"


def test_it_refuses_a_database_that_holds_data_and_changes_nothing(db, runner, built):
    before = db.exec(select(func.count()).select_from(Person)).one()
    refused = runner.invoke(args=["demo-data", "--people", "5"])
    assert refused.exit_code != 0 and "already holds data" in refused.output
    skipped = runner.invoke(args=["demo-data", "--people", "5", "--if-empty"])
    assert skipped.exit_code == 0
    assert db.exec(select(func.count()).select_from(Person)).one() == before


def test_the_demo_nurse_signs_in_with_the_printed_password_and_sees_a_caseload(client, runner, db, built):
    listed = runner.invoke(args=["demo-sign-ins"])
    assert district.DEMO_PASSWORD in listed.output and "nurse" in listed.output
    printed = {line.split()[0] for line in listed.output.splitlines() if line.startswith("  ")}
    assert {"spa", "nurse", "socialworker", "ot", "lead", "admin", "hub", "ooh"} <= printed
    auth = AuthActions(client)
    auth.sign_in("nurse", district.DEMO_PASSWORD)
    page = client.get("/")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    nurse = db.exec(select(User).where(User.username == "nurse")).one()
    caseload = db.exec(
        select(Person)
        .join(CareTeamMember, CareTeamMember.person_id == Person.id)
        .where(CareTeamMember.user_id == nurse.id, CareTeamMember.is_key_worker)
    ).all()
    assert caseload
    assert caseload[0].family_name.upper() in body
    assert client.get(f"/people/{caseload[0].id}").status_code == 200


def test_caseload_people_have_assessments_in_varied_states_by_several_authors(client, db, built):
    from models import Assessment, AssessmentRevision, AssessmentSection, SuggestedNeed

    assessments = db.exec(select(Assessment)).all()
    assert {a.status for a in assessments} == {"draft", "complete"}
    assert all(a.review_due_on and a.completed_by_id for a in assessments if a.status == "complete")
    written = db.exec(select(AssessmentSection).where(AssessmentSection.version > 0)).all()
    assert len({s.updated_agency_id for s in written}) >= 3  # nurses, social workers and therapists wrote them
    assert db.exec(select(func.count()).select_from(AssessmentRevision)).one() >= len(written)
    assert db.exec(select(func.count()).select_from(SuggestedNeed)).one() > 0

    nurse = db.exec(select(User).where(User.username == "nurse")).one()
    mine = db.exec(
        select(Assessment)
        .join(CareTeamMember, CareTeamMember.person_id == Assessment.person_id)
        .where(CareTeamMember.user_id == nurse.id, CareTeamMember.is_key_worker)
    ).all()
    assert mine
    AuthActions(client).sign_in("nurse", district.DEMO_PASSWORD)
    for assessment in mine[:5]:
        page = client.get(f"/people/{assessment.person_id}/assessment")
        assert page.status_code == 200
        assert client.get(f"/people/{assessment.person_id}/assessment/history").status_code == 200


def test_people_with_an_assessment_have_a_care_plan_with_actions_across_agencies_in_every_state(db, built):
    from models import ActionStatus, Assessment, CarePlan, CarePlanAction, CarePlanRevision, SuggestedNeed

    plans = db.exec(select(CarePlan)).all()
    assert len(plans) == db.exec(select(func.count()).select_from(Assessment)).one() > 0
    actions = db.exec(select(CarePlanAction)).all()
    assert {a.status for a in actions} == set(ActionStatus)
    assert len({a.owner_agency_id for a in actions}) > 3
    team = {(m.person_id, m.agency_id) for m in db.exec(select(CareTeamMember).where(CareTeamMember.left_at.is_(None)))}
    assert all((a.person_id, a.owner_agency_id) in team for a in actions)  # every owner is in the person's care team
    assert all(a.status_reason for a in actions if a.status in (ActionStatus.declined, ActionStatus.cancelled))
    assert all(p.review_due_on > p.agreed_on for p in plans if p.agreed_on)
    for plan in plans[:20]:  # one numbered history per plan, with nothing missing
        versions = [
            r.plan_version
            for r in db.exec(
                select(CarePlanRevision).where(CarePlanRevision.care_plan_id == plan.id).order_by(CarePlanRevision.plan_version)
            )
        ]
        assert versions == list(range(2, plan.version + 1))  # version 1 is the plan as opened
    adopted = db.exec(select(SuggestedNeed).where(SuggestedNeed.status == "adopted")).all()
    assert adopted and all(s.person_id in {p.person_id for p in plans} for s in adopted)


def test_the_demo_nurse_has_plans_past_review_and_requests_waiting_for_their_agency(db, built):
    from datetime import date

    from app.work import workload

    nurse = db.exec(select(User).where(User.username == "nurse")).one()
    social_worker = db.exec(select(User).where(User.username == "socialworker")).one()
    assert workload.summary(db, nurse, date.today()).reviews_due > 0
    assert workload.summary(db, social_worker, date.today()).requested > 0


def test_no_demo_assessment_contradicts_itself(db, built):
    from app.assessment import service
    from models import AssessmentSection

    sections = db.exec(select(AssessmentSection)).all()
    assert sections
    assert [
        (s.section_key, service.contradictions(s.section_key, s.answers or {}))
        for s in sections
        if service.contradictions(s.section_key, s.answers or {})
    ] == []


def test_people_with_a_care_plan_have_a_timeline_of_contacts_from_their_care_team(db, built):
    from models import ActionStatus, CarePlan, CarePlanAction, CareTeamMember, ContactRecord

    planned = set(db.exec(select(CarePlan.person_id)).all())
    contacts = db.exec(select(ContactRecord)).all()
    assert planned and {c.person_id for c in contacts} == planned
    teams = {(m.person_id, m.agency_id) for m in db.exec(select(CareTeamMember)).all()}
    assert all((c.person_id, c.agency_id) in teams for c in contacts)
    # Each done action is marked done by a visit from its own agency.
    done = db.exec(select(CarePlanAction).where(CarePlanAction.status == ActionStatus.done)).all()
    moved = {m["action_id"]: c for c in contacts for m in c.moved}
    assert done and all(moved[a.id].agency_id == a.owner_agency_id for a in done if a.id in moved)
    assert len(moved) >= len(done) // 2


def test_people_beyond_the_ranges_capacity_are_built_with_no_nhs_number(app, runner, db, monkeypatch):
    """As a 2.4 million district would be, in small: a range of 150 numbers for 600 people. The first
    150 get the numbers they always got; the other 450 none, and the rest of the demo builds round them."""
    import itertools

    real = district.allocate_nhs_numbers
    monkeypatch.setattr(district, "NHS_NUMBER_CAPACITY", 150)
    monkeypatch.setattr(
        district, "allocate_nhs_numbers", lambda start: itertools.chain(itertools.islice(real(start), 150), itertools.repeat(None))
    )
    result = runner.invoke(args=["demo-data", "--people", str(PEOPLE), "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "the first 150 people get one, and 450 are recorded with NHS number not known" in result.output
    numbers = db.exec(select(Person.nhs_number).order_by(Person.id)).all()
    assert len(numbers) == PEOPLE
    assert all(n is not None and nhs_number.is_valid(n) for n in numbers[:150]) and len(set(numbers[:150])) == 150
    assert numbers[150:] == [None] * (PEOPLE - 150)
    assert db.exec(select(func.count()).select_from(Referral).join(Person).where(Person.nhs_number.is_(None))).one() > 0
    assert db.exec(select(func.count()).select_from(CareTeamMember).join(Person).where(Person.nhs_number.is_(None))).one() > 0


def test_the_bulk_loaded_referrals_are_in_the_front_doors_daily_figures(db, built):
    from datetime import UTC, datetime

    from tests.front_door.test_daily_figures import assert_same_figures

    assert_same_figures(db, datetime.now(UTC))


def test_the_bulk_loaded_discharges_are_on_the_board_the_triggers_keep(db, built):
    from sqlalchemy import text

    board = text(
        "SELECT r.id, COALESCE(r.network_id, a.network_id), r.medically_optimised_on, w.home_on, w.delay_reason FROM referral r "
        "JOIN person p ON p.id = r.person_id LEFT JOIN agency a ON a.id = p.gp_practice_id "
        "LEFT JOIN discharge_wait w ON w.referral_id = r.id WHERE r.source = 'hospital_discharge' AND r.linked_to_id IS NULL "
        "AND r.medically_optimised_on IS NOT NULL AND r.status NOT IN ('declined', 'signposted') ORDER BY r.id"
    )
    kept = text("SELECT referral_id, network_id, ready_on, home_on, delay_reason FROM discharge_board_entry ORDER BY referral_id")
    expected = [tuple(row) for row in db.execute(board)]
    assert expected and [tuple(row) for row in db.execute(kept)] == expected


def test_no_practitioner_holds_more_than_a_caseload_and_the_rest_are_held_by_their_agency(app, runner, db, monkeypatch):
    """The demo's staff is the same at every size, so a share of every case gave a district nurse
    5,000 people at 2.4 million. No one is named on more than CASELOAD_MOST (120) current care teams;
    past it the agency holds the case unallocated, and its duty worker assesses and plans it. Here,
    in small, the most is 5."""
    from models import Assessment

    monkeypatch.setattr(district, "CASELOAD_MOST", 5)
    result = runner.invoke(args=["demo-data", "--people", str(PEOPLE), "--seed", "7"])
    assert result.exit_code == 0, result.output
    held = db.exec(
        select(CareTeamMember.user_id, func.count()).where(col(CareTeamMember.user_id).is_not(None)).group_by(CareTeamMember.user_id)
    ).all()
    assert held and max(count for _, count in held) == 5
    social_worker = db.exec(select(User).where(User.username == "socialworker")).one()
    social_work = db.exec(select(CareTeamMember).where(CareTeamMember.role == "Social work")).all()
    assert sum(m.user_id == social_worker.id for m in social_work) == 5
    assert len({m.user_id for m in social_work if m.user_id is not None}) > 2  # the other cases named other social workers
    unallocated = db.exec(select(CareTeamMember).where(col(CareTeamMember.is_key_worker), col(CareTeamMember.user_id).is_(None))).all()
    assert unallocated, "past the most, key-worker cases are held by the agency with no one named"
    assessed = db.exec(select(Assessment).where(col(Assessment.person_id).in_([m.person_id for m in unallocated]))).all()
    assert assessed, "an unallocated case is still assessed, by the agency's duty worker"
    staff = {u.id: u.agency_id for u in db.exec(select(User))}
    key_agency = {m.person_id: m.agency_id for m in unallocated}
    assert all(staff[a.opened_by_id] == key_agency[a.person_id] for a in assessed)


def test_demo_data_reports_each_long_phase_with_its_count_and_time(built):
    for label in ("people", "referrals", "assessments: people on a caseload", "care plans: people assessed"):
        assert any(line.startswith(f"{label}: ") and line.endswith(" s") and " in " in line for line in built.output.splitlines()), (
            label,
            built.output,
        )
