"""Questions a person asks about an entry in "who has looked at my record": they reach the lead of
the person's network, on a review list of their own, and in their inbox."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Optional

from sqlmodel import Session, col, select

from app.trust import access, audit
from app.work import notifications
from models import Agency, AuditEvent, Person, PersonAccount, PersonNote, Role, User

QUESTION_MAX = 2000


@dataclass
class Question:
    note: PersonNote
    person: Person
    entry: Optional[AuditEvent]


def ask(
    session: Session, person: Person, account: PersonAccount, entry_seq: Optional[int], text: str
) -> tuple[Optional[PersonNote], dict[str, str]]:
    """Keep the question, with the entry it is about (one of this person's), audit it, and tell the
    lead of the person's network."""
    errors: dict[str, str] = {}
    entry = None
    if entry_seq is not None:
        entry = session.exec(select(AuditEvent).where(AuditEvent.seq == entry_seq, AuditEvent.person_id == person.id)).first()
    if entry is None:
        errors["text"] = "Choose the entry your question is about"
    text = text.strip()
    if not text:
        errors["text"] = "Enter your question"
    elif len(text) > QUESTION_MAX:
        errors["text"] = f"Your question must be {QUESTION_MAX} characters or fewer"
    if errors:
        return None, errors
    assert account.id is not None and person.id is not None and entry is not None
    note = PersonNote(person_id=person.id, account_id=account.id, kind="access_question", audit_seq=entry.seq, text=text)
    session.add(note)
    session.flush()
    audit.record(
        session,
        "access_question",
        username=account.username,
        role=account.kind,
        person_id=person.id,
        record_type="person_note",
        record_id=note.id,
    )
    network_id = access.person_network_id(session, person)
    if network_id is not None:
        for lead_id in session.exec(
            select(User.id).where(User.role == Role.network_lead, User.network_id == network_id, col(User.is_active))
        ):
            notifications.notify(
                session,
                "access_question",
                f"{person.full_name} asked about who has looked at their record",
                user_id=lead_id,
                person_id=person.id,
                link=notifications.Link("person_invitations.access_questions_page"),
            )
    return note, {}


def for_lead(session: Session, lead: User) -> list[Question]:
    """Unanswered questions from people of the lead's network (not those who objected to the lead's agency), oldest first."""
    if lead.network_id is None:
        return []
    rows = session.exec(
        select(PersonNote, Person, AuditEvent)
        .join(Person, col(Person.id) == PersonNote.person_id)
        .join(Agency, col(Agency.id) == Person.gp_practice_id)
        .outerjoin(AuditEvent, col(AuditEvent.seq) == PersonNote.audit_seq)
        .where(PersonNote.kind == "access_question", col(PersonNote.answered_at).is_(None), Agency.network_id == lead.network_id)
        .where(access.not_objected(lead.agency_id, PersonNote.person_id))
        .order_by(col(PersonNote.id))
    ).all()
    return [Question(note, person, entry) for note, person, entry in rows]


def mark_answered(session: Session, lead: User, question_id: int) -> Optional[PersonNote]:
    """The lead has answered the person (by phone or letter): off the list. None if it is not theirs to answer."""
    question = next((q for q in for_lead(session, lead) if q.note.id == question_id), None)
    if question is None:
        return None
    question.note.answered_at, question.note.answered_by_id = datetime.now(UTC), lead.id
    session.add(question.note)
    audit.record(
        session, "answer_access_question", user=lead, person_id=question.person.id, record_type="person_note", record_id=question_id
    )
    return question.note
