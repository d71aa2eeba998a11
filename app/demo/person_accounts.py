"""Demo accounts for the person at the centre (issue 14): a few of the demo nurse's people can sign in
to their own pages (/my), and one of them has a carer who can read the plan."""

from sqlmodel import Session, col, select

from models import CarePlan, CareTeamMember, Person, PersonAccount, User

# (username, whose: the n-th person the demo nurse is key worker for who has a plan, kind)
DEMO_PEOPLE = [("person1", 0, "person"), ("person2", 1, "person"), ("person3", 2, "person"), ("carer1", 0, "carer")]


def add_person_accounts(session: Session, password_hash: str, echo=lambda message: None) -> list[tuple[str, Person, str]]:
    """Accounts for the first three people with a care plan on the demo nurse's caseload, and a carer
    for the first of them; each with the demo password. Nothing if the demo nurse has no such people."""
    nurse_id = session.exec(select(User.id).where(User.username == "nurse")).first()
    if nurse_id is None:
        return []
    people = session.exec(
        select(Person)
        .join(CareTeamMember, col(CareTeamMember.person_id) == Person.id)
        .join(CarePlan, col(CarePlan.person_id) == Person.id)
        .where(CareTeamMember.user_id == nurse_id, col(CareTeamMember.is_key_worker), col(CareTeamMember.left_at).is_(None))
        .order_by(col(Person.id))
        .limit(3)
    ).all()
    made = []
    for username, index, kind in DEMO_PEOPLE:
        if index >= len(people):
            continue
        person = people[index]
        assert person.id is not None
        full_name = person.full_name if kind == "person" else (person.carer_name or f"Carer of {person.given_name}")
        session.add(
            PersonAccount(
                person_id=person.id, kind=kind, username=username, password_hash=password_hash, full_name=full_name, shares_assessment=False
            )
        )
        made.append((username, person, kind))
    session.flush()
    echo(f"Added {len(made)} accounts for people and carers (/my/sign-in).")
    return made
