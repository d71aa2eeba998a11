"""The fixed vocabularies of OnePlan, in the words users say."""
import enum


class AgencyKind(str, enum.Enum):
    gp_practice = "gp_practice"
    community_nursing = "community_nursing"
    social_care = "social_care"
    therapy = "therapy"
    community_matron = "community_matron"
    voluntary = "voluntary"
    pharmacy = "pharmacy"
    hospital = "hospital"
    mental_health = "mental_health"
    spa_hub = "spa_hub"

    @property
    def label(self) -> str:
        return AGENCY_KIND_LABELS[self]


AGENCY_KIND_LABELS = {
    AgencyKind.gp_practice: "GP practice",
    AgencyKind.community_nursing: "Community nursing",
    AgencyKind.social_care: "Social care",
    AgencyKind.therapy: "Therapy services",
    AgencyKind.community_matron: "Community matrons",
    AgencyKind.voluntary: "Voluntary organisation",
    AgencyKind.pharmacy: "Community pharmacy",
    AgencyKind.hospital: "Hospital",
    AgencyKind.mental_health: "Mental health",
    AgencyKind.spa_hub: "Single point of access hub",
}


class Role(str, enum.Enum):
    """What a member of staff may do in OnePlan (not their profession)."""

    spa_coordinator = "spa_coordinator"
    practitioner = "practitioner"
    network_lead = "network_lead"
    administrator = "administrator"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.spa_coordinator: "SPA coordinator",
    Role.practitioner: "Practitioner",
    Role.network_lead: "Network lead",
    Role.administrator: "Administrator",
}


class Profession(str, enum.Enum):
    district_nurse = "district_nurse"
    community_matron = "community_matron"
    social_worker = "social_worker"
    occupational_therapist = "occupational_therapist"
    physiotherapist = "physiotherapist"
    pharmacist = "pharmacist"
    gp = "gp"
    support_worker = "support_worker"
    voluntary_sector_worker = "voluntary_sector_worker"
    mental_health_nurse = "mental_health_nurse"
    care_coordinator = "care_coordinator"
    manager = "manager"
    administrator = "administrator"

    @property
    def label(self) -> str:
        return PROFESSION_LABELS[self]


PROFESSION_LABELS = {
    Profession.district_nurse: "District nurse",
    Profession.community_matron: "Community matron",
    Profession.social_worker: "Social worker",
    Profession.occupational_therapist: "Occupational therapist",
    Profession.physiotherapist: "Physiotherapist",
    Profession.pharmacist: "Pharmacist",
    Profession.gp: "GP",
    Profession.support_worker: "Support worker",
    Profession.voluntary_sector_worker: "Voluntary-sector worker",
    Profession.mental_health_nurse: "Mental health nurse",
    Profession.care_coordinator: "Care coordinator",
    Profession.manager: "Manager",
    Profession.administrator: "Administrator",
}


class AuditOutcome(str, enum.Enum):
    allowed = "allowed"
    refused = "refused"


class ReferralSource(str, enum.Enum):
    gp = "gp"
    hospital_discharge = "hospital_discharge"
    social_care = "social_care"
    ambulance = "ambulance"
    community_health = "community_health"
    mental_health = "mental_health"
    voluntary = "voluntary"
    self_referral = "self_referral"
    family = "family"
    other = "other"

    @property
    def label(self) -> str:
        return REFERRAL_SOURCE_LABELS[self]


REFERRAL_SOURCE_LABELS = {
    ReferralSource.gp: "GP",
    ReferralSource.hospital_discharge: "Hospital discharge team",
    ReferralSource.social_care: "Social care",
    ReferralSource.ambulance: "Ambulance crew",
    ReferralSource.community_health: "Community health service",
    ReferralSource.mental_health: "Mental health service",
    ReferralSource.voluntary: "Voluntary organisation",
    ReferralSource.self_referral: "The person themselves",
    ReferralSource.family: "Family or carer",
    ReferralSource.other: "Other",
}


class Urgency(str, enum.Enum):
    """Response standards; their clocks are data (app/data/response_standards.json)."""

    urgent = "urgent"
    two_day = "two_day"
    routine = "routine"


class ReferralStatus(str, enum.Enum):
    received = "received"
    triaged = "triaged"
    accepted = "accepted"
    signposted = "signposted"
    declined = "declined"
    redirected = "redirected"
    closed = "closed"

    @property
    def label(self) -> str:
        return REFERRAL_STATUS_LABELS[self]

    @property
    def is_open(self) -> bool:
        """Open until closed: the SPA keeps access to the person's record while it is."""
        return self is not ReferralStatus.closed

    @property
    def awaits_decision(self) -> bool:
        return self in AWAITING_DECISION


AWAITING_DECISION = frozenset({ReferralStatus.received, ReferralStatus.triaged})
OPEN_REFERRAL_STATUSES = frozenset(set(ReferralStatus) - {ReferralStatus.closed})


REFERRAL_STATUS_LABELS = {
    ReferralStatus.received: "Received",
    ReferralStatus.triaged: "Triaged",
    ReferralStatus.accepted: "Accepted",
    ReferralStatus.signposted: "Signposted",
    ReferralStatus.declined: "Declined",
    ReferralStatus.redirected: "Redirected",
    ReferralStatus.closed: "Closed",
}


class NeedStatus(str, enum.Enum):
    active = "active"
    met = "met"
    no_longer_needed = "no_longer_needed"

    @property
    def label(self) -> str:
        return {"active": "Active", "met": "Met", "no_longer_needed": "No longer needed"}[self.value]


class GoalStatus(str, enum.Enum):
    """PRSB personalised care and support plan: a goal's status."""

    proposed = "proposed"
    active = "active"
    achieved = "achieved"
    no_longer_wanted = "no_longer_wanted"

    @property
    def label(self) -> str:
        return {"proposed": "Proposed", "active": "Active", "achieved": "Achieved", "no_longer_wanted": "No longer wanted"}[self.value]


class ActionStatus(str, enum.Enum):
    """An action's handshake: requested of an agency until it accepts or declines; then in progress, done or cancelled."""

    requested = "requested"
    accepted = "accepted"
    declined = "declined"
    in_progress = "in_progress"
    done = "done"
    cancelled = "cancelled"

    @property
    def label(self) -> str:
        return ACTION_STATUS_LABELS[self]

    @property
    def is_open(self) -> bool:
        return self in OPEN_ACTION_STATUSES


ACTION_STATUS_LABELS = {
    ActionStatus.requested: "Requested",
    ActionStatus.accepted: "Accepted",
    ActionStatus.declined: "Declined",
    ActionStatus.in_progress: "In progress",
    ActionStatus.done: "Done",
    ActionStatus.cancelled: "Cancelled",
}
# Still to be done by someone: these count towards a worklist and can be overdue.
OPEN_ACTION_STATUSES = frozenset({ActionStatus.requested, ActionStatus.accepted, ActionStatus.in_progress})


class ContactKind(str, enum.Enum):
    personal = "personal"
    professional = "professional"

    @property
    def label(self) -> str:
        return {"personal": "Personal", "professional": "Professional"}[self.value]
