"""Reading the audit trail: a person's "who has looked at my record", and the administrators'
filterable list, which shows metadata only.

The administrators' list never shows `reason` or `detail`: those can carry words a person
typed (search terms, a break-glass explanation, a review note) or clinical context. Nor does it
identify anyone cared for: no person's record number, and no number of a record that belongs to
a person (a referral, a plan's action...), which would say who was looked after by whom. It shows
who, their agency and role, what kind of action on which kind of record (with the number of an
account, agency or network, which administrators manage), the outcome, when, and from which address.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Optional
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from models import Agency, AuditEvent, AuditOutcome, User

PAGE_SIZE = 50
LONDON = ZoneInfo("Europe/London")

# What each action means, in words a person reading their own access log would use.
ACTIONS = {
    "view_person": "Looked at the record",
    "view_assessment": "Looked at the assessment",
    "view_assessment_history": "Looked at the assessment's history",
    "start_assessment": "Started the assessment",
    "open_assessment": "Opened the assessment",
    "edit_assessment": "Changed the assessment",
    "complete_assessment": "Completed the assessment",
    "view_consent": "Looked at the sharing decisions",
    "record_consent": "Recorded sharing decisions",
    "view_access_log": "Looked at who has seen the record",
    "break_glass": "Broke the glass to open the record",
    "review_break_glass": "Reviewed a break-glass access",
    "view_referral": "Looked at a referral",
    "create_person": "Created the record",
    "create_referral": "Made a referral",
    "triage_referral": "Triaged a referral",
    "allocate_key_worker": "Allocated a key worker",
    "close_referral": "Closed a referral",
    "fhir_read_service_request": "Read a referral through the API",
    "fhir_create_service_request": "Sent a referral through the API",
    "fhir_read_patient": "Read the person's details through the API",
    "fhir_search_patient": "Looked a person up through the API",
    "fhir_read_care_team": "Read the care team through the API",
    "fhir_read_care_plan": "Read the care plan through the API",
    "fhir_read_care_plan_history": "Read the care plan's history through the API",
    "fhir_update_task": "Changed an action through the API",
    "fhir_read_assessment": "Read the assessment's scores through the API",
    "fhir_read_everything": "Read the whole record through the API",
    "fhir_read_consent": "Read the sharing decisions through the API",
    "fhir_request": "Asked the API for something it could not give",
    "fhir_create_goal": "Tried to add a goal through the API",
    "fhir_create_task": "Tried to add an action through the API",
    "sign_in": "Signed in",
    "sign_out": "Signed out",
    "sign_in_required": "Asked for the record without signing in",
    "account_locked": "Account locked",
    "unlock_account": "Unlocked an account",
    "search_people": "Searched for people",
    "match_people": "Matched a referral to people",
    "view_inbox": "Read their inbox",
    "view_my_work": "Looked at My work (their caseload)",
    "view_worklist": "Looked at their worklist",
    "view_network": "Looked at a network's caseload and reviews",
    "view_break_glass_reviews": "Looked at break-glass accesses to review",
    "view_referral_queue": "Looked at the referral queue",
    "view_front_door_figures": "Looked at the front-door figures",
    "create_user": "Added a user",
    "change_password": "Changed their password",
    "second_factor": "Gave their second factor",
    "set_up_second_factor": "Set up an authenticator app",
    "reset_second_factor": "Took away an authenticator app",
    "create_agency": "Added an agency",
    "create_network": "Added a network",
    "issue_api_token": "Issued an API token",
    "fhir_sign_in": "API sign-in",
    "manage_directory": "Administration",
    "view_audit": "Looked at the audit trail",
    # The person's (and carer's) own pages (issue 14).
    "my_plan": "Read the plan on the person's own pages",
    "my_words": "Opened My words",
    "my_assessment": "Read the assessment on the person's own pages",
    "my_access_log": "Looked at who has seen the record",
    "my_sharing": "Looked at or changed the sharing choices",
    "my_carer": "Looked at or changed the carer's access",
    "my_carer_notes": "Wrote a note as the person's carer",
    "person_sign_in": "Signed in to their own pages",
    "person_sign_out": "Signed out of their own pages",
    "create_person_account": "Set up an account for the person's own pages",
    "invite_person": "Made an invitation code for the person",
    "invite_carer": "Made an invitation code for a carer",
    "view_invitations": "Looked at the invitations to the person's own pages",
    "withdraw_carer": "Stopped sharing the plan with a carer",
    "person_note": "Commented on or asked about an action",
    "carer_note": "Added a note from the carer",
    "access_question": "Asked about an entry in who has looked",
    "answer_access_question": "Answered a question about who has looked",
    "view_access_questions": "Looked at people's questions about who has looked",
    "my_pages": "Asked for a person's own page",
    "staff_page": "Asked for a staff page",
}


# Records administrators manage, whose numbers their audit list may show.
DIRECTORY_RECORDS = frozenset({"user", "agency", "network"})


def action_label(action: str) -> str:
    return ACTIONS.get(action, action.replace("_", " ").capitalize())


@dataclass
class Entry:
    event: AuditEvent
    full_name: Optional[str]
    agency_name: Optional[str]

    @property
    def who(self) -> str:
        return self.full_name or self.event.username or "Unknown"

    @property
    def record_for_administrators(self) -> str:
        """The kind of record, and its number only when it is one administrators manage."""
        kind = self.event.record_type
        if not kind:
            return "None"
        return f"{kind} {self.event.record_id}" if kind in DIRECTORY_RECORDS and self.event.record_id else kind

    @property
    def why(self) -> str:
        """Why access was allowed or refused; a break-glass reason with the user's own words."""
        reason = self.event.reason or ""
        if reason.startswith("break glass") and self.event.detail:
            return f"{reason} – “{self.event.detail}”"
        return reason


