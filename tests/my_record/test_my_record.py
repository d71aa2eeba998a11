"""The person's own pages: invited by their key worker, signed in apart from staff, reading their
plan, writing their own words into it, their sharing choices and their carer."""

import re

from sqlmodel import select

from app.care_plan import commands, read_model
from app.care_plan.commands import AddItem, SavePart
from models import AuditEvent, CarePlanGoal, CarePlanRevision, ConsentObjection, Notification, PersonAccount, PersonNote, PlanItemType
from tests.conftest import PASSWORD, AuthActions
from tests.factories import PlanWorld

CODE = re.compile(r"data-invitation-code>([A-Z0-9-]+)<")
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf(client, path="/my/sign-in") -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def invite(client, world) -> str:
    auth = AuthActions(client)
    auth.sign_in("nurse")
    page = auth.post(f"/people/{world.person.id}/invitations").get_data(as_text=True)
    auth.sign_out()
    return CODE.search(page).group(1)


def enrol(client, code: str, username: str = "ada", full_name: str = ""):
    return client.post(
        "/my/start",
        data={
            "code": code,
            "username": username,
            "password": PASSWORD,
            "confirm_password": PASSWORD,
            "full_name": full_name,
            "csrf_token": csrf(client, "/my/start"),
        },
    )


def person_client(app, world, username="ada"):
    client = app.test_client()
    code = invite(client, world)
    assert enrol(client, code, username).status_code == 302
    return client


def test_a_key_worker_invites_the_person_who_sets_up_an_account_and_reads_their_plan(app, db):
    world = PlanWorld(db)
    client = person_client(app, world)
    page = client.get("/my/plan")
    assert page.status_code == 200 and "My plan" in page.get_data(as_text=True)
    account = db.exec(select(PersonAccount)).one()
    assert account.kind == "person" and account.person_id == world.person.id
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "my_plan", AuditEvent.person_id == world.person.id)).first() is not None


def test_an_invitation_code_works_once(app, db):
    world = PlanWorld(db)
    client = app.test_client()
    code = invite(client, world)
    assert enrol(client, code, "ada").status_code == 302
    other = app.test_client()
    response = enrol(other, code, "ada2")
    assert response.status_code == 400 and "invitation code is not right" in response.get_data(as_text=True)


def test_the_person_signs_in_with_the_password_they_chose(app, db):
    world = PlanWorld(db)
    person_client(app, world)
    client = app.test_client()
    wrong = client.post("/my/sign-in", data={"username": "ada", "password": "wrong", "csrf_token": csrf(client)})
    assert wrong.status_code == 401
    right = client.post("/my/sign-in", data={"username": "ada", "password": PASSWORD, "csrf_token": csrf(client)})
    assert right.status_code == 302 and right.location == "/my/plan"


def test_a_person_is_refused_every_staff_page_and_staff_every_person_page(app, db):
    world = PlanWorld(db)
    client = person_client(app, world)
    for path in (
        "/",
        f"/people/{world.person.id}",
        f"/people/{world.person.id}/care-plan",
        "/inbox",
        f"/people/{world.person.id}/invitations",
    ):
        assert client.get(path).status_code == 403, path
    staff = app.test_client()
    AuthActions(staff).sign_in("nurse")
    for path in ("/my/plan", "/my/words", "/my/access-log", "/my/sharing", "/my/carer"):
        assert staff.get(path).status_code == 403, path


def test_the_persons_words_go_into_the_plan_history_marked_as_theirs_and_the_key_worker_is_told(app, db):
    world = PlanWorld(db)
    client = person_client(app, world)
    page = client.get("/my/words").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    response = client.post(
        "/my/words",
        data={
            "what_matters": "Seeing my grandchildren",
            "about_me": "I like tea",
            "version": version,
            "csrf_token": csrf(client, "/my/words"),
        },
    )
    assert response.status_code == 302
    revision = db.exec(select(CarePlanRevision).order_by(CarePlanRevision.plan_version.desc())).first()
    assert revision.person_words and revision.values["what_matters"] == "Seeing my grandchildren"
    assert db.exec(select(Notification).where(Notification.user_id == world.nurse.id)).first() is not None
    record = read_model.view(db, world.person.id, world.nurse)
    assert record.part("about_me").row.person_words


