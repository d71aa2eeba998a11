"""My plan: the person's own care plan as a page, in plain English (the printed copy, live), with
what has changed since they last looked. Reading only, in a fixed number of queries."""

from dataclasses import dataclass
from datetime import date
from typing import Optional

from sqlmodel import Session, col, select

from app.care_plan import read_model
from models import CarePlanRevision, PersonAccount, PersonNote
from models.person_account import PERSON

CHANGES_SHOWN = 20


@dataclass
class MyPlan:
    record: read_model.PlanView
    changes: list[CarePlanRevision]  # since this account last marked the plan as seen, newest first
    notes: list[PersonNote]  # comments and questions on actions, and notes from my carer

    def notes_on(self, action_id: int) -> list[PersonNote]:
        return [n for n in self.notes if n.action_id == action_id]

    @property
    def carer_notes(self) -> list[PersonNote]:
        return [n for n in self.notes if n.kind == "carer_note"]


def my_plan(session: Session, account: PersonAccount, today: Optional[date] = None) -> Optional[MyPlan]:
    """The person's plan, the changes made to it since this account last looked (by anyone else),
    and the notes on it; None if they have no plan yet."""
    record = read_model.view(session, account.person_id, None, today)
    if record is None:
        return None
    since = select(CarePlanRevision).where(
        CarePlanRevision.care_plan_id == record.plan.id, CarePlanRevision.plan_version > account.seen_plan_version
    )
    if account.kind == PERSON:  # their own changes are not news to them; a carer is told of them
        since = since.where(col(CarePlanRevision.person_words).is_(False))
    changes = list(session.exec(since.order_by(col(CarePlanRevision.plan_version).desc()).limit(CHANGES_SHOWN)))
    notes = list(
        session.exec(
            select(PersonNote)
            .where(PersonNote.person_id == account.person_id, col(PersonNote.kind).in_(["comment", "question", "carer_note"]))
            .order_by(col(PersonNote.id))
        )
    )
    return MyPlan(record, changes, notes)


def mark_seen(session: Session, account: PersonAccount, seen_version: int, plan_version: int) -> None:
    """The person has read the plan up to `seen_version` (never beyond the plan's own, never lowered)."""
    version = min(seen_version, plan_version)
    if version > account.seen_plan_version:
        account.seen_plan_version = version
        session.add(account)
