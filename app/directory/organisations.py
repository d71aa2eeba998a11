"""The directory: networks, agencies and the staff list that administrators keep.

Adding a network or an agency is a command (NewNetwork, NewAgency) checked here, whichever way it
came in; it adds the row and its audit event to the caller's transaction, which the caller commits.
Staff accounts are added by app/trust/accounts.py (NewUser).
"""

import re
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import func
from sqlmodel import Session, col, select

from app import checks
from app.db import insert_once
from app.trust import audit
from app.versioned import SaveResult
from models import Agency, AgencyKind, Network, Role, User

AGENCY_NAME_MAX = 160
NETWORK_NAME_MAX = 120
HUB_NAME_MAX = 120
PHONE_MAX = 40
USERS_SHOWN = 200
NETWORK_NAME_TAKEN = "There is already a network with that name"
AGENCY_NAME_TAKEN = "There is already an agency with that name"

# A UK or international number as people write it: digits and spaces, perhaps a leading +.
_PHONE = re.compile(r"\+?[0-9 ]*[0-9][0-9 ]*")


# --- networks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NewNetwork:
    """A new GP-led network and the name of the hub it links to."""

    name: Optional[str]
    hub_name: Optional[str]


def check_new_network(session: Session, command: NewNetwork) -> dict[str, str]:
    """A network needs a name no other network has (ignoring case) and the name of its hub."""
    errors = _texts(command, [("name", "the network's name", NETWORK_NAME_MAX, True), ("hub_name", "the hub's name", HUB_NAME_MAX, True)])
    if "name" not in errors and _name_taken(session, Network, command.name or ""):
        errors["name"] = NETWORK_NAME_TAKEN
    return errors


def create_network(session: Session, command: NewNetwork, by: Optional[User]) -> SaveResult[Network]:
    """Add a network, with its audit event; the caller commits."""
    errors = check_new_network(session, command)
    if errors:
        return SaveResult(errors=errors)
    return _add(
        session, Network, {"name": command.name, "hub_name": command.hub_name}, "create_network", "network", by, taken=NETWORK_NAME_TAKEN
    )


# --- agencies ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NewAgency:
    """A new agency: its name, its kind, the network it belongs to (a GP practice must have one) and its phone."""

    name: Optional[str]
    kind: Optional[AgencyKind]
    network_id: Optional[int]
    phone: Optional[str]
    ods_code: Optional[str] = None  # its NHS Organisation Data Service code, how other systems name it


ODS_CODE = re.compile(r"[A-Z0-9]{3,10}")


def check_new_agency(session: Session, command: NewAgency) -> dict[str, str]:
    """An agency needs a unique name and a kind; a GP practice must belong to a network
    (other agencies may); the phone number, if given, is digits and spaces with an optional +."""
    errors = _texts(command, [("name", "the agency's name", AGENCY_NAME_MAX, True), ("phone", "the phone number", PHONE_MAX, False)])
    if "name" not in errors and _name_taken(session, Agency, command.name or ""):
        errors["name"] = AGENCY_NAME_TAKEN
    if command.kind is None:
        errors["kind"] = "Select the kind of agency"
    if command.network_id is not None and session.get(Network, command.network_id) is None:
        errors["network_id"] = "Select a network"
    elif command.kind is AgencyKind.gp_practice and command.network_id is None:
        errors["network_id"] = "Select the network this GP practice belongs to"
    if command.phone and "phone" not in errors and not _PHONE.fullmatch(command.phone):
        errors["phone"] = "Phone number must only include numbers and spaces, with an optional + at the start"
    if command.ods_code:
        if not ODS_CODE.fullmatch(command.ods_code):
            errors["ods_code"] = "ODS code must be 3 to 10 letters and numbers, like B87001"
        elif session.exec(select(Agency.id).where(Agency.ods_code == command.ods_code)).first() is not None:
            errors["ods_code"] = "Another agency has this ODS code"
    return errors