def test_a_stale_save_of_my_words_shows_a_conflict_and_keeps_them(app, db):
    world = PlanWorld(db)
    client = person_client(app, world)
    page = client.get("/my/words").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    assert commands.save_part(
        db, world.plan, world.person, SavePart("about_me", {"what_matters": "Staff words"}, int(version)), world.nurse
    ).ok
    db.commit()
    response = client.post(
        "/my/words",
        data={"what_matters": "My own words", "about_me": "", "version": version, "csrf_token": csrf(client, "/my/words")},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 409 and "My own words" in body and "Staff words" in body


def test_objecting_to_an_agency_takes_its_access_away_at_once(app, db):
    world = PlanWorld(db)
    client = person_client(app, world)
    token = csrf(client, "/my/sharing")
    first = client.post("/my/sharing", data={"object_to": world.social_care.id, "version": 0, "csrf_token": token})
    assert first.status_code == 200 and "will no longer see your plan" in first.get_data(as_text=True)
    assert db.exec(select(ConsentObjection)).first() is None  # nothing saved before the consequence is confirmed
    saved = client.post("/my/sharing", data={"object_to": world.social_care.id, "version": 0, "confirm": "yes", "csrf_token": token})
    assert saved.status_code == 302
    staff = app.test_client()
    AuthActions(staff).sign_in("socialworker")
    assert staff.get(f"/people/{world.person.id}/care-plan").status_code == 403


def test_a_carer_reads_the_shared_plan_and_loses_access_when_the_person_withdraws_it(app, db):
    world = PlanWorld(db)
    client = person_client(app, world)
    page = client.post("/my/carer", data={"carer_name": "Karen", "shares_assessment": "no", "csrf_token": csrf(client, "/my/carer")})
    code = CODE.search(page.get_data(as_text=True)).group(1)
    carer = app.test_client()
    assert enrol(carer, code, "karen", "Karen Lovelace").status_code == 302
    assert carer.get("/my/plan").status_code == 200
    assert carer.get("/my/words").status_code == 403
    assert carer.get("/my/sharing").status_code == 403
    carer_account = db.exec(select(PersonAccount).where(PersonAccount.username == "karen")).one()
    client.post("/my/carer/withdraw", data={"carer": carer_account.id, "csrf_token": csrf(client, "/my/carer")})
    assert carer.get("/my/plan").status_code == 302  # signed out: the session ended with the access


def test_the_person_comments_on_an_action_and_its_agency_is_told(app, db):
    world = PlanWorld(db)
    action = commands.add_item(
        db, world.plan, world.person, AddItem(PlanItemType.action, {"description": "Visit"}, owner_agency_id=world.nursing.id), world.nurse
    ).item
    db.commit()
    client = person_client(app, world)
    response = client.post(
        f"/my/actions/{action.id}/notes", data={"kind": "question", "text": "What time?", "csrf_token": csrf(client, "/my/plan")}
    )
    assert response.status_code == 302
    assert db.exec(select(Notification).where(Notification.kind == "person_note", Notification.agency_id == world.nursing.id)).first()
    empty = client.post(f"/my/actions/{action.id}/notes", data={"kind": "question", "text": " ", "csrf_token": csrf(client, "/my/plan")})
    assert empty.status_code == 400 and "There is a problem" in empty.get_data(as_text=True)


def test_a_question_about_an_access_log_entry_reaches_the_network_leads_list(app, db):
    world = PlanWorld(db)
    client = person_client(app, world)
    entry = db.exec(select(AuditEvent).where(AuditEvent.person_id == world.person.id).order_by(AuditEvent.seq)).first()
    response = client.post(
        "/my/access-log/questions", data={"entry": entry.seq, "text": "Who is this?", "csrf_token": csrf(client, "/my/access-log")}
    )
    assert response.status_code == 302
    assert db.exec(select(Notification).where(Notification.user_id == world.lead.id, Notification.kind == "access_question")).first()
    lead = app.test_client()
    AuthActions(lead).sign_in("lead")
    page = lead.get("/access-questions").get_data(as_text=True)
    assert "Who is this?" in page and "Lovelace" in page
    other = app.test_client()
    AuthActions(other).sign_in("otherlead")
    assert "Who is this?" not in other.get("/access-questions").get_data(as_text=True)
    question = db.exec(select(PersonNote)).one()
    assert AuthActions(lead).post(f"/access-questions/{question.id}").status_code == 302
    assert "Who is this?" not in lead.get("/access-questions").get_data(as_text=True)


def test_a_question_about_no_entry_of_mine_is_refused_with_a_message(app, db):
    world = PlanWorld(db)
    client = person_client(app, world)
    response = client.post(
        "/my/access-log/questions", data={"entry": "999999", "text": "Who?", "csrf_token": csrf(client, "/my/access-log")}
    )
    assert response.status_code == 400 and "Choose the entry" in response.get_data(as_text=True)
    assert db.exec(select(PersonNote)).first() is None


def test_the_key_worker_sees_the_persons_words_marked_as_theirs(app, db):
    world = PlanWorld(db)
    client = person_client(app, world)
    version = re.search(r'name="version" value="(\d+)"', client.get("/my/words").get_data(as_text=True)).group(1)
    client.post(
        "/my/words", data={"what_matters": "My garden", "about_me": "", "version": version, "csrf_token": csrf(client, "/my/words")}
    )
    client.post("/my/goals", data={"goal": "Walk to the shop", "csrf_token": csrf(client, "/my/words")})
    staff = app.test_client()
    AuthActions(staff).sign_in("nurse")
    page = staff.get(f"/people/{world.person.id}/care-plan").get_data(as_text=True)
    assert page.count("In Ada&#39;s own words") + page.count("In Ada's own words") >= 2
    inbox = staff.get("/inbox").get_data(as_text=True)
    assert "care plan changed" in inbox


def test_the_person_changes_a_goal_they_wrote_but_not_one_staff_wrote(app, db):
    world = PlanWorld(db)
    staff_goal = commands.add_item(
        db, world.plan, world.person, AddItem(PlanItemType.goal, {"goal": "Staff goal", "status": "active"}), world.nurse
    ).item
    db.commit()
    client = person_client(app, world)
    token = csrf(client, "/my/words")
    assert client.post("/my/goals", data={"goal": "Walk to the shop", "csrf_token": token}).status_code == 302
    page = client.get("/my/words").get_data(as_text=True)
    assert "Walk to the shop" in page and 'value="Staff goal"' not in page
    mine = db.exec(select(CarePlanGoal).where(CarePlanGoal.goal == "Walk to the shop")).one()
    changed = client.post(f"/my/goals/{mine.id}", data={"goal": "Walk to the park", "version": mine.version, "csrf_token": token})
    assert changed.status_code == 302
    db.refresh(mine)
    assert mine.goal == "Walk to the park" and mine.person_words
    refused = client.post(f"/my/goals/{staff_goal.id}", data={"goal": "Mine now", "version": staff_goal.version, "csrf_token": token})
    assert refused.status_code == 403
    stale = client.post(f"/my/goals/{mine.id}", data={"goal": "Walk to the sea", "version": 1, "csrf_token": token})
    assert stale.status_code == 409 and "changed this goal just now" in stale.get_data(as_text=True)


def test_a_carer_reads_the_assessment_only_when_the_person_shared_it(app, db):
    from app.assessment import service
    from tests.factories import person_account, sign_in_person

    world = PlanWorld(db)
    service.open_assessment(db, world.person, world.nurse)
    db.commit()
    person_account(db, world.person, "plan-only", kind="carer")
    person_account(db, world.person, "with-assessment", kind="carer", shares_assessment=True)
    plan_only, both = app.test_client(), app.test_client()
    sign_in_person(plan_only, "plan-only")
    sign_in_person(both, "with-assessment")
    assert plan_only.get("/my/assessment").status_code == 403
    assert both.get("/my/assessment").status_code == 200


def test_my_plan_runs_a_fixed_number_of_queries_however_big_the_plan(app, db, count_queries):
    world = PlanWorld(db)
    client = person_client(app, world)
    assert client.get("/my/plan").status_code == 200
    with count_queries() as small:
        assert client.get("/my/plan").status_code == 200
    for n in range(6):
        need = commands.add_item(
            db, world.plan, world.person, AddItem(PlanItemType.need, {"need": f"Need {n}", "status": "active"}), world.nurse
        ).item
        commands.add_item(
            db,
            world.plan,
            world.person,
            AddItem(PlanItemType.goal, {"goal": f"Goal {n}", "status": "active"}, need_id=need.id),
            world.nurse,
        )
        commands.add_item(
            db,
            world.plan,
            world.person,
            AddItem(PlanItemType.action, {"description": f"Visit {n}"}, need_id=need.id, owner_agency_id=world.nursing.id),
            world.nurse,
        )
    db.commit()
    with count_queries() as big:
        assert client.get("/my/plan").status_code == 200
    assert big.count == small.count <= 20, (small.count, big.count)


def test_what_changed_since_i_last_looked_lists_the_teams_changes_until_i_mark_them_read(app, db):
    world = PlanWorld(db)
    client = person_client(app, world)
    commands.add_item(db, world.plan, world.person, AddItem(PlanItemType.goal, {"goal": "Garden again", "status": "active"}), world.nurse)
    db.commit()
    page = client.get("/my/plan").get_data(as_text=True)
    assert "What has changed since you last looked" in page and "Goal added: Garden again" in page
    client.post("/my/goals", data={"goal": "My own goal", "csrf_token": csrf(client, "/my/words")})
    page = client.get("/my/plan").get_data(as_text=True)
    assert "My own goal (by" not in page.split("What will happen")[0]  # my own change is not news to me
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    assert client.post("/my/plan/seen", data={"version": version, "csrf_token": csrf(client, "/my/plan")}).status_code == 302
    assert "What has changed since you last looked" not in client.get("/my/plan").get_data(as_text=True)
