"""OnePlan's tables: the domain, nothing else (no Flask, no queries)."""

from models.access_grant import AccessGrant
from models.agency import Agency
from models.api_token import ApiToken
from models.assessment import Assessment, AssessmentRevision, AssessmentSection, SuggestedNeed
from models.attempt_count import AttemptCount
from models.audit import AuditChainHead, AuditEvent
from models.care_plan import (
    CarePlan,
    CarePlanAction,
    CarePlanContact,
    CarePlanGoal,
    CarePlanNeed,
    CarePlanPart,
    CarePlanRevision,
    CarePlanView,
)
from models.care_team import AgencyCaseload, CareTeamMember
from models.consent import Consent, ConsentObjection
from models.contact_record import ContactHow, ContactRecord
from models.daily_figures import NO_NETWORK, DailyFigures, OpenReferralCount, TriageTime
from models.discharge import DelayReason, DischargeBoardEntry, DischargeGate, DischargeWait
from models.enums import (
    AWAITING_DECISION,
    OPEN_ACTION_STATUSES,
    OPEN_REFERRAL_STATUSES,
    PLAN_ITEM_TYPES,
    ActionStatus,
    AgencyKind,
    AssessmentStatus,
    AuditOutcome,
    ContactKind,
    GoalStatus,
    Labelled,
    NeedStatus,
    PlanItemType,
    Profession,
    ReferralSource,
    ReferralStatus,
    Role,
    SuggestionStatus,
    TriageDecision,
    Urgency,
)
from models.hub import HubNetwork, HubReferral, HubReferralStatus
from models.mdt import MdtAgendaItem, MdtAttendee, MdtMeeting
from models.network import Network
from models.notification import Notification
from models.palliative import AnticipatoryMedicines, PalliativeEntry, PalliativeStage
from models.person import Person, format_nhs_number
from models.person_account import PersonAccount, PersonInvitation, PersonNote, PersonSession
from models.recovery_code import RecoveryCode
from models.referral import Referral, ReferralIdentifier
from models.staff_session import StaffSession
from models.user import User

__all__ = [
    "ReferralIdentifier",
    "AttemptCount",
    "AssessmentStatus",
    "Labelled",
    "PLAN_ITEM_TYPES",
    "PlanItemType",
    "SuggestionStatus",
    "TriageDecision",
    "AgencyKind",
    "Profession",
    "Role",
    "AuditOutcome",
    "Network",
    "Agency",
    "User",
    "Person",
    "format_nhs_number",
    "PersonAccount",
    "PersonInvitation",
    "PersonNote",
    "PersonSession",
    "AgencyCaseload",
    "CareTeamMember",
    "AuditEvent",
    "AWAITING_DECISION",
    "OPEN_REFERRAL_STATUSES",
    "ReferralSource",
    "ReferralStatus",
    "Urgency",
    "Referral",
    "DailyFigures",
    "OpenReferralCount",
    "TriageTime",
    "NO_NETWORK",
    "Notification",
    "Assessment",
    "AssessmentSection",
    "AssessmentRevision",
    "SuggestedNeed",
    "CarePlan",
    "CarePlanAction",
    "CarePlanContact",
    "CarePlanGoal",
    "CarePlanNeed",
    "CarePlanPart",
    "CarePlanRevision",
    "CarePlanView",
    "ActionStatus",
    "ContactKind",
    "GoalStatus",
    "NeedStatus",
    "OPEN_ACTION_STATUSES",
    "ApiToken",
    "AuditChainHead",
    "AccessGrant",
    "Consent",
    "ConsentObjection",
    "RecoveryCode",
    "StaffSession",
    # The network at work (issue 15).
    "DelayReason",
    "DischargeBoardEntry",
    "DischargeGate",
    "DischargeWait",
    "HubNetwork",
    "HubReferral",
    "HubReferralStatus",
    "MdtAgendaItem",
    "MdtAttendee",
    "MdtMeeting",
    "AnticipatoryMedicines",
    "PalliativeEntry",
    "PalliativeStage",
    # The shared timeline of contacts (issue 16).
    "ContactHow",
    "ContactRecord",
]
