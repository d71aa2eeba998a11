"""A network's dashboard for its lead: the caseload by frailty band, plans past review, overdue
actions by agency, referrals in and how fast they were answered, discharge delays and what the
network's meetings got through. Counting is done in SQL; a fixed number of queries, whatever the
size of the network."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from typing import Optional

from sqlalchemy import case, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.network import discharge, mdt
from models import (
    OPEN_ACTION_STATUSES,
    Agency,
    Assessment,
    AssessmentSection,
    CarePlanAction,
    CareTeamMember,
    MdtAgendaItem,
    MdtMeeting,
    Person,
    Referral,
)

PERIOD = timedelta(days=28)
MDT_PERIOD = timedelta(weeks=12)
NOT_ASSESSED = "Not assessed"
# Clinical Frailty Scale levels gathered into the bands a network plans by.
BANDS = (
    ("Fit or managing well (1 to 3)", range(1, 4)),
    ("Very mild or mild frailty (4 to 5)", range(4, 6)),
    ("Moderate frailty (6)", range(6, 7)),
    ("Severe frailty or end of life (7 to 9)", range(7, 10)),
)


@dataclass
class Referrals:
    received: int
    triaged: int
    in_time: int
    median_minutes: Optional[float]

    @property
    def share_in_time(self) -> Optional[float]:
        return self.in_time / self.triaged if self.triaged else None


@dataclass
class Meetings:
    held: int
    discussed: int
    decided: int
    actions: int


@dataclass
class Dashboard:
    caseload: int
    frailty_bands: list[tuple[str, int]]
    reviews_overdue: int
    overdue_by_agency: list[tuple[str, int]]
    referrals: Referrals
    discharges: discharge.Figures
    meetings: Meetings


def frailty_band(level: Optional[int]) -> str:
    for label, levels in BANDS:
        if level in levels:
            return label
    return NOT_ASSESSED


def build(session: Session, network_id: int, today: date, reviews_overdue: int) -> Dashboard:
    """Everything on the dashboard of one network (its people: those registered with its practices)."""
    practice = aliased(Agency)
    in_network = (col(practice.network_id) == network_id,)

    # The caseload (people with a care team) by the Clinical Frailty Scale level in their assessment.
    level = AssessmentSection.answers[mdt.FRAILTY_QUESTION].as_string()
    caseload_people = (
        select(CareTeamMember.person_id)
        .join(Person, col(Person.id) == CareTeamMember.person_id)
        .join(practice, col(practice.id) == Person.gp_practice_id)
        .where(*in_network, col(CareTeamMember.left_at).is_(None))
        .distinct()
        .subquery()
    )
    rows = session.exec(
        select(level, func.count())
        .select_from(caseload_people)
        .outerjoin(Assessment, col(Assessment.person_id) == caseload_people.c.person_id)
        .outerjoin(
            AssessmentSection,
            (col(AssessmentSection.assessment_id) == Assessment.id) & (col(AssessmentSection.section_key) == mdt.FRAILTY_SECTION),
        )
        .group_by(level)
    ).all()
    scores = {value: score for value, (score, _) in mdt.frailty_scores().items()}
    bands = {label: 0 for label, _ in BANDS} | {NOT_ASSESSED: 0}
    for value, count in rows:
        bands[frailty_band(scores.get(value))] += count
    caseload = sum(bands.values())

    # Open actions past their due date, by the agency that owns them.
    overdue = session.exec(
        select(Agency.name, func.count())
        .select_from(CarePlanAction)
        .join(Agency, col(Agency.id) == CarePlanAction.owner_agency_id)
        .join(Person, col(Person.id) == CarePlanAction.person_id)
        .join(practice, col(practice.id) == Person.gp_practice_id)
        .where(*in_network, col(CarePlanAction.status).in_(OPEN_ACTION_STATUSES), col(CarePlanAction.due_on) < today)
        .group_by(Agency.name)
        .order_by(func.count().desc(), Agency.name)
    ).all()

    # Referrals for the network's people in the last four weeks, and how fast triage answered them.
    since = datetime.combine(today - PERIOD, time.min, tzinfo=UTC)
    network = func.coalesce(Referral.network_id, practice.network_id)
    received, triaged, in_time = session.exec(
        select(
            func.count(),
            func.count(col(Referral.triaged_at)),
            func.coalesce(func.sum(case((col(Referral.triaged_at) <= col(Referral.due_by), 1), else_=0)), 0),
        )
        .select_from(Referral)
        .join(Person, col(Person.id) == Referral.person_id)
        .outerjoin(practice, col(practice.id) == Person.gp_practice_id)
        .where(network == network_id, col(Referral.received_at) >= since, col(Referral.linked_to_id).is_(None))
    ).one()
    minutes = [
        (_utc(triaged_at) - _utc(received_at)).total_seconds() / 60
        for received_at, triaged_at in session.exec(
            select(Referral.received_at, Referral.triaged_at)
            .join(Person, col(Person.id) == Referral.person_id)
            .outerjoin(practice, col(practice.id) == Person.gp_practice_id)
            .where(network == network_id, col(Referral.received_at) >= since, col(Referral.triaged_at).is_not(None))
        ).all()
        if triaged_at is not None
    ]

    # What the network's meetings got through in the last twelve weeks.
    held, discussed, decided, actions = session.exec(
        select(
            func.count(func.distinct(MdtMeeting.id)),
            func.count(col(MdtAgendaItem.id)),
            func.count(col(MdtAgendaItem.decided_at)),
            func.coalesce(func.sum(MdtAgendaItem.actions_created), 0),
        )
        .select_from(MdtMeeting)
        .outerjoin(MdtAgendaItem, col(MdtAgendaItem.meeting_id) == MdtMeeting.id)
        .where(MdtMeeting.network_id == network_id, col(MdtMeeting.held_on) <= today, col(MdtMeeting.held_on) > today - MDT_PERIOD)
    ).one()

    return Dashboard(
        caseload=caseload,
        frailty_bands=list(bands.items()),
        reviews_overdue=reviews_overdue,
        overdue_by_agency=[(name, count) for name, count in overdue],
        referrals=Referrals(received, triaged, int(in_time or 0), median(minutes) if minutes else None),
        discharges=discharge.figures(session, today, network_id),
        meetings=Meetings(held, discussed, decided, int(actions or 0)),
    )


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