@dataclass
class Page:
    entries: list[Entry]
    number: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def _entries(session: Session, conditions: list, page: int) -> Page:
    total = session.exec(select(func.count()).select_from(AuditEvent).where(*conditions)).one()
    page = min(max(1, page), max(1, -(-total // PAGE_SIZE)))
    rows = session.exec(
        select(AuditEvent, User.full_name, Agency.name)
        .outerjoin(User, col(User.id) == AuditEvent.user_id)
        .outerjoin(Agency, col(Agency.id) == AuditEvent.agency_id)
        .where(*conditions)
        .order_by(col(AuditEvent.seq).desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return Page([Entry(*row) for row in rows], page, total)


def for_person(session: Session, person_id: int, page: int = 1) -> Page:
    """Every view, change and refusal of this person's record, newest first (two queries)."""
    return _entries(session, [AuditEvent.person_id == person_id], page)


@dataclass(frozen=True)
class Filters:
    """What the administrators' list is narrowed to (read from its filter form in app/directory/forms.py)."""

    username: str = ""
    action: str = ""
    outcome: Optional[AuditOutcome] = None
    date_from: Optional[date] = None
    date_to: Optional[date] = None

    def conditions(self) -> list:
        """Each filter given narrows the trail; the dates are whole days in England."""
        conditions = []
        if self.username:
            conditions.append(AuditEvent.username == self.username)
        if self.action:
            conditions.append(AuditEvent.action == self.action)
        if self.outcome is not None:
            conditions.append(AuditEvent.outcome == self.outcome)
        if self.date_from:
            conditions.append(AuditEvent.at >= _start_of(self.date_from))
        if self.date_to:
            conditions.append(AuditEvent.at < _start_of(self.date_to + timedelta(days=1)))
        return conditions


def _start_of(day: date) -> datetime:
    """Midnight in England on `day`, as UTC (the trail stores UTC)."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


def search(session: Session, filters: Filters, page: int = 1) -> Page:
    """The whole trail, filtered, newest first (two queries)."""
    return _entries(session, filters.conditions(), page)