def create_agency(session: Session, command: NewAgency, by: Optional[User]) -> SaveResult[Agency]:
    """Add an agency, with its audit event; the caller commits."""
    errors = check_new_agency(session, command)
    if errors:
        return SaveResult(errors=errors)
    values = {
        "name": command.name,
        "kind": command.kind,
        "network_id": command.network_id,
        "phone": command.phone,
        "ods_code": command.ods_code,
    }
    return _add(session, Agency, values, "create_agency", "agency", by, taken=AGENCY_NAME_TAKEN)


# --- reading the directory --------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    agencies: int
    networks: int
    users: int
    active_users: int


def counts(session: Session) -> Counts:
    return Counts(
        agencies=session.exec(select(func.count()).select_from(Agency)).one(),
        networks=session.exec(select(func.count()).select_from(Network)).one(),
        users=session.exec(select(func.count()).select_from(User)).one(),
        active_users=session.exec(select(func.count()).select_from(User).where(User.is_active)).one(),
    )


def agencies(session: Session, kind: Optional[AgencyKind] = None) -> list[tuple[Agency, Optional[Network]]]:
    """Every agency (of one kind, if given) with its network, by name."""
    query = select(Agency, Network).join(Network, col(Agency.network_id) == Network.id, isouter=True).order_by(Agency.name)
    if kind is not None:
        query = query.where(Agency.kind == kind)
    return list(session.exec(query))


def networks(session: Session) -> list[Network]:
    return list(session.exec(select(Network).order_by(Network.name)))


def networks_with_practices(session: Session) -> list[tuple[Network, int]]:
    """Every network with the number of GP practices in it."""
    practices = func.count(col(Agency.id))
    query = (
        select(Network, practices)
        .join(Agency, (col(Agency.network_id) == Network.id) & (col(Agency.kind) == AgencyKind.gp_practice), isouter=True)
        .group_by(col(Network.id))
        .order_by(Network.name)
    )
    return [(network, count) for network, count in session.exec(query)]


def all_agencies(session: Session) -> list[Agency]:
    return list(session.exec(select(Agency).order_by(Agency.name)))


@dataclass(frozen=True)
class StaffList:
    rows: list  # (User, Agency, Optional[Network])
    total: int

    @property
    def not_shown(self) -> int:
        return self.total - len(self.rows)


def users(session: Session, agency_id: Optional[int] = None, role: Optional[Role] = None, limit: int = USERS_SHOWN) -> StaffList:
    """Staff accounts (of one agency and/or role, if given) by username, at most `limit` of them."""
    conditions = []
    if agency_id is not None:
        conditions.append(User.agency_id == agency_id)
    if role is not None:
        conditions.append(User.role == role)
    total = session.exec(select(func.count()).select_from(User).where(*conditions)).one()
    query = (
        select(User, Agency, Network)
        .join(Agency, col(User.agency_id) == Agency.id)
        .join(Network, col(User.network_id) == Network.id, isouter=True)
        .where(*conditions)
        .order_by(User.username)
        .limit(limit)
    )
    return StaffList(rows=list(session.exec(query)), total=total)


# --- shared -----------------------------------------------------------------------------


def _name_taken(session: Session, model, name: str) -> bool:
    return session.exec(select(model.id).where(func.lower(model.name) == name.lower()).limit(1)).first() is not None


def _add(session: Session, model, values: dict, action: str, record_type: str, by: Optional[User], *, taken: str):
    """Insert the row and its audit event; a name someone else took since the check is refused like
    one taken long ago (nothing written, nothing to undo)."""
    row_id = insert_once(session, model, values, unique=["name"])
    if row_id is None:
        return SaveResult(errors={"name": taken})
    row = session.get(model, row_id)
    audit.record(session, action, user=by, record_type=record_type, record_id=row_id, detail=values["name"])
    return SaveResult(item=row)


def _texts(command, rules: list[tuple[str, str, int, bool]]) -> dict[str, str]:
    """Problems with the command's typed fields: (field, label, length, required) each."""
    errors: dict[str, str] = {}
    for name, label, limit, required in rules:
        message = checks.text_problem(getattr(command, name), label, max_length=limit, required=required)
        if message:
            errors[name] = message
    return errors
