"""An agency's caseload count (`agency_caseload`, kept by triggers on care_team_member, migration
0021_caseload_count) is always the number of distinct people in whose care team the agency is now:
checked against a count of every row after each of a few hundred random changes (joining, leaving,
coming back, moving a row to another agency or person, deleting it, several rows changed by one
statement), and, on PostgreSQL, when two transactions add the same agency to the same person's team
at once."""

import random
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from models import AgencyCaseload, AgencyKind, CareTeamMember
from tests import factories
from tests.factories import World


def counted(db) -> dict[int, int]:
    """The kept counts, leaving out agencies whose count is 0 (a count that fell to 0 stays, as 0)."""
    db.expire_all()
    return {row.agency_id: row.people for row in db.exec(select(AgencyCaseload)).all() if row.people}


def by_hand(db) -> dict[int, int]:
    people: dict[int, set[int]] = {}
    for member in db.exec(select(CareTeamMember)).all():
        if member.left_at is None:
            people.setdefault(member.agency_id, set()).add(member.person_id)
    return {agency: len(held) for agency, held in people.items()}


def test_the_count_is_the_distinct_people_in_each_agencys_care_teams_through_every_kind_of_change(db):
    world = World(db)
    rng = random.Random(21)
    people = [world.person, *(factories.person(db, world.practice, given_name=f"Kim{n}") for n in range(7))]
    agencies = [world.nursing, world.social_care, world.practice]
    now = datetime.now(UTC)
    kinds = ["join", "join", "leave", "return", "move_agency", "move_person", "delete", "by_statement"]
    seen = set()
    for step in range(240):
        rows = db.exec(select(CareTeamMember).order_by(CareTeamMember.id)).all()
        current = [r for r in rows if r.left_at is None]
        left = [r for r in rows if r.left_at is not None]
        kind = rng.choice(kinds)
        if kind == "join" or not rows:
            db.add(
                CareTeamMember(
                    person_id=rng.choice(people).id,
                    agency_id=rng.choice(agencies).id,
                    role="Care",
                    left_at=None if rng.random() < 0.8 else now,
                )
            )
        elif kind == "leave" and current:
            rng.choice(current).left_at = now
        elif kind == "return" and left:
            rng.choice(left).left_at = None
        elif kind == "move_agency":
            rng.choice(rows).agency_id = rng.choice(agencies).id
        elif kind == "move_person":
            rng.choice(rows).person_id = rng.choice(people).id
        elif kind == "delete":
            db.delete(rng.choice(rows))
        elif kind == "by_statement":
            # A fix by hand: every current row of one agency for two people ends in one statement.
            chosen = [p.id for p in rng.sample(people, 2)]
            db.execute(
                text("UPDATE care_team_member SET left_at = :now WHERE agency_id = :agency AND person_id IN (:a, :b) AND left_at IS NULL"),
                {"now": now, "agency": rng.choice(agencies).id, "a": chosen[0], "b": chosen[1]},
            )
        else:
            continue
        db.commit()
        seen.add(kind)
        assert counted(db) == by_hand(db), f"after step {step} ({kind})"
    assert seen == set(kinds)
    assert max(by_hand(db).values()) > 1


def test_two_rows_of_one_agency_for_one_person_count_that_person_once(db):
    world = World(db)
    someone = factories.person(db, world.practice, given_name="Jo")
    before = counted(db).get(world.social_care.id, 0)
    first = factories.team_member(db, someone, world.social_care, role="Social work")
    second = factories.team_member(db, someone, world.social_care, role="Carers' support")
    assert counted(db)[world.social_care.id] == before + 1
    first.left_at = datetime.now(UTC)
    db.add(first)
    db.commit()
    assert counted(db)[world.social_care.id] == before + 1  # the second row still places the agency in the team
    db.delete(second)
    db.commit()
    assert counted(db).get(world.social_care.id, 0) == before


def test_my_work_says_the_kept_count(client, auth, db):
    world = World(db)
    for n in range(3):
        factories.team_member(db, factories.person(db, world.practice, given_name=f"Lee{n}"), world.nursing)
    auth.sign_in("nurse")
    page = client.get("/").get_data(as_text=True)
    assert f"Your agency has <strong>{by_hand(db)[world.nursing.id]}</strong> people on its caseload." in page


def test_two_transactions_adding_one_agency_to_one_persons_team_at_once_count_them_once(db, is_postgres):
    if not is_postgres:
        pytest.skip("SQLite has one writer at a time")
    world = World(db)
    someone = factories.person(db, world.practice, given_name="Sam")
    agency = factories.agency(db, AgencyKind.therapy, name="Community Therapy")
    # The agency's count exists already, so only the trigger's lock can make the second wait.
    factories.team_member(db, world.person, agency, role="Therapy")
    assert counted(db)[agency.id] == 1
    engine = db.get_bind()
    added = threading.Event()

    def add(wait_for_other: bool) -> None:
        with Session(engine) as session:
            session.add(CareTeamMember(person_id=someone.id, agency_id=agency.id, role="Therapy"))
            session.flush()
            if wait_for_other:
                added.set()
                # Hold the count's lock a moment, so the other transaction's trigger waits for this commit.
                session.execute(text("SELECT pg_sleep(0.3)"))
            session.commit()

    first = threading.Thread(target=add, args=(True,))
    first.start()
    assert added.wait(10)
    add(False)
    first.join(10)
    assert by_hand(db)[agency.id] == 2
    assert counted(db)[agency.id] == 2
