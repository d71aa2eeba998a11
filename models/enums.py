"""The fixed vocabularies of OnePlan, in the words users say.

Each is stored by its value and shown by its label, both written once, beside each other."""

import enum
from typing import Any, Optional, Self

from sqlalchemy import Column
from sqlalchemy import Enum as SAEnum


class Labelled(enum.StrEnum):
    """A value stored as its name and shown as its label: `district_nurse = "district_nurse", "District nurse"`."""

    label: str
    _value_: str

    def __new__(cls, value: str, label: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


def enum_column(
    enum_cls: type[enum.Enum], name: str, *, length: int = 32, nullable: bool = False, index: bool = False, default: Optional[Any] = None
) -> Any:
    """An enum stored as text (its value, which is also its name), not as a database enum type."""
    return Column(SAEnum(enum_cls, name=name, native_enum=False, length=length), nullable=nullable, index=index, default=default)


class AgencyKind(Labelled):
    gp_practice = "gp_practice", "GP practice"
    community_nursing = "community_nursing", "Community nursing"
    social_care = "social_care", "Social care"
    therapy = "therapy", "Therapy services"
    community_matron = "community_matron", "Community matrons"
    voluntary = "voluntary", "Voluntary organisation"
    pharmacy = "pharmacy", "Community pharmacy"
    hospital = "hospital", "Hospital"
    mental_health = "mental_health", "Mental health"
    spa_hub = "spa_hub", "Single point of access hub"


class Role(Labelled):
    """What a member of staff may do in OnePlan (not their profession)."""

    spa_coordinator = "spa_coordinator", "SPA coordinator"
    practitioner = "practitioner", "Practitioner"
    network_lead = "network_lead", "Network lead"
    administrator = "administrator", "Administrator"
    # The network at work (issue 15): reads one crisis summary at a time, for people who share their record.
    out_of_hours = "out_of_hours", "Out-of-hours clinician"


class Profession(Labelled):
    district_nurse = "district_nurse", "District nurse"
    community_matron = "community_matron", "Community matron"
    social_worker = "social_worker", "Social worker"
    occupational_therapist = "occupational_therapist", "Occupational therapist"
    physiotherapist = "physiotherapist", "Physiotherapist"
    pharmacist = "pharmacist", "Pharmacist"
    gp = "gp", "GP"
    support_worker = "support_worker", "Support worker"
    voluntary_sector_worker = "voluntary_sector_worker", "Voluntary-sector worker"
    mental_health_nurse = "mental_health_nurse", "Mental health nurse"
    care_coordinator = "care_coordinator", "Care coordinator"
    manager = "manager", "Manager"
    administrator = "administrator", "Administrator"


class AuditOutcome(Labelled):
    allowed = "allowed", "Allowed"
    refused = "refused", "Refused"


class ReferralSource(Labelled):
    gp = "gp", "GP"
    hospital_discharge = "hospital_discharge", "Hospital discharge team"
    social_care = "social_care", "Social care"
    ambulance = "ambulance", "Ambulance crew"
    community_health = "community_health", "Community health service"
    mental_health = "mental_health", "Mental health service"
    voluntary = "voluntary", "Voluntary organisation"
    self_referral = "self_referral", "The person themselves"
    family = "family", "Family or carer"
    other = "other", "Other"


class Urgency(Labelled):
    """Response standards; their labels and clocks are data (app/data/response_standards.json)."""

    urgent = "urgent"
    two_day = "two_day"
    routine = "routine"


class ReferralStatus(Labelled):
    received = "received", "Received"
    triaged = "triaged", "Triaged"
    accepted = "accepted", "Accepted"
    signposted = "signposted", "Signposted"
    declined = "declined", "Declined"
    redirected = "redirected", "Redirected"
    closed = "closed", "Closed"

    @property
    def is_open(self) -> bool:
        """Open until closed: the SPA keeps access to the person's record while it is."""
        return self is not ReferralStatus.closed

    @property
    def awaits_decision(self) -> bool:
        return self in AWAITING_DECISION


AWAITING_DECISION = frozenset({ReferralStatus.received, ReferralStatus.triaged})
OPEN_REFERRAL_STATUSES = frozenset(set(ReferralStatus) - {ReferralStatus.closed})


class TriageDecision(Labelled):
    """What triage decides about a referral."""

    accept = "accept", "Accept"
    signpost = "signpost", "Signpost"
    decline = "decline", "Decline"
    redirect = "redirect", "Redirect to another network"


class AssessmentStatus(Labelled):
    draft = "draft", "Draft"
    complete = "complete", "Complete"


class SuggestionStatus(Labelled):
    """A need the assessment suggests: suggested, then adopted by the plan or dismissed; withdrawn
    when the finding behind it no longer holds."""

    suggested = "suggested", "Suggested"
    adopted = "adopted", "Adopted"
    dismissed = "dismissed", "Dismissed"
    withdrawn = "withdrawn", "Withdrawn"


class PlanItemType(Labelled):
    """What a care-plan revision is about: one of the plan's own parts, or one of its items."""

    part = "part", "Part"
    need = "need", "Need"
    goal = "goal", "Goal"
    action = "action", "Action"
    contact = "contact", "Contact"


PLAN_ITEM_TYPES = (PlanItemType.need, PlanItemType.goal, PlanItemType.action, PlanItemType.contact)


class NeedStatus(Labelled):
    active = "active", "Active"
    met = "met", "Met"
    no_longer_needed = "no_longer_needed", "No longer needed"


class GoalStatus(Labelled):
    """PRSB personalised care and support plan: a goal's status."""

    proposed = "proposed", "Proposed"
    active = "active", "Active"
    achieved = "achieved", "Achieved"
    no_longer_wanted = "no_longer_wanted", "No longer wanted"


class ActionStatus(Labelled):
    """An action's handshake: requested of an agency until it accepts or declines; then in progress, done or cancelled."""

    requested = "requested", "Requested"
    accepted = "accepted", "Accepted"
    declined = "declined", "Declined"
    in_progress = "in_progress", "In progress"
    done = "done", "Done"
    cancelled = "cancelled", "Cancelled"

    @property
    def is_open(self) -> bool:
        return self in OPEN_ACTION_STATUSES


# Still to be done by someone: these count towards a worklist and can be overdue.
OPEN_ACTION_STATUSES = frozenset({ActionStatus.requested, ActionStatus.accepted, ActionStatus.in_progress})


class ContactKind(Labelled):
    personal = "personal", "Personal"
    professional = "professional", "Professional"
