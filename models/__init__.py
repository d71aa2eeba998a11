"""OnePlan's tables: the domain, nothing else (no Flask, no queries)."""
from models.enums import AgencyKind, Profession, Role, AuditOutcome
from models.network import Network
from models.agency import Agency
from models.user import User
from models.person import Person, format_nhs_number
from models.care_team import CareTeamMember
from models.audit import AuditEvent

__all__ = [
    "AgencyKind",
    "Profession",
    "Role",
    "AuditOutcome",
    "Network",
    "Agency",
    "User",
    "Person",
    "format_nhs_number",
    "CareTeamMember",
    "AuditEvent",
]
