"""The benchmark's biggest care plan: one person on the nurse's caseload whose plan has 30 needs and
100 actions across the agencies in their care team, written through the same domain functions the
pages use (so its revisions, stamps and notifications are real). Made once per district."""

from flask import Flask
from sqlmodel import Session, func, select

NEEDS, ACTIONS = 30, 100
MARK = "Bench need"


def ensure(database_url: str) -> int:
    """The person id of the big plan, making it first if the district does not have it yet."""
    from app import create_app
    from app.care_plan import care_team, commands
    from models import CarePlanAction, CarePlanNeed, CareTeamMember, Person, PlanItemType, User

    app: Flask = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench"})
    with app.app_context(), Session(app.extensions["oneplan_engine"], expire_on_commit=False) as session:
        nurse = session.exec(select(User).where(User.username == "nurse")).one()
        existing = session.exec(select(CarePlanNeed.care_plan_id).where(CarePlanNeed.need == f"{MARK} 1")).first()
        person_id = session.exec(
            select(CareTeamMember.person_id)
            .where(CareTeamMember.user_id == nurse.id, CareTeamMember.is_key_worker.is_(True))
            .order_by(CareTeamMember.person_id)
        ).first()
        person = session.get(Person, person_id)
        plan = commands.open_plan(session, person, nurse)
        session.commit()
        if existing == plan.id:
            return person.id
        team = care_team.current_members(session, person.id)
        agencies = sorted({m.agency.id for m in team})
        have_needs = session.exec(select(func.count(CarePlanNeed.id)).where(CarePlanNeed.care_plan_id == plan.id)).one()
        needs = []
        with app.test_request_context():
            for n in range(1, NEEDS + 1 - min(have_needs, NEEDS - 1)):
                result = commands.add_item(
                    session, plan, person, commands.AddItem(PlanItemType.need, {"need": f"{MARK} {n}", "status": "active"}), nurse
                )
                needs.append(result.item.id)
            have_actions = session.exec(select(func.count(CarePlanAction.id)).where(CarePlanAction.care_plan_id == plan.id)).one()
            for n in range(max(ACTIONS - have_actions, 0)):
                command = commands.AddItem(
                    PlanItemType.action,
                    {"description": f"Bench action {n + 1}: visit and review", "frequency": "Weekly"},
                    need_id=needs[n % len(needs)],
                    owner_agency_id=agencies[n % len(agencies)],
                )
                commands.add_item(session, plan, person, command, nurse)
        session.commit()  # the domain flushes; whoever calls it commits
        return person.id
