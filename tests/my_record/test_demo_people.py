"""The demo district's people with accounts of their own, and the carer of one of them."""

from sqlmodel import select

from app.demo import district
from models import CareTeamMember, PersonAccount, User
from tests.factories import sign_in_person


def test_demo_people_and_a_carer_sign_in_to_their_own_plans(app, runner, db):
    built = runner.invoke(args=["demo-data", "--people", "300", "--seed", "7"])
    assert built.exit_code == 0, built.output
    accounts = {a.username: a for a in db.exec(select(PersonAccount)).all()}
    assert {"person1", "person2", "person3", "carer1"} <= set(accounts)
    assert accounts["carer1"].kind == "carer" and accounts["carer1"].person_id == accounts["person1"].person_id
    nurse = db.exec(select(User).where(User.username == "nurse")).one()
    key_worker_of = {m.person_id for m in db.exec(select(CareTeamMember).where(CareTeamMember.user_id == nurse.id)).all()}
    assert accounts["person1"].person_id in key_worker_of
    listed = runner.invoke(args=["demo-sign-ins"])
    assert "person1" in listed.output and "carer1" in listed.output
    for username in ("person1", "carer1"):
        client = app.test_client()
        assert sign_in_person(client, username, district.DEMO_PASSWORD).status_code == 302
        assert client.get("/my/plan").status_code == 200
